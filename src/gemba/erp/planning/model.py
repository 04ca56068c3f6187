"""What MRP reads and writes: frozen value objects with Decimal quantities, no database.

The database side builds a ``PlanningInput`` from items, BOMs, stock, sales orders, forecasts
and open purchase/production orders, calls ``engine.plan`` (or ``engine.replan``) and stores
the ``Plan``'s planned orders, pegging, exception messages and MRP tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from gemba.erp.planning.calendar import WorkCalendar

if TYPE_CHECKING:
    from gemba.erp.planning.state import PlanState

ZERO = Decimal(0)
LOT_SIZE_RULES = ("lfl", "poq", "fixed")
DEMAND_KINDS = ("sales_order", "forecast")
RECEIPT_KINDS = ("purchase_order", "production_order")


@dataclass(frozen=True)
class BomLine:
    """``qty_per`` of the component per unit of the parent; ``scrap_pct`` is added on top
    (qty x qty_per x (1 + scrap_pct/100)), as MRP's issue rule says."""

    component: str
    qty_per: Decimal
    scrap_pct: Decimal = ZERO


@dataclass(frozen=True)
class PlanningItem:
    """An item as MRP sees it. ``lot_size_qty`` is the fixed lot for ``fixed`` and the number
    of working days covered for ``poq``; ``precision`` is the decimals of its unit of measure
    ('ea' 0, 'kg' 3), to which its requirements and planned orders are rounded up."""

    code: str
    make: bool  # True = production, False = purchase
    phantom: bool = False
    precision: int = 0
    lot_size_rule: str = "lfl"  # lfl | poq | fixed
    lot_size_qty: Decimal = ZERO
    min_qty: Decimal = ZERO
    safety_stock: Decimal = ZERO
    lead_time_days: int = 0  # working days
    bom: tuple[BomLine, ...] = ()


@dataclass(frozen=True)
class Demand:
    """Independent demand: a sales-order line or a forecast; ``ref`` is what pegging names."""

    item: str
    qty: Decimal
    due: date
    kind: str  # "sales_order" | "forecast"
    ref: str


@dataclass(frozen=True)
class ComponentNeed:
    """An open component requirement of an un-kitted production order (still to be issued)."""

    item: str
    qty: Decimal
    due: date


@dataclass(frozen=True)
class ScheduledReceipt:
    """An open purchase or production order: fixed supply MRP never moves (it only advises).
    A production order with ``components=()`` is kitted (its material is already issued)."""

    item: str
    qty: Decimal
    due: date
    kind: str  # "purchase_order" | "production_order"
    ref: str
    components: tuple[ComponentNeed, ...] = ()


@dataclass(frozen=True)
class PlanningInput:
    """A consistent snapshot; ``on_hand`` is already net of held and expired lots."""

    today: date
    calendar: WorkCalendar
    items: Mapping[str, PlanningItem]
    on_hand: Mapping[str, Decimal]
    demands: Sequence[Demand]
    receipts: Sequence[ScheduledReceipt]


@dataclass(frozen=True)
class Peg:
    """The part of a planned order that serves one top-level demand (sales order/forecast)."""

    demand_ref: str
    qty: Decimal


@dataclass(frozen=True)
class PlannedOrder:
    item: str
    kind: str  # "purchase" | "production"
    qty: Decimal
    release_date: date
    due_date: date
    expedite: bool
    pegging: tuple[Peg, ...]


@dataclass(frozen=True)
class ExceptionMessage:
    """Advice to the planner. ``date`` is the suggested date for reschedule_in/out, the
    receipt's (effective) due date for cancel and the planned order's due date for expedite;
    ``ref`` is the scheduled receipt's ref ('' for expedite: a planned order has no number)."""

    item: str
    kind: str  # "reschedule_in" | "reschedule_out" | "cancel" | "expedite"
    ref: str
    date: date
    message: str


@dataclass(frozen=True)
class BucketRow:
    """One line of an item's MRP table, for one event date (today always has one)."""

    date: date
    gross: Decimal
    receipts: Decimal
    projected_on_hand: Decimal  # after the planned order of this date
    net: Decimal                # safety stock - projected on hand before planning, if > 0
    planned: Decimal            # planned order receipt due this date


@dataclass(frozen=True)
class Plan:
    """The result. ``state`` is what net change (``engine.replan``) needs to reuse the plan of
    unchanged items; it takes no part in equality, so a replan equals the regenerative plan."""

    planned_orders: list[PlannedOrder]
    exceptions: list[ExceptionMessage]
    records: dict[str, list[BucketRow]]
    state: PlanState | None = field(default=None, repr=False, compare=False)
