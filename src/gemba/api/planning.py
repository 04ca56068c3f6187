"""REST resources of MRP: run it, read the stored plan (planned orders with pegging,
exception messages) and one item's MRP table. Quantities are decimal strings."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gemba.api.crud import PageOut, page_request
from gemba.api.deps import UowDep
from gemba.core.types import utcnow
from gemba.erp.planning import report, run, store

router = APIRouter(prefix="/mrp", tags=["planning"])


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    today: date | None = Field(default=None, description="Plan as of this day; default today.")
    changed_items: list[str] | None = Field(
        default=None, max_length=100_000,
        description="Net change: only these items changed since the last run (their master "
                    "data, BOM, stock, demand or open orders). Omitted: regenerative, "
                    "unless net_change.")
    net_change: bool = Field(
        default=False, description="Net change for the items recorded as changed since the "
                                   "last run (sales, purchase and production orders, "
                                   "receipts, stock, BOMs, items, forecasts).")


class PegOut(BaseModel):
    demand_ref: str
    qty: str


class PlannedOrderOut(BaseModel):
    item: str
    kind: str
    qty: str
    release_date: date
    due_date: date
    pegging: list[PegOut]


class StoredPlannedOrderOut(PlannedOrderOut):
    id: int
    expedite: bool


class ExceptionOut(BaseModel):
    item: str
    kind: str
    ref: str
    date: date
    message: str


class RunSummaryOut(BaseModel):
    run_id: int
    mode: str
    today: date
    items: int
    planned_orders: int
    exceptions: int
    seconds: float


class RunOut(BaseModel):
    summary: RunSummaryOut
    planned_orders: list[PlannedOrderOut]
    exceptions: list[ExceptionOut]


class BucketOut(BaseModel):
    date: date
    gross: str
    receipts: str
    projected_on_hand: str
    net: str
    planned: str


class ItemPlanOut(BaseModel):
    item: str
    rows: list[BucketOut]
    planned_orders: list[PlannedOrderOut]
    exceptions: list[ExceptionOut]


@router.post("/run", response_model=RunOut)
def run_mrp(uow: UowDep, body: RunIn | None = None) -> Any:
    """Plan and store: regenerative, or net change for ``changed_items`` (which falls back to
    regenerative when this server holds no current plan). Returns the whole plan."""
    body = body or RunIn()
    today = body.today or utcnow().date()
    if body.changed_items is None and body.net_change:
        plan = run.run_mrp_net_change(uow, today)
    elif body.changed_items is None:
        plan = run.run_mrp(uow, today)
    else:
        plan = run.run_mrp_net_change(uow, today, set(body.changed_items))
    uow.commit()
    figures = run.summary(uow)
    assert figures is not None
    return {"summary": {"run_id": figures.run_id, "mode": figures.mode,
                        "today": figures.today, "items": figures.items,
                        "planned_orders": figures.planned_orders,
                        "exceptions": figures.exceptions,
                        "seconds": round(figures.seconds, 3)},
            **report.plan_dict(plan)}


@router.get("/planned-orders", response_model=PageOut[StoredPlannedOrderOut],
            description="Exact-match filters: item, kind (purchase | production).")
def list_planned_orders(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                        offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = store.list_planned_orders(uow, page_request(request, limit, offset, q))
    items = [{"id": row.id, "expedite": row.expedite,
              **report.planned_order_dict(store.to_planned_order(row))} for row in page.items]
    return {"items": items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/exceptions", response_model=PageOut[ExceptionOut],
            description="Exact-match filters: item, kind, ref.")
def list_exceptions(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                    offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = store.list_exceptions(uow, page_request(request, limit, offset, q))
    items = [{"item": e.item_code, "kind": e.kind, "ref": e.ref, "date": e.date,
              "message": e.message} for e in page.items]
    return {"items": items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/items/{code:path}", response_model=ItemPlanOut)
def item_plan(code: str, uow: UowDep) -> Any:
    """The item's MRP table as the last run left it (one row per event date: gross
    requirements, scheduled receipts, projected on hand, net requirement, planned receipt),
    with its planned orders and exception messages."""
    result = store.item_plan(uow, code)
    return {"item": result.item, "rows": [report.bucket_dict(r) for r in result.rows],
            "planned_orders": [report.planned_order_dict(o) for o in result.planned_orders],
            "exceptions": [report.exception_dict(e) for e in result.exceptions]}
