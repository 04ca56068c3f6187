"""REST: firm planned orders (bulk, all or nothing) and the rough-cut capacity report.
Quantities and hours are decimal strings."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gemba.api.deps import UowDep
from gemba.erp.planning import firming, rough_cut

router = APIRouter(tags=["planning"])


def _num(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


class FirmIn(BaseModel):
    """Either ``ids`` or a filter (``item``, ``kind``, ``expedite``, ``release_until``)."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(default=None, max_length=firming.MAX_IDS)
    item: str | None = Field(default=None, max_length=40)
    kind: str | None = Field(default=None, pattern="^(purchase|production)$")
    expedite: bool | None = None
    release_until: date | None = None
    today: date | None = Field(default=None,
                               description="Order date of the purchase orders; default today.")

    @model_validator(mode="after")
    def _one_way(self) -> FirmIn:
        filtered = any(v is not None for v in (self.item, self.kind, self.expedite,
                                               self.release_until))
        if self.ids is not None and filtered:
            raise ValueError("give ids or a filter, not both")
        if self.ids is None and not filtered:
            raise ValueError("give the ids of the planned orders to firm, or a filter")
        return self


class FirmedOut(BaseModel):
    planned_order_id: int
    item: str
    kind: str
    planned_qty: str
    qty: str
    release_date: date
    due_date: date
    document: str
    line_no: int | None
    supplier: str | None


class FirmOut(BaseModel):
    firmed: list[FirmedOut]
    purchase_orders: list[str]
    production_orders: list[str]


class WeekOut(BaseModel):
    week: str
    start: date
    load_hours: str
    capacity_hours: str | None
    free_hours: str | None
    overload: bool


class WorkCenterLoadOut(BaseModel):
    work_center: str
    weeks: list[WeekOut]


class LoadOut(BaseModel):
    work_center: str
    week: str
    source: str
    ref: str
    item: str
    qty: str
    hours: str


class RoughCutOut(BaseModel):
    today: date
    weeks: list[str]
    work_centers: list[WorkCenterLoadOut]
    overloads: int
    loads: list[LoadOut]
    unrouted_items: list[str]


@router.post("/mrp/firm", response_model=FirmOut)
def firm(body: FirmIn, uow: UowDep) -> Any:
    """Planned orders become confirmed purchase orders (one per supplier) and released
    production orders (sent to the MES), all or nothing. A planned order no longer in the plan
    (firmed already, or replaced by a later run) is a 409."""
    if body.ids is not None:
        result = firming.firm_planned_orders(uow, body.ids, body.today)
    else:
        result = firming.firm_by_filter(uow, item=body.item, kind=body.kind,
                                        expedite=body.expedite,
                                        release_until=body.release_until, today=body.today)
    uow.commit()
    return {"firmed": [{**asdict(f), "planned_qty": _num(f.planned_qty), "qty": _num(f.qty)}
                       for f in result.firmed],
            "purchase_orders": result.purchase_orders,
            "production_orders": result.production_orders}


@router.get("/capacity/rough-cut", response_model=RoughCutOut)
def rough_cut_report(uow: UowDep, start: date | None = Query(default=None, alias="from"),
                     weeks: int = Query(8, ge=1, le=rough_cut.MAX_WEEKS),
                     today: date | None = None) -> Any:
    """Load (planned production orders and open production orders, setup + run time of the
    routing) and capacity (work center calendar) per work center and ISO week; each order's
    hours fall in the week of its release (planned) or start (production order) date, or
    this week when that is past."""
    report = rough_cut.rough_cut(uow, start, weeks, today)
    return {
        "today": report.today,
        "weeks": [rough_cut.iso_week(w) for w in report.weeks],
        "work_centers": [
            {"work_center": wc, "weeks": [
                {"week": c.label, "start": c.week, "load_hours": _num(c.load_hours),
                 "capacity_hours": _num(c.capacity_hours), "free_hours": _num(c.free_hours),
                 "overload": c.overload} for c in report.row(wc)]}
            for wc in report.work_centers],
        "overloads": len(report.overloads),
        "loads": [{"work_center": x.work_center, "week": rough_cut.iso_week(x.week),
                   "source": x.source, "ref": x.ref, "item": x.item, "qty": _num(x.qty),
                   "hours": _num(x.hours)} for x in report.loads],
        "unrouted_items": report.unrouted,
    }
