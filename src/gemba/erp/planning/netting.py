"""Bucketless netting of one item, in date order.

Projected on hand (PAB) starts at on hand and changes on each date by that date's receipts
minus its requirements (all events of one date together). It is checked today and on every
date with a requirement or receipt; when it is below safety stock on date d, one planned
order is due on d, sized by ``lot_sizing``. Scheduled receipts are never moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.construct import bucket_row
from gemba.erp.planning.lot_sizing import order_qty, poq_shortfall
from gemba.erp.planning.model import ZERO, BucketRow, PlanningItem, ScheduledReceipt
from gemba.erp.planning.requirements import Requirement

NO_ORDER = -1


@dataclass
class Netting:
    rows: list[BucketRow]
    orders: list[tuple[date, Decimal]]   # planned order receipts: (due date, qty)
    supply: list[tuple[Decimal, int]]    # FIFO supply: (qty, index in orders or NO_ORDER)


def net(item: PlanningItem, calendar: WorkCalendar, today: date, on_hand: Decimal,
        requirements: Sequence[Requirement],
        receipts: Sequence[tuple[date, ScheduledReceipt]]) -> Netting:
    """The MRP table and planned orders of ``item``; requirement and receipt dates are
    already effective (never before today)."""
    gross: dict[date, Decimal] = {today: ZERO}
    for req in requirements:
        when = req.date
        gross[when] = gross[when] + req.qty if when in gross else req.qty
    received: dict[date, Decimal] = {}
    for when, receipt in receipts:
        received[when] = received[when] + receipt.qty if when in received else receipt.qty
        if when not in gross:
            gross[when] = ZERO
    dates = sorted(gross)
    if item.lot_size_rule == "poq":
        deltas = [received.get(d, ZERO) - gross[d] for d in dates]

    ss = item.safety_stock
    rows: list[BucketRow] = []
    orders: list[tuple[date, Decimal]] = []
    supply: list[tuple[Decimal, int]] = [(on_hand, NO_ORDER)] if on_hand > 0 else []
    pab = on_hand
    for i, d in enumerate(dates):
        g = gross[d]
        r = received.get(d, ZERO)
        if r:
            supply.append((r, NO_ORDER))
        pab += r - g
        if pab < ss:
            net_req = ss - pab
            shortfall = (poq_shortfall(calendar, item, dates, deltas, i, pab)
                         if item.lot_size_rule == "poq" else net_req)
            qty = order_qty(item, shortfall)
            supply.append((qty, len(orders)))
            orders.append((d, qty))
            pab += qty
            rows.append(bucket_row(d, g, r, pab, net_req, qty))
        else:
            rows.append(bucket_row(d, g, r, pab, ZERO, ZERO))
    return Netting(rows, orders, supply)
