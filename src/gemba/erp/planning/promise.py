"""Capable-to-promise: the earliest date a quantity of an item can be delivered, and which
constraint decided it.

1. Available to promise first, as ``sales.atp`` computes it (usable on-hand in the shipping
   location, cumulative with look-ahead, so a promise never breaks a later commitment), with
   more supply and demand than sales sees: scheduled receipts are open purchase orders *and*
   open production orders (ordered - good, on their due date); demand is the confirmed sales
   lines (a confirmed line competes only with the lines ahead of it, as in ATP), stock
   reserved for other documents, and the components open production orders still need (on
   their start date; an order in progress needs the share of what it has still to make, a
   kitted order nothing).
2. If the known supply never covers the quantity, the shortfall (what is not available to
   promise even at the end) is bought or made:
   - purchased: today + the item's lead time in working days of the company calendar;
   - manufactured: every component of its BOM (phantoms blown through) is promised the same
     way, recursively; production starts on the first working day when the last of them is
     there, in the first ISO week where every work center of its routing has the order's
     hours free (rough-cut load of the stored plan and open orders, ``rough_cut``); it is due
     the item's lead time in working days after that start.
   The promise is then the later of that date and the date the available part is there.

Within one call, what a promise takes is taken for the next one: stock and receipts given to
one component or line, and capacity given to one make, are not promised twice.
Simplifications: a confirmed line's own planned orders stay in the rough-cut load (its
promise is conservative); ATP first - known supply is waited for even when buying anew would
be quicker; a work center without defined capacity never constrains.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog.bom_explosion import explode
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.routing import Routing, routing_time
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location
from gemba.erp.inventory.reservation import Reservation
from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.load import company_calendar
from gemba.erp.planning.rough_cut import SIXTY, Capacity, effective_on, iso_week, order_loads
from gemba.erp.planning.rough_cut import week_of as monday_of
from gemba.erp.production.production_order import (
    OrderComponent,
    OrderStatus,
    ProductionOrder,
)
from gemba.erp.sales.atp import scheduled_receipts, usable_on_hand
from gemba.erp.sales.sales_order import (
    OPEN,
    SHIP_FROM,
    SalesOrderLine,
    get_sales_order,
    open_lines_for_item,
)

ZERO = Decimal(0)
MAX_DEPTH = 50
SEARCH_WEEKS = 52
OPEN_PRODUCTION = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS)
Dated = tuple[date, Decimal]

# What decided the date.
STOCK = "stock"                        # on hand today
SUPPLY = "supply"                      # open purchase/production orders
PURCHASE_LEAD_TIME = "purchase_lead_time"
PRODUCTION_LEAD_TIME = "production_lead_time"
COMPONENTS = "components"
CAPACITY = "capacity"


@dataclass(frozen=True)
class Promise:
    item: str
    qty: Decimal
    date: date | None            # None: cannot be promised (no capacity within a year)
    constraint: str
    explanation: str
    available: Decimal = ZERO    # of ``qty``, from stock and scheduled receipts
    shortfall: Decimal = ZERO    # bought or made anew
    components: tuple[Promise, ...] = field(default=())


def add_working_days(calendar: WorkCalendar, day: date, n: int) -> date:
    """The n-th working day after ``day`` (0: ``day``); the inverse of the release rule
    ``subtract_working_days``."""
    while n > 0:
        day += timedelta(days=1)
        if calendar.is_working(day):
            n -= 1
    return day


def first_working_day(calendar: WorkCalendar, day: date) -> date:
    while not calendar.is_working(day):
        day += timedelta(days=1)
    return day


def _fmt(qty: Decimal) -> str:
    return format(qty.normalize(), "f")


class _Context:
    """One promise computation: the calendar, the rough-cut load, and what has been taken."""

    def __init__(self, uow: UnitOfWork, today: date) -> None:
        self.uow = uow
        self.today = today
        self.calendar = company_calendar(uow)
        self.capacity = Capacity(uow)
        self._load: dict[tuple[str, date], Decimal] | None = None
        self.taken: dict[int, list[Dated]] = defaultdict(list)   # item id -> demand added
        self.routings: dict[int, list[Routing]] = {}

    def load_minutes(self, work_center: str, week: date) -> Decimal:
        if self._load is None:
            self._load = defaultdict(lambda: ZERO)
            for x in order_loads(self.uow, self.today)[0]:
                self._load[(x.work_center, x.week)] += x.minutes
        return self._load.get((work_center, week), ZERO)

    def take_capacity(self, work_center: str, week: date, minutes: Decimal) -> None:
        self.load_minutes(work_center, week)
        assert self._load is not None
        self._load[(work_center, week)] = self._load.get((work_center, week), ZERO) + minutes

    def routing(self, item: Item, on: date) -> Routing | None:
        if item.id not in self.routings:
            self.routings[item.id] = list(self.uow.session.scalars(
                select(Routing).where(Routing.item_id == item.id)))
        return effective_on(self.routings[item.id], on)


# --- entry points ---------------------------------------------------------------------------

def promise_date(uow: UnitOfWork, item_code: str, qty: Decimal,
                 today: date | None = None) -> Promise:
    """The earliest date ``qty`` of ``item_code`` can be delivered, competing with every
    confirmed sales line."""
    uow.actor.require(Permission.PLANNING_READ)
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    item = uow.session.scalar(select(Item).where(Item.code == item_code))
    if item is None:
        raise NotFound(f"item {item_code!r} does not exist")
    _check_stockable(item)
    ctx = _Context(uow, today or utcnow().date())
    return _promise(ctx, item, qty, line=None, depth=0, path=())


def promises_for_order(uow: UnitOfWork, number: str,
                       today: date | None = None) -> dict[int, Promise]:
    """A promise per open line of a sales order or quotation, line by line: a line of a
    confirmed order competes with the lines ahead of it, a quotation's lines with every
    confirmed line and with the lines above them."""
    uow.actor.require(Permission.PLANNING_READ)
    order = get_sales_order(uow, number)
    ctx = _Context(uow, today or utcnow().date())
    out: dict[int, Promise] = {}
    for line in order.lines:
        if line.qty_open <= 0 or line.item.type not in (ItemType.PURCHASED,
                                                        ItemType.MANUFACTURED):
            continue
        out[line.line_no] = _promise(ctx, line.item, line.qty_open, line=line, depth=0,
                                     path=())
    return out


def _check_stockable(item: Item) -> None:
    if item.type not in (ItemType.PURCHASED, ItemType.MANUFACTURED):
        raise ValidationFailed.on("item", "stockable",
                                  f"{item.code} is a {item.type.value} item; only purchased "
                                  "and manufactured items are promised")


# --- available to promise -------------------------------------------------------------------

def _receipts(ctx: _Context, item: Item) -> list[Dated]:
    """Open purchase orders (``sales.atp``) and open production orders of the item."""
    out = [(max(d, ctx.today), q) for d, q in scheduled_receipts(ctx.uow, item.id)]
    for qty, good, due in ctx.uow.session.execute(
            select(ProductionOrder.qty, ProductionOrder.qty_good, ProductionOrder.due_date)
            .where(ProductionOrder.item_id == item.id,
                   ProductionOrder.status.in_(OPEN_PRODUCTION),
                   ProductionOrder.qty_good < ProductionOrder.qty)):
        out.append((max(due, ctx.today), qty - good))
    return out


def _priority(line: SalesOrderLine) -> tuple[date, int, int]:
    return (line.due_on(), line.order_id, line.line_no)


def _demand(ctx: _Context, item: Item, line: SalesOrderLine | None) -> list[Dated]:
    uow, today = ctx.uow, ctx.today
    open_lines = open_lines_for_item(uow, item.id)
    lines = [ln for ln in open_lines if line is None or ln.id != line.id]
    if line is not None and line.order.status in OPEN:
        lines = [ln for ln in lines if _priority(ln) < _priority(line)]
    out = [(max(ln.due_on(), today), ln.qty_open) for ln in lines]
    sales_refs = {ln.doc_ref for ln in open_lines}
    if line is not None:
        sales_refs.add(line.doc_ref)
    foreign = sum((q for ref, q in uow.session.execute(
        select(Reservation.doc_ref, Reservation.qty)
        .join(StockBalance, StockBalance.id == Reservation.balance_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(Reservation.item_id == item.id, Location.code == SHIP_FROM))
        if ref not in sales_refs), ZERO)
    if foreign:
        out.append((today, foreign))
    for required, qty, good, status, start, due in uow.session.execute(
            select(OrderComponent.qty_required, ProductionOrder.qty, ProductionOrder.qty_good,
                   ProductionOrder.status, ProductionOrder.start_date, ProductionOrder.due_date)
            .join(ProductionOrder, ProductionOrder.id == OrderComponent.order_id)
            .where(OrderComponent.item_id == item.id,
                   ProductionOrder.status.in_(OPEN_PRODUCTION),
                   ProductionOrder.kitted.is_(False))):
        need = required if status != OrderStatus.IN_PROGRESS \
            else required * (qty - good) / qty
        if need > 0:
            out.append((max(start or due, today), need))
    out.extend(ctx.taken.get(item.id, ()))
    return out


class _Atp:
    """Cumulative ATP of one item with look-ahead: on a day, the smallest balance from that day
    on (on hand + receipts due by then - demand due by then), as ``sales.atp`` has it."""

    def __init__(self, ctx: _Context, item: Item, line: SalesOrderLine | None) -> None:
        self._ctx, self._item = ctx, item
        self.receipts = _receipts(ctx, item)
        self.demand = _demand(ctx, item, line)
        self.dates = sorted({ctx.today} | {d for d, _ in self.receipts}
                            | {d for d, _ in self.demand})

    def on(self, day: date) -> Decimal:
        on_hand = usable_on_hand(self._ctx.uow, self._item.id, day)
        lowest: Decimal | None = None
        for t in [day, *(d for d in self.dates if d > day)]:
            balance = (on_hand + sum((q for d, q in self.receipts if d <= t), ZERO)
                       - sum((q for d, q in self.demand if d <= t), ZERO))
            lowest = balance if lowest is None else min(lowest, balance)
        assert lowest is not None
        return max(lowest, ZERO)

    def search(self, qty: Decimal) -> tuple[date | None, Decimal, date]:
        """(first date the whole ``qty`` is available or None, the most that ever is, the
        first date that much is)."""
        best, best_day = ZERO, self._ctx.today
        for d in self.dates:
            atp = self.on(d)
            if atp >= qty:
                return d, qty, d
            if atp > best:
                best, best_day = atp, d
        return None, best, best_day


# --- promising ------------------------------------------------------------------------------

def _promise(ctx: _Context, item: Item, qty: Decimal, *, line: SalesOrderLine | None,
             depth: int, path: tuple[str, ...]) -> Promise:
    if depth > MAX_DEPTH or item.code in path:
        raise ValidationFailed.on("item", "bom_cycle",
                                  f"BOM cycle or too deep: {' -> '.join((*path, item.code))}")
    # A confirmed line is already among the demand of everything after it: nothing to take.
    take = line is None or line.order.status not in OPEN
    atp = _Atp(ctx, item, line)
    when, available, ready = atp.search(qty)
    if when is not None:
        if take:
            ctx.taken[item.id].append((when, qty))
        source = "from stock" if when == ctx.today else \
            "with the open purchase and production orders due by then"
        return Promise(item.code, qty, when, STOCK if when == ctx.today else SUPPLY,
                       f"{_fmt(qty)} {item.code} available to promise on {when} {source}",
                       available=qty)
    if item.type == ItemType.PURCHASED:
        # The lead time does not depend on the quantity: buy what is not there by then.
        due = add_working_days(ctx.calendar, ctx.today, item.lead_time_days)
        available = min(atp.on(due), available)
        ready = due
        made = Promise(item.code, qty - available, due, PURCHASE_LEAD_TIME,
                       f"buy {_fmt(qty - available)} {item.code}: "
                       f"{_days(item.lead_time_days)} purchase lead time from {ctx.today}, "
                       f"due {due}")
    else:
        made = _make(ctx, item, qty - available, depth, (*path, item.code))
    shortfall = qty - available
    if take and available > 0:
        ctx.taken[item.id].append((ready, available))
    head = (f"{_fmt(available)} of {_fmt(qty)} {item.code} available to promise by {ready}; "
            if available > 0 else "")
    if made.date is None:
        return Promise(item.code, qty, None, made.constraint, head + made.explanation,
                       available, shortfall, made.components)
    if available > 0 and ready > made.date and atp.on(made.date) < available:
        return Promise(item.code, qty, ready, SUPPLY,
                       head + made.explanation + f"; the available part decides: {ready}",
                       available, shortfall, made.components)
    return Promise(item.code, qty, made.date, made.constraint, head + made.explanation,
                   available, shortfall, made.components)


def _days(n: int) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


def _components(ctx: _Context, item: Item, qty: Decimal) -> list[tuple[Item, Decimal]]:
    """First-level components to make ``qty`` (phantoms blown through), summed per item."""
    try:
        explosion = explode(ctx.uow, item.code, qty, ctx.today)
    except NotFound:
        return []
    totals: dict[str, Decimal] = {}
    for req in explosion.lines:
        if req.level == 1:
            totals[req.component_code] = totals.get(req.component_code, ZERO) + req.gross_qty
    if not totals:
        return []
    items = {i.code: i for i in ctx.uow.session.scalars(
        select(Item).where(Item.code.in_(totals)))}
    return [(items[code], totals[code]) for code in sorted(totals)]


def _make(ctx: _Context, item: Item, qty: Decimal, depth: int,
          path: tuple[str, ...]) -> Promise:
    parts = tuple(_promise(ctx, comp, need, line=None, depth=depth + 1, path=path)
                  for comp, need in _components(ctx, item, qty))
    blocked = [p for p in parts if p.date is None]
    if blocked:
        return Promise(item.code, qty, None, blocked[0].constraint,
                       f"make {_fmt(qty)} {item.code}: component {blocked[0].item} cannot be "
                       f"promised ({blocked[0].explanation})", components=parts)
    latest = max(parts, key=lambda p: (p.date, p.item), default=None)
    ready = max(ctx.today, latest.date) if latest is not None and latest.date else ctx.today
    start = first_working_day(ctx.calendar, ready)
    reasons = [f"components ready {ready} ({latest.item}: {latest.constraint})"
               if latest is not None and ready > ctx.today else
               ("components available now" if parts else "no BOM in force: no components")]
    routing = ctx.routing(item, start)
    pushed = False
    if routing is None:
        reasons.append("no routing: capacity not checked")
    else:
        need: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for op in routing_time(routing, qty).operations:
            need[op.work_center_code] += op.total_min
        week = _free_week(ctx, need, monday_of(start))
        if week is None:
            names = ", ".join(f"{wc} {_fmt((m / SIXTY).quantize(Decimal('0.01')))} h"
                              for wc, m in sorted(need.items()))
            return Promise(item.code, qty, None, CAPACITY,
                           f"make {_fmt(qty)} {item.code}: no week in the {SEARCH_WEEKS} from "
                           f"{iso_week(start)} has the hours free ({names})",
                           components=parts)
        for wc, minutes in need.items():
            ctx.take_capacity(wc, week, minutes)
        if week > monday_of(start):
            pushed = True
            full = iso_week(monday_of(start))
            start = first_working_day(ctx.calendar, week)
            reasons.append(f"work centers full in {full}: starts in {iso_week(week)}, on "
                           f"{start}")
        else:
            reasons.append(f"capacity free in {iso_week(week)}")
    due = add_working_days(ctx.calendar, start, item.lead_time_days)
    reasons.append(f"{_days(item.lead_time_days)} production lead time from {start}, "
                   f"due {due}")
    constraint = CAPACITY if pushed else COMPONENTS if ready > ctx.today \
        else PRODUCTION_LEAD_TIME
    return Promise(item.code, qty, due, constraint,
                   f"make {_fmt(qty)} {item.code}: " + "; ".join(reasons), components=parts)


def _free_week(ctx: _Context, need: dict[str, Decimal], first: date) -> date | None:
    """The first week from ``first`` in which every work center has ``need`` minutes free."""
    for n in range(SEARCH_WEEKS):
        week = first + timedelta(weeks=n)
        fits = True
        for wc, minutes in need.items():
            hours = ctx.capacity.hours(wc, week)
            if hours is None:
                continue  # no capacity defined: not a constraint
            if hours * SIXTY - ctx.load_minutes(wc, week) < minutes:
                fits = False
                break
        if fits:
            return week
    return None
