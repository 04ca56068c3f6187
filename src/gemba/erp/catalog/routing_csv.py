"""routings.csv: one row per operation; the rows of one item (and revision) form a routing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from gemba.core.dataload.cells import cell, non_empty
from gemba.core.dataload.grouped import apply_rows
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.routing import (
    OperationIn,
    OperationsIn,
    Routing,
    RoutingIn,
    create_routing,
    replace_operations,
)

DEFAULT_REVISION = "1"
REQUIRED = ["item_code", "seq", "operation", "work_center", "setup_min", "run_min_per_unit"]
OPTIONAL = ["revision", "instructions", "skill"]


def _operation(row: Row) -> dict[str, str]:
    cells = non_empty(row.cells)
    out = {"seq": cells.get("seq", ""), "name": cells.get("operation", ""),
           "work_center": cells.get("work_center", "")}
    for key in ("setup_min", "run_min_per_unit", "instructions", "skill"):
        if key in cells:
            out[key] = cells[key]
    return out


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    item_code = rows[0].get("item_code") or ""
    revision = rows[0].get("revision") or DEFAULT_REVISION

    def apply(operations: list[OperationIn]) -> None:
        existing = uow.session.scalar(
            select(Routing).join(Routing.item).where(Item.code == item_code,
                                                     Routing.revision == revision))
        if existing is None:
            create_routing(uow, RoutingIn(item=item_code, revision=revision,
                                          operations=operations))
        else:
            replace_operations(uow, existing.number,
                               OperationsIn(version=existing.version, operations=operations))

    apply_rows(rows, OperationIn, _operation, "operations", apply)


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    routings = uow.session.scalars(
        select(Routing).join(Routing.item).order_by(Item.code, Routing.revision))
    for routing in routings:
        for op in routing.operations:
            yield {"item_code": routing.item.code, "seq": cell(op.seq), "operation": op.name,
                   "work_center": op.work_center.code, "setup_min": cell(op.setup_min),
                   "run_min_per_unit": cell(op.run_min_per_unit),
                   "revision": routing.revision, "instructions": op.instructions,
                   "skill": op.skill_code or ""}


def _group(row: Row) -> str:
    return f"{row.get('item_code')}\x1f{row.get('revision') or DEFAULT_REVISION}"


SPEC = FileSpec(name="routings.csv", required=REQUIRED, optional=OPTIONAL, order=40,
                load=_load, dump=_dump, group_by=_group, row_list="operations",
                fields={"item": "item_code", "name": "operation", "operations": "seq"},
                description="Routing operations, grouped by item and revision.")
