"""Gross requirements of one item: independent demand after forecast consumption, open
component needs of un-kitted production orders, and (built by the engine) dependent demand.

Forecast consumption: the sales orders of an item consume its forecasts of the same ISO week
(by the dates as entered, before past-due dates are moved to today), earliest forecast first
(ties by ref); a forecast never goes below zero and an unconsumed sales-order excess stays a
sales order. Requirements dated before today count as dated today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from gemba.erp.planning.model import ZERO, ComponentNeed, Demand, Peg, ScheduledReceipt

Pegs = tuple[Peg, ...]  # top-level demand ref and qty, in FIFO order


class Requirement(NamedTuple):
    """One gross requirement. ``kind``/``ref`` order requirements of one date (ties sorted by
    (date, kind, ref)); ``pegs`` says which top-level demands it serves (sum <= qty, the rest
    serves safety stock, lot-size surplus or an open production order)."""

    date: date
    kind: str  # sales_order | forecast | planned_order | production_order
    ref: str
    qty: Decimal
    pegs: Pegs


SORT_KEY = itemgetter(0, 1, 2)  # (date, kind, ref) of a Requirement


def independent(demands: Iterable[Demand], today: date) -> list[Requirement]:
    """Sales orders in full, forecasts reduced by the sales orders of their ISO week."""
    sold: dict[tuple[int, int], Decimal] = {}
    forecasts: list[Demand] = []
    out: list[Requirement] = []
    for dem in demands:
        if dem.kind == "sales_order":
            week = dem.due.isocalendar()[:2]
            sold[week] = sold.get(week, ZERO) + dem.qty
            if dem.qty:
                out.append(Requirement(max(dem.due, today), dem.kind, dem.ref, dem.qty,
                                       (Peg(dem.ref, dem.qty),)))
        else:
            forecasts.append(dem)
    for fc in sorted(forecasts, key=lambda f: (f.due, f.ref, f.qty)):
        week = fc.due.isocalendar()[:2]
        left = sold.get(week, ZERO)
        used = min(left, fc.qty)
        if used:
            sold[week] = left - used
        rest = fc.qty - used
        if rest > 0:
            out.append(Requirement(max(fc.due, today), fc.kind, fc.ref, rest, (Peg(fc.ref, rest),)))
    return out


def component_need(receipt: ScheduledReceipt, need: ComponentNeed, today: date) -> Requirement:
    """An open production order's component requirement: not pegged to top-level demand (the
    order was released for demand MRP no longer traces); it keeps the order as kind/ref."""
    return Requirement(max(need.due, today), receipt.kind, receipt.ref, need.qty, ())
