"""Lot sizing: how much one planned order brings, given the shortfall that triggered it.

- ``lfl`` (lot for lot): exactly the shortfall below safety stock on the due date.
- ``poq`` (period order quantity): enough to keep projected on hand at or above safety stock
  on every event date from the due date through the ``lot_size_qty``-th working day counted
  from it (the due date is the first when it is a working day).
- ``fixed``: the lot-for-lot quantity rounded up to a multiple of ``lot_size_qty``.

Every quantity is first rounded up to the item's precision (a no-op when requirements and
stock are already in that precision, as they are in Gemba), then raised to ``min_qty`` (for
``fixed`` again rounded up to the multiple).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.model import LOT_SIZE_RULES, PlanningItem
from gemba.erp.planning.quantities import ceil_multiple, ceil_to


def check_rule(item: PlanningItem) -> None:
    if item.lot_size_rule not in LOT_SIZE_RULES:
        raise ValueError(f"item {item.code}: unknown lot-size rule {item.lot_size_rule!r} "
                         f"(one of {', '.join(LOT_SIZE_RULES)})")


def poq_shortfall(calendar: WorkCalendar, item: PlanningItem, dates: Sequence[date],
                  deltas: Sequence[Decimal], i: int, pab: Decimal) -> Decimal:
    """The largest shortfall below safety stock over the POQ horizon starting at ``dates[i]``,
    where ``pab`` is the projected on hand on ``dates[i]`` and ``deltas`` are each date's
    receipts minus requirements (no further planned orders)."""
    ss = item.safety_stock
    horizon = calendar.nth_working_day_from(dates[i], int(item.lot_size_qty))
    need = ss - pab
    n = len(dates)
    j = i + 1
    while j < n and dates[j] <= horizon:
        pab += deltas[j]
        if ss - pab > need:
            need = ss - pab
        j += 1
    return need


def order_qty(item: PlanningItem, shortfall: Decimal) -> Decimal:
    """The planned order quantity for a (positive) shortfall, by the item's rule."""
    qty = ceil_to(shortfall, item.precision)
    lot = item.lot_size_qty
    fixed = item.lot_size_rule == "fixed" and lot > 0
    if fixed:
        qty = ceil_multiple(qty, lot)
    if qty < item.min_qty:
        qty = ceil_multiple(item.min_qty, lot) if fixed else item.min_qty
    return qty
