"""REST resources: bills of materials, and the item views built on them (effective BOM,
multi-level explosion, where-used). BOMs are keyed by their document number (BOM-000042)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from gemba.api.crud import AuditEntryOut, Out, PageOut, page_request
from gemba.api.deps import UowDep
from gemba.core.types import utcnow
from gemba.erp.catalog import bom as svc
from gemba.erp.catalog.bom_explosion import effective_bom, explode, where_used
from gemba.erp.catalog.item import ItemType


class BomLineOut(Out):
    seq: int
    component_code: str
    component_name: str
    uom_code: str
    qty_per: Decimal
    scrap_pct: Decimal


class BomOut(Out):
    id: int
    number: str
    item_code: str
    item_name: str
    revision: str
    status: svc.BomStatus
    effective_from: date | None
    effective_to: date | None
    base_qty: Decimal
    lines: list[BomLineOut]
    version: int
    updated_at: datetime


class HistoryEntryOut(AuditEntryOut):
    record_type: str
    record_id: str


class RequirementOut(Out):
    level: int
    path: list[str]
    parent_code: str
    bom_number: str
    seq: int
    component_code: str
    component_name: str
    item_type: ItemType
    uom_code: str
    qty_per: Decimal
    scrap_pct: Decimal
    gross_qty: Decimal


class ComponentTotalOut(Out):
    component_code: str
    component_name: str
    item_type: ItemType
    uom_code: str
    low_level: int
    gross_qty: Decimal


class ExplosionOut(Out):
    """``lines``: indented multi-level BOM; ``totals``: summarised per component."""

    item_code: str
    qty: Decimal
    on: date
    bom_number: str
    lines: list[RequirementOut]
    totals: list[ComponentTotalOut]


class UsageOut(Out):
    level: int
    path: list[str]
    parent_code: str
    parent_name: str
    parent_type: ItemType
    bom_number: str
    revision: str
    status: svc.BomStatus
    seq: int
    qty_per: Decimal
    scrap_pct: Decimal


router = APIRouter(tags=["bills of materials"])


def _out(bom: svc.Bom) -> BomOut:
    return BomOut.model_validate(bom)


@router.get("/boms", response_model=PageOut[BomOut],
            description="Exact-match filters: item, status, revision.")
def list_boms(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
              offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = svc.list_boms(uow, page_request(request, limit, offset, q))
    return {"items": [_out(b) for b in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


@router.post("/boms", response_model=BomOut, status_code=201)
def create_bom(body: svc.BomIn, uow: UowDep) -> Any:
    bom = svc.create_bom(uow, body)
    uow.commit()
    return _out(bom)


@router.get("/boms/{number}", response_model=BomOut)
def get_bom(number: str, uow: UowDep) -> Any:
    return _out(svc.get_bom(uow, number))


@router.patch("/boms/{number}", response_model=BomOut)
def update_bom(number: str, body: svc.BomPatch, uow: UowDep) -> Any:
    bom = svc.update_bom(uow, number, body)
    uow.commit()
    return _out(bom)


@router.put("/boms/{number}/lines", response_model=BomOut,
            description="Replace all lines; a line keeps its identity through its seq.")
def replace_lines(number: str, body: svc.BomLinesIn, uow: UowDep) -> Any:
    bom = svc.replace_lines(uow, number, body)
    uow.commit()
    return _out(bom)


@router.post("/boms/{number}/lines", response_model=BomOut, status_code=201)
def add_line(number: str, body: svc.BomLineAdd, uow: UowDep) -> Any:
    bom = svc.add_line(uow, number, body)
    uow.commit()
    return _out(bom)


@router.delete("/boms/{number}/lines/{seq}", response_model=BomOut)
def remove_line(number: str, seq: int, uow: UowDep, version: int | None = None) -> Any:
    bom = svc.remove_line(uow, number, seq, version)
    uow.commit()
    return _out(bom)


@router.delete("/boms/{number}", status_code=204)
def delete_bom(number: str, uow: UowDep, version: int | None = None) -> Response:
    svc.delete_bom(uow, number, version)
    uow.commit()
    return Response(status_code=204)


@router.get("/boms/{number}/history", response_model=list[HistoryEntryOut],
            description="Changes of the BOM and of its lines, oldest first.")
def bom_history(number: str, uow: UowDep) -> Any:
    return [HistoryEntryOut.model_validate(e) for e in svc.bom_history(uow, number)]


@router.get("/items/{code}/bom", response_model=BomOut,
            description="The active BOM effective on the date (default: today, UTC).")
def item_bom(code: str, uow: UowDep, on: date | None = None) -> Any:
    return _out(effective_bom(uow, code, on or utcnow().date()))


@router.get("/items/{code}/explosion", response_model=ExplosionOut)
def item_explosion(code: str, uow: UowDep,
                   qty: Decimal = Query(Decimal(1), gt=0, max_digits=18, decimal_places=6),
                   on: date | None = None) -> Any:
    """Gross requirements = parent qty x qty_per / base_qty / (1 - scrap_pct/100), phantoms
    blown through, with the BOMs effective ``on`` (default: today, UTC)."""
    return ExplosionOut.model_validate(explode(uow, code, qty, on or utcnow().date()))


@router.get("/items/{code}/where-used", response_model=list[UsageOut])
def item_where_used(code: str, uow: UowDep, multilevel: bool = False,
                    include_obsolete: bool = False) -> Any:
    return [UsageOut.model_validate(u)
            for u in where_used(uow, code, multilevel, include_obsolete)]
