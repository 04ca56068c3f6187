"""work_centers.csv: work centers by site; sites (and a default area) are created if missing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from gemba.core.dataload.cells import cell
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ErrorCollector, ValidationFailed
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel
from gemba.erp.equipment.hierarchy import ensure_work_center

COLUMNS = ["code", "name", "site", "hours_per_day"]


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    if len(rows) > 1:
        raise ValidationFailed.on("rows[1].code", "unique_in_file",
                                  f"work center {rows[0].get('code')} already appears on line "
                                  f"{rows[0].line}")
    (row,) = rows
    errors = ErrorCollector()
    for column in ("code", "name", "site"):
        if not row.get(column):
            errors.add(column, "required", "may not be empty")
    hours: Decimal | None = None
    raw = row.get("hours_per_day")
    if raw is not None:
        try:
            hours = Decimal(raw)
        except InvalidOperation:
            errors.add("hours_per_day", "decimal", f"{raw!r} is not a number")
    errors.raise_if_any()
    ensure_work_center(uow, row.get("code") or "", row.get("name") or "",
                       row.get("site") or "", hours)


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    centers = uow.session.scalars(select(Equipment).where(
        Equipment.level == EquipmentLevel.WORK_CENTER).order_by(Equipment.code))
    for wc in centers:
        yield {"code": wc.code, "name": wc.name, "site": cell(wc.site_code),
               "hours_per_day": cell(wc.hours_per_day)}


def _code(row: Row) -> str:
    return row.get("code") or f"line {row.line}"


SPEC = FileSpec(name="work_centers.csv", required=COLUMNS, order=30, load=_load, dump=_dump,
                group_by=_code, fields={"parent": "site", "site_code": "site"},
                description="Work centers with their site and hours per day.")
