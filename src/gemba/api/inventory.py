"""REST resources of inventory: warehouses, locations, lots and holds, stock on hand, the stock
ledger, warehouse operations (transfer, adjustment, count, scrap), reversals and valuation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request

from gemba.api.crud import CodeResource, Out, PageOut, code_router, page_request
from gemba.api.deps import UowDep
from gemba.erp.inventory import location, lot, moves, operations, stock
from gemba.erp.inventory.ledger import PostedMove
from gemba.erp.inventory.location import LocationKind


class WarehouseOut(Out):
    id: int
    code: str
    name: str
    site_code: str | None
    version: int
    updated_at: datetime


class LocationOut(Out):
    id: int
    code: str
    name: str
    kind: LocationKind
    warehouse_code: str | None = None
    parent_code: str | None = None
    account_code: str | None
    counter_account: str | None = None  # booked against when stock crosses in or out
    active: bool
    version: int


class LotOut(Out):
    id: int
    item_code: str
    code: str
    expiry_date: date | None
    supplier_lot: str | None
    on_hold: bool
    hold_reason: str | None
    version: int


class StockLineOut(Out):
    item: str
    location: str
    lot: str | None
    expiry_date: date | None
    on_hold: bool
    on_hand: Decimal
    reserved: Decimal
    available: Decimal


class MoveOut(Out):
    id: int
    move_date: date
    posted_at: datetime
    kind: str
    item: str
    qty: Decimal
    from_location: str
    to_location: str
    lot: str | None
    value: Decimal
    doc_value: Decimal
    doc_type: str
    doc_ref: str
    reason: str | None
    actor: str
    reversal_of_id: int | None


class PostedMoveOut(Out):
    id: int
    qty: Decimal
    value: Decimal
    doc_value: Decimal


class StockDocumentOut(Out):
    doc_ref: str
    moves: list[PostedMoveOut]


class ValuationLineOut(Out):
    item: str
    name: str
    method: str
    qty: Decimal
    value: Decimal
    unit_cost: Decimal


class ValuationOut(Out):
    lines: list[ValuationLineOut]
    total: Decimal


def location_out(loc: location.Location) -> LocationOut:
    return LocationOut(
        id=loc.id, code=loc.code, name=loc.name, kind=loc.kind,
        warehouse_code=loc.warehouse.code if loc.warehouse else None,
        parent_code=loc.parent.code if loc.parent else None, account_code=loc.account_code,
        counter_account=loc.account_code or location.COUNTER_ACCOUNT.get(loc.kind),
        active=loc.active, version=loc.version)


router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/warehouses", tag="inventory", record_type="erp_warehouses", out=WarehouseOut,
    create_in=location.WarehouseIn, patch_in=None, list_fn=location.list_warehouses,
    get_fn=location.get_warehouse, create_fn=location.create_warehouse)))

inv = APIRouter(tags=["inventory"])


@inv.get("/locations", response_model=PageOut[LocationOut])
def list_locations(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                   offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    """Exact-match filter: kind (internal, supplier, customer, production, scrap,
    adjustment)."""
    page = location.list_locations(uow, page_request(request, limit, offset, q))
    return {"items": [location_out(i) for i in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


@inv.post("/locations", response_model=LocationOut, status_code=201)
def create_location(body: location.LocationIn, uow: UowDep) -> Any:
    record = location.create_location(uow, body)
    uow.commit()
    return location_out(record)


@inv.get("/locations/{code:path}", response_model=LocationOut)
def get_location(code: str, uow: UowDep) -> Any:
    return location_out(location.get_location(uow, code))


@inv.get("/lots", response_model=PageOut[LotOut])
def list_lots(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
              offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    """Exact-match filters: item (code), on_hold (true/false)."""
    page = lot.list_lots(uow, page_request(request, limit, offset, q))
    return {"items": [LotOut.model_validate(i) for i in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


@inv.get("/lots/{item}/{code}", response_model=LotOut)
def get_lot(item: str, code: str, uow: UowDep) -> Any:
    return LotOut.model_validate(lot.get_lot(uow, item, code))


@inv.post("/lots/{item}/{code}/hold", response_model=LotOut)
def hold_lot(item: str, code: str, body: lot.HoldIn, uow: UowDep) -> Any:
    """Quality hold: the lot may still move, but not be delivered or consumed."""
    record = lot.hold_lot(uow, item, code, body)
    uow.commit()
    return LotOut.model_validate(record)


@inv.post("/lots/{item}/{code}/release", response_model=LotOut)
def release_lot(item: str, code: str, uow: UowDep) -> Any:
    record = lot.release_lot(uow, item, code)
    uow.commit()
    return LotOut.model_validate(record)


@inv.get("/stock", response_model=list[StockLineOut])
def stock_on_hand(uow: UowDep, item: str | None = None, location: str | None = None) -> Any:
    """On hand, reserved and available per item, internal location and lot."""
    return [StockLineOut.model_validate(s)
            for s in stock.stock_lines(uow, item=item, location=location)]


@inv.get("/stock-moves", response_model=PageOut[MoveOut])
def list_moves(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
               offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    """The stock ledger, newest first. Exact-match filters: item (code), doc_ref, doc_type,
    kind; ``q`` searches the document reference."""
    page = moves.list_moves(uow, page_request(request, limit, offset, q))
    return {"items": [MoveOut.model_validate(m) for m in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


def _document(uow: UowDep, ref: str, posted: list[PostedMove]) -> StockDocumentOut:
    uow.commit()
    return StockDocumentOut(doc_ref=ref, moves=[PostedMoveOut.model_validate(m)
                                                for m in posted])


@inv.post("/transfers", response_model=StockDocumentOut, status_code=201)
def transfer(body: operations.TransferIn, uow: UowDep) -> Any:
    """Move stock between two internal locations (no value change)."""
    return _document(uow, *operations.transfer(uow, body))


@inv.post("/adjustments", response_model=StockDocumentOut, status_code=201)
def adjust(body: operations.AdjustmentIn, uow: UowDep) -> Any:
    """Add (qty > 0) or remove (qty < 0) stock with a reason, against Inventory
    adjustments."""
    return _document(uow, *operations.adjust(uow, body))


@inv.post("/counts", response_model=StockDocumentOut, status_code=201)
def count(body: operations.CountIn, uow: UowDep) -> Any:
    """A cycle count of one location; the differences are posted as adjustments."""
    return _document(uow, *operations.count(uow, body))


@inv.post("/scrap", response_model=StockDocumentOut, status_code=201)
def scrap(body: operations.ScrapIn, uow: UowDep) -> Any:
    return _document(uow, *operations.scrap(uow, body))


@inv.post("/stock-documents/{doc_ref:path}/reverse", response_model=StockDocumentOut,
          status_code=201)
def reverse(doc_ref: str, body: moves.StockReversalIn, uow: UowDep) -> Any:
    """Post the mirror moves of a whole stock document at their original cost (once)."""
    return _document(uow, *moves.reverse_document(uow, doc_ref, body))


@inv.get("/valuation", response_model=ValuationOut)
def valuation(uow: UowDep) -> Any:
    lines = stock.valuation_report(uow)
    return ValuationOut(lines=[ValuationLineOut.model_validate(v) for v in lines],
                        total=sum((v.value for v in lines), Decimal(0)))


router.include_router(inv)
