"""Rough-cut capacity: the hours the plan and the open production orders put on each work
center per ISO week, against what its calendar makes available; overloads flagged.

The rough-cut rule (deliberately coarse - it checks the plan is feasible, it does not
schedule):
- a planned production order of the stored plan loads its item's routing in force on its
  release date, setup + run time x quantity per operation (``routing_time``);
- an open production order (planned, released or in progress: all of them will use the work
  centers) loads its own operations for what is left to make (ordered - good); setup counts
  until the order is in progress;
- all of an order's hours fall in ONE week: the ISO week of the planned order's release date
  or the production order's start date (its due date when it has none) - or of today when
  that is earlier, since past-due work can only be done from now on;
- capacity is ``available_hours`` of the work center over the week (its calendar's shifts
  minus holidays, else hours per day Monday to Friday); a work center with neither has no
  defined capacity: its load is shown, never flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import QTY_PLACES, quantize, utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.routing import Routing, routing_time
from gemba.erp.equipment.capacity import available_hours
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel
from gemba.erp.planning.store import PlannedOrderRecord
from gemba.erp.production.production_order import (
    OrderOperation,
    OrderStatus,
    ProductionOrder,
)

ZERO = Decimal(0)
SIXTY = Decimal(60)
MAX_WEEKS = 104
OPEN_ORDERS = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS)
PLANNED_ORDER = "planned_order"
PRODUCTION_ORDER = "production_order"


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def hours(minutes: Decimal) -> Decimal:
    return quantize(minutes / SIXTY, QTY_PLACES)


@dataclass(frozen=True)
class Load:
    """What one order puts on one work center in one week."""

    work_center: str
    week: date               # Monday
    source: str              # planned_order | production_order
    ref: str                 # planned order id, production order number
    item: str
    qty: Decimal
    minutes: Decimal

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass(frozen=True)
class WeekLoad:
    work_center: str
    week: date
    load_hours: Decimal
    capacity_hours: Decimal | None  # None: the work center has no capacity defined

    @property
    def label(self) -> str:
        return iso_week(self.week)

    @property
    def overload(self) -> bool:
        return self.capacity_hours is not None and self.load_hours > self.capacity_hours

    @property
    def free_hours(self) -> Decimal | None:
        return None if self.capacity_hours is None else self.capacity_hours - self.load_hours

    @property
    def utilisation_pct(self) -> Decimal | None:
        if not self.capacity_hours:
            return None
        return (self.load_hours * 100 / self.capacity_hours).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class RoughCut:
    today: date
    weeks: list[date]                       # Mondays, in order
    work_centers: list[str]
    cells: dict[tuple[str, date], WeekLoad]
    loads: list[Load]                       # the contributions inside the horizon
    unrouted: list[str] = field(default_factory=list)  # planned items without a routing

    def row(self, work_center: str) -> list[WeekLoad]:
        return [self.cells[(work_center, w)] for w in self.weeks]

    @property
    def overloads(self) -> list[WeekLoad]:
        return [c for wc in self.work_centers for c in self.row(wc) if c.overload]


# --- load -----------------------------------------------------------------------------------

def effective_on(routings: Iterable[Routing], on: date) -> Routing | None:
    """``catalog.routing.effective_routing``'s choice among routings already read: the one
    effective ``on``, the latest ``effective_from`` winning (read in bulk, not per order)."""
    candidates = [r for r in routings if r.is_effective(on)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.effective_from or date.min, r.id))


def order_loads(uow: UnitOfWork, today: date) -> tuple[list[Load], list[str]]:
    """Every load of the stored plan and the open production orders, wherever it falls, and
    the items of planned production orders that have no routing (they load nothing)."""
    loads: list[Load] = []
    planned = uow.session.execute(
        select(PlannedOrderRecord.id, PlannedOrderRecord.item_id, Item.code,
               PlannedOrderRecord.qty, PlannedOrderRecord.release_date)
        .join(Item, Item.id == PlannedOrderRecord.item_id)
        .where(PlannedOrderRecord.kind == "production")
        .order_by(PlannedOrderRecord.release_date, PlannedOrderRecord.id)).all()
    routings: dict[int, list[Routing]] = defaultdict(list)
    if planned:
        for routing in uow.session.scalars(select(Routing).where(
                Routing.item_id.in_({row[1] for row in planned}))):
            routings[routing.item_id].append(routing)
    unrouted: set[str] = set()
    for oid, item_id, code, qty, release in planned:
        routing = effective_on(routings.get(item_id, ()), release)
        if routing is None:
            unrouted.add(code)
            continue
        week = week_of(max(release, today))
        for op in routing_time(routing, qty).operations:
            loads.append(Load(op.work_center_code, week, PLANNED_ORDER, str(oid), code, qty,
                              op.total_min))
    orders = uow.session.execute(
        select(ProductionOrder.id, ProductionOrder.number, Item.code, ProductionOrder.qty,
               ProductionOrder.qty_good, ProductionOrder.status, ProductionOrder.start_date,
               ProductionOrder.due_date)
        .join(Item, Item.id == ProductionOrder.item_id)
        .where(ProductionOrder.status.in_(OPEN_ORDERS),
               ProductionOrder.qty_good < ProductionOrder.qty)
        .order_by(ProductionOrder.id)).all()
    operations: dict[int, list[OrderOperation]] = defaultdict(list)
    if orders:
        for op in uow.session.scalars(select(OrderOperation).where(
                OrderOperation.order_id.in_({row[0] for row in orders}))
                .order_by(OrderOperation.order_id, OrderOperation.seq)):
            operations[op.order_id].append(op)
    for order_id, number, code, qty, good, status, start, due in orders:
        left = qty - good
        week = week_of(max(start or due, today))
        for op in operations.get(order_id, ()):
            setup = ZERO if status == OrderStatus.IN_PROGRESS else op.setup_min
            loads.append(Load(op.work_center_code, week, PRODUCTION_ORDER, number, code,
                              left, setup + op.run_min_per_unit * left))
    return loads, sorted(unrouted)


# --- capacity -------------------------------------------------------------------------------

class Capacity:
    """Hours available per work center and week, read once each (``available_hours``)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._cache: dict[tuple[str, date], Decimal | None] = {}
        self._defined: dict[str, bool] = {}

    def defined(self, work_center: str) -> bool:
        if work_center not in self._defined:
            row = self._uow.session.execute(
                select(Equipment.calendar_id, Equipment.hours_per_day, Equipment.site_code)
                .where(Equipment.code == work_center,
                       Equipment.level == EquipmentLevel.WORK_CENTER)).first()
            self._defined[work_center] = row is not None and (
                row[0] is not None or bool(row[1])) and self._uow.actor.can_see_site(row[2])
        return self._defined[work_center]

    def hours(self, work_center: str, week: date) -> Decimal | None:
        """None: no capacity defined (no calendar, no hours per day), or a work center of a
        site the actor does not see."""
        key = (work_center, week)
        if key not in self._cache:
            self._cache[key] = available_hours(
                self._uow, work_center, week, week + timedelta(days=6)) \
                if self.defined(work_center) else None
        return self._cache[key]


def work_centers(uow: UnitOfWork) -> list[str]:
    """Active work centers the actor may see."""
    rows = uow.session.execute(select(Equipment.code, Equipment.site_code).where(
        Equipment.level == EquipmentLevel.WORK_CENTER, Equipment.active.is_(True))
        .order_by(Equipment.code))
    return [code for code, site in rows if uow.actor.can_see_site(site)]


# --- the report -----------------------------------------------------------------------------

def rough_cut(uow: UnitOfWork, start: date | None = None, weeks: int = 8,
              today: date | None = None) -> RoughCut:
    """Load and capacity per work center for ``weeks`` ISO weeks from ``start``'s week
    (default: today's)."""
    uow.actor.require(Permission.PLANNING_READ)
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationFailed.on("weeks", "range", f"must be between 1 and {MAX_WEEKS}")
    today = today or utcnow().date()
    first = week_of(start or today)
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    horizon = set(mondays)
    all_loads, unrouted = order_loads(uow, today)
    visible = work_centers(uow)
    known = set(visible)
    loads = [x for x in all_loads if x.week in horizon and x.work_center in known]
    minutes: dict[tuple[str, date], Decimal] = defaultdict(lambda: ZERO)
    for x in loads:
        minutes[(x.work_center, x.week)] += x.minutes
    capacity = Capacity(uow)
    cells = {(wc, w): WeekLoad(wc, w, hours(minutes.get((wc, w), ZERO)),
                               capacity.hours(wc, w))
             for wc in visible for w in mondays}
    return RoughCut(today=today, weeks=mondays, work_centers=visible, cells=cells,
                    loads=loads, unrouted=unrouted)
