"""Exception messages: advice on scheduled receipts (MRP never moves them) and expedites.

A scheduled receipt's *need date* is found by allocating on hand and then the item's
scheduled receipts, in (date, kind, ref) order, first-in-first-out to safety stock (needed
today) and then to the gross requirements in date order; planned orders are left out. The
need date is the date of the first requirement the receipt covers. Then, comparing with the
receipt's effective date (its due date, or today when past due):

- ``reschedule_in``: needed earlier - a shortage before the receipt arrives that it would
  avoid (MRP plans an order for that shortage while the later receipt exists);
- ``reschedule_out``: needed later - it arrives before it is needed;
- ``cancel``: it covers no requirement within the plan at all.

``expedite``: a planned order whose release date (due date minus lead time) is before today;
it is released today instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from gemba.erp.planning.model import ZERO, BucketRow, ExceptionMessage, ScheduledReceipt


def receipt_messages(item: str, on_hand: Decimal, safety_stock: Decimal, rows: Sequence[BucketRow],
                     receipts: Sequence[tuple[date, ScheduledReceipt]]) -> list[ExceptionMessage]:
    if not receipts:
        return []
    # cumulative demand through each event date; safety stock and negative stock first
    needed = safety_stock + (-on_hand if on_hand < 0 else ZERO)
    cumulative: list[tuple[Decimal, date]] = []
    for row in rows:
        needed += row.gross
        cumulative.append((needed, row.date))
    supplied = on_hand if on_hand > 0 else ZERO
    out: list[ExceptionMessage] = []
    j = 0
    for when, receipt in receipts:
        while j < len(cumulative) and cumulative[j][0] <= supplied:
            j += 1
        supplied += receipt.qty
        what = f"{receipt.kind.replace('_', ' ')} {receipt.ref}"
        if j == len(cumulative):
            out.append(ExceptionMessage(item, "cancel", receipt.ref, when,
                                        f"Cancel {what} (due {receipt.due}): not needed"))
            continue
        need = cumulative[j][1]
        if need < when:
            out.append(ExceptionMessage(item, "reschedule_in", receipt.ref, need,
                                        f"Reschedule {what} in from {receipt.due} to {need}"))
        elif need > when:
            out.append(ExceptionMessage(item, "reschedule_out", receipt.ref, need,
                                        f"Reschedule {what} out from {receipt.due} to {need}"))
    return out


def expedite_message(item: str, kind: str, qty: Decimal, due: date, wanted: date,
                     lead_time: int, today: date) -> ExceptionMessage:
    return ExceptionMessage(
        item, "expedite", "", due,
        f"Expedite planned {kind} of {qty} {item} due {due}: with {lead_time} working days "
        f"lead time it should have been released {wanted}; released today {today}")
