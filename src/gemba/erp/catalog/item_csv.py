"""items.csv: create or update items (re-importing an edited file updates them)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from gemba.core.dataload.cells import cell, non_empty
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import Item, ItemIn, ItemPatch, create_item, update_item

COLUMNS = ["code", "name", "type", "uom", "tracking", "lead_time_days", "lot_size_rule",
           "lot_size_qty", "min_qty", "safety_stock", "standard_cost", "shelf_life_days",
           "costing_method"]


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    if len(rows) > 1:
        raise ValidationFailed.on("rows[1].code", "unique_in_file",
                                  f"code {rows[0].get('code')} already appears on line "
                                  f"{rows[0].line}")
    (row,) = rows
    data = ItemIn.model_validate(non_empty(row.cells))
    existing = uow.session.scalar(select(Item).where(Item.code == data.code))
    if existing is None:
        create_item(uow, data)
        return
    if existing.uom.code != data.uom:
        raise ValidationFailed.on("uom", "immutable",
                                  f"item {data.code} exists with unit {existing.uom.code}; "
                                  "the base unit cannot change")
    patch = data.model_dump(exclude={"code", "uom"})
    update_item(uow, data.code, ItemPatch(version=existing.version, **patch))


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    for item in uow.session.scalars(select(Item).order_by(Item.code)):
        yield {c: cell(item.uom.code if c == "uom" else getattr(item, c)) for c in COLUMNS}


def _code(row: Row) -> str:
    return row.get("code") or f"line {row.line}"


SPEC = FileSpec(name="items.csv", required=COLUMNS[:4], optional=COLUMNS[4:], order=10,
                load=_load, dump=_dump, group_by=_code,
                description="Items: purchased, manufactured, phantom and service.")
