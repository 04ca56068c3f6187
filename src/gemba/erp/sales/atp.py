"""Available-to-promise per sales order line.

Supply is the usable on-hand in the shipping location (lots on hold or expired on the day do
not count) plus scheduled receipts (open purchase order quantities by expected date); demand
is what confirmed orders still have to get, by the date they want it, plus stock reserved for
other documents. ATP on a day is the smallest cumulative balance from that day on, so
promising it never breaks a later commitment (cumulative ATP with look-ahead).

A quotation or draft line competes with every confirmed line; a confirmed line only with
those ahead of it (wanted earlier, or the same day and entered before), so confirming a later
order never makes an earlier promise look short.

Expiry is simplified: on-hand counts the lots still good on the day asked about, and a lot
that expires later is assumed to last."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import inspect, select, text

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound
from gemba.core.types import utcnow
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location
from gemba.erp.inventory.lot import Lot
from gemba.erp.inventory.reservation import Reservation
from gemba.erp.sales.sales_order import (
    OPEN,
    SHIP_FROM,
    SalesOrderLine,
    get_sales_order,
    open_lines_for_item,
)

ZERO = Decimal(0)
Dated = tuple[date, Decimal]

_PURCHASING_KEY = "sales.atp.purchasing_tables"
# Purchase orders confirmed or partially received will still bring what is not received.
_SCHEDULED_RECEIPTS = text("""
SELECT COALESCE(l.expected_date, o.expected_date, o.order_date) AS due,
       l.qty - l.qty_received AS open_qty
FROM erp_purchase_order_lines l
JOIN erp_purchase_orders o ON o.id = l.order_id
WHERE l.item_id = :item_id AND o.status IN ('confirmed', 'partially_received')
  AND l.qty > l.qty_received
""")


@dataclass(frozen=True)
class AtpLine:
    line_no: int
    item: str
    qty_open: Decimal            # what the line still needs
    requested_date: date
    on_hand: Decimal             # usable on the requested date
    scheduled_receipts: Decimal  # due by the requested date
    committed: Decimal           # other demand due by the requested date
    available: Decimal           # ATP on the requested date (never negative)
    earliest_date: date | None   # first day the whole open quantity can be promised

    @property
    def enough(self) -> bool:
        return self.available >= self.qty_open


def usable_on_hand(uow: UnitOfWork, item_id: int, day: date) -> Decimal:
    """On-hand in the shipping location without lots on hold or expired on ``day``."""
    rows = uow.session.execute(
        select(StockBalance.qty_on_hand, Lot.on_hold, Lot.expiry_date)
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == item_id, Location.code == SHIP_FROM))
    return sum((Decimal(q) for q, hold, exp in rows
                if not hold and not (exp is not None and exp < day)), ZERO)


def scheduled_receipts(uow: UnitOfWork, item_id: int) -> list[Dated]:
    """Open purchase order quantities by expected date. The seam to purchasing: read through
    SQL on its tables (none yet: no receipts), so sales does not import purchasing."""
    present = uow.session.info.get(_PURCHASING_KEY)
    if present is None:  # looked up once per unit of work
        present = inspect(uow.session.connection()).has_table("erp_purchase_order_lines")
        uow.session.info[_PURCHASING_KEY] = present
    if not present:
        return []
    rows = uow.session.execute(_SCHEDULED_RECEIPTS, {"item_id": item_id})
    return [(_as_date(due), Decimal(str(qty))) for due, qty in rows]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _priority(line: SalesOrderLine) -> tuple[date, int, int]:
    return (line.due_on(), line.order_id, line.line_no)


def _demand(uow: UnitOfWork, line: SalesOrderLine) -> list[Dated]:
    """Competing order lines by wanted date, and stock reserved for other documents."""
    open_lines = [ln for ln in open_lines_for_item(uow, line.item_id) if ln.id != line.id]
    others = open_lines
    if line.order.status in OPEN:
        others = [ln for ln in open_lines if _priority(ln) < _priority(line)]
    out = [(ln.due_on(), ln.qty_open) for ln in others]
    sales_refs = {ln.doc_ref for ln in open_lines} | {line.doc_ref}
    rows = uow.session.execute(
        select(Reservation.doc_ref, Reservation.qty)
        .join(StockBalance, StockBalance.id == Reservation.balance_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(Reservation.item_id == line.item_id, Location.code == SHIP_FROM))
    foreign = sum((Decimal(q) for ref, q in rows if ref not in sales_refs), ZERO)
    if foreign:
        out.append((date.min, foreign))
    return out


def _atp_on(day: date, on_hand: Decimal, receipts: Sequence[Dated],
            demand: Sequence[Dated]) -> Decimal:
    """min over t >= day of on_hand + receipts due by t - demand due by t."""
    dates = sorted({day} | {d for d, _ in receipts if d > day} | {d for d, _ in demand
                                                                   if d > day})
    lowest: Decimal | None = None
    for t in dates:
        balance = (on_hand + sum((q for d, q in receipts if d <= t), ZERO)
                   - sum((q for d, q in demand if d <= t), ZERO))
        lowest = balance if lowest is None else min(lowest, balance)
    assert lowest is not None
    return lowest


def atp_of(uow: UnitOfWork, line: SalesOrderLine, today: date | None = None) -> AtpLine:
    today = today or utcnow().date()
    wanted = line.due_on()
    day = max(wanted, today)
    receipts = [(max(d, today), q) for d, q in scheduled_receipts(uow, line.item_id)]
    demand = [(max(d, today), q) for d, q in _demand(uow, line)]
    on_hand = usable_on_hand(uow, line.item_id, day)
    available = max(_atp_on(day, on_hand, receipts, demand), ZERO)
    earliest: date | None = None
    if line.qty_open <= 0:
        earliest = day
    else:
        candidates = sorted({today, day} | {d for d, _ in receipts} | {d for d, _ in demand})
        for d in candidates:
            if _atp_on(d, usable_on_hand(uow, line.item_id, d), receipts, demand) \
                    >= line.qty_open:
                earliest = d
                break
    return AtpLine(line_no=line.line_no, item=line.item.code, qty_open=line.qty_open,
                   requested_date=wanted, on_hand=on_hand,
                   scheduled_receipts=sum((q for d, q in receipts if d <= day), ZERO),
                   committed=sum((q for d, q in demand if d <= day), ZERO),
                   available=available, earliest_date=earliest)


def atp_for_line(uow: UnitOfWork, so_number: str, line_no: int,
                 today: date | None = None) -> AtpLine:
    """ATP of one order line on its requested date, and the earliest date its whole open
    quantity is available (None: not with the known supply)."""
    order = get_sales_order(uow, so_number)
    line = order.line(line_no)
    if line is None:
        raise NotFound(f"sales order {so_number} has no line {line_no}")
    return atp_of(uow, line, today)


def atp_for_order(uow: UnitOfWork, so_number: str, today: date | None = None) -> list[AtpLine]:
    uow.actor.require(Permission.SALES_READ)
    order = get_sales_order(uow, so_number)
    return [atp_of(uow, line, today) for line in order.lines]
