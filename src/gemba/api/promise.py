"""REST: capable-to-promise dates, for a sales order's open lines or for any item and
quantity. Quantities are decimal strings; ``constraint`` names what decided the date (stock,
supply, purchase_lead_time, production_lead_time, components, capacity)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gemba.api.deps import UowDep
from gemba.core.types import utcnow
from gemba.erp.planning.promise import Promise, promise_date, promises_for_order

router = APIRouter(tags=["planning"])


class PromiseOut(BaseModel):
    item: str
    qty: str
    date: date | None
    constraint: str
    explanation: str
    available: str
    shortfall: str
    components: list[PromiseOut]


class LinePromiseOut(PromiseOut):
    line_no: int


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def promise_dict(p: Promise) -> dict[str, Any]:
    return {"item": p.item, "qty": _qty(p.qty), "date": p.date, "constraint": p.constraint,
            "explanation": p.explanation, "available": _qty(p.available),
            "shortfall": _qty(p.shortfall),
            "components": [promise_dict(c) for c in p.components]}


@router.get("/sales-orders/{number}/promise-dates", response_model=list[LinePromiseOut])
def order_promise_dates(number: str, uow: UowDep, today: date | None = None) -> Any:
    """The earliest delivery date of every open line, line by line (what one line is
    promised is not promised again to the next)."""
    found = promises_for_order(uow, number, today or utcnow().date())
    return [{"line_no": n, **promise_dict(p)} for n, p in sorted(found.items())]


@router.get("/promise", response_model=PromiseOut)
def promise(uow: UowDep, item: str = Query(min_length=1, max_length=40),
            qty: Decimal = Query(gt=0, max_digits=18, decimal_places=6),
            today: date | None = None) -> Any:
    """The earliest date ``qty`` of ``item`` can be delivered (stock, open orders, lead times,
    component dates, rough-cut capacity), with the reason."""
    return promise_dict(promise_date(uow, item, qty, today or utcnow().date()))
