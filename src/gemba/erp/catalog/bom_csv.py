"""boms.csv: one row per BOM line; the rows of one parent (and revision) form one BOM.

Loading a revision that exists replaces its lines, so an edited dump re-imports cleanly.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from gemba.core.dataload.cells import cell, non_empty
from gemba.core.dataload.grouped import apply_rows
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.bom import (
    Bom,
    BomIn,
    BomLineIn,
    BomLinesIn,
    create_bom,
    replace_lines,
)
from gemba.erp.catalog.item import Item

DEFAULT_REVISION = "1"
REQUIRED = ["parent_code", "component_code", "qty_per"]
OPTIONAL = ["scrap_pct", "revision", "seq"]


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    parent = rows[0].get("parent_code") or ""
    revision = rows[0].get("revision") or DEFAULT_REVISION

    def apply(lines: list[BomLineIn]) -> None:
        existing = uow.session.scalar(
            select(Bom).join(Bom.item).where(Item.code == parent, Bom.revision == revision))
        if existing is None:
            create_bom(uow, BomIn(item=parent, revision=revision, lines=lines))
        else:
            replace_lines(uow, existing.number,
                          BomLinesIn(version=existing.version, lines=lines))

    apply_rows(rows, BomLineIn, _line_dict, "lines", apply)


def _line_dict(row: Row) -> dict[str, str]:
    cells = non_empty(row.cells)
    out = {"component": cells.get("component_code", ""), "qty_per": cells.get("qty_per", "")}
    for key in ("scrap_pct", "seq"):
        if key in cells:
            out[key] = cells[key]
    return out


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    boms = uow.session.scalars(select(Bom).join(Bom.item).order_by(Item.code, Bom.revision))
    for bom in boms:
        for line in bom.lines:
            yield {"parent_code": bom.item.code, "component_code": line.component.code,
                   "qty_per": cell(line.qty_per), "scrap_pct": cell(line.scrap_pct),
                   "revision": bom.revision, "seq": cell(line.seq)}


def _group(row: Row) -> str:
    return f"{row.get('parent_code')}\x1f{row.get('revision') or DEFAULT_REVISION}"


SPEC = FileSpec(name="boms.csv", required=REQUIRED, optional=OPTIONAL, order=20, load=_load,
                dump=_dump, group_by=_group, row_list="lines",
                fields={"item": "parent_code", "component": "component_code",
                        "revision": "revision", "lines": "component_code"},
                description="Bill-of-materials lines, grouped by parent and revision.")
