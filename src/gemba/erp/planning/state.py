"""What a Plan keeps for net change: per-item results and the dependent demand each item
received from each parent, so ``replan`` can re-net only items whose inputs changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.model import BucketRow, ExceptionMessage, PlannedOrder, PlanningItem
from gemba.erp.planning.requirements import Requirement


@dataclass(frozen=True)
class ItemPlan:
    """One item's share of the plan. ``replan`` hands an item that was not re-netted the very
    same object, so ``is`` tells callers which items may have changed."""

    orders: tuple[PlannedOrder, ...]        # by due date
    exceptions: tuple[ExceptionMessage, ...]  # by (date, kind, ref)
    rows: list[BucketRow]


@dataclass(frozen=True)
class PlanState:
    """Never mutated: ``replan`` copies what it changes, so an older Plan stays valid."""

    today: date
    calendar: WorkCalendar
    items: dict[str, PlanningItem]  # the items planned (their BOMs are the old edges)
    order: list[str]                # items by (low-level code, code): the planning order
    plans: dict[str, ItemPlan]
    # component -> parent -> the requirements that parent's plan puts on the component
    dependent: dict[str, dict[str, tuple[Requirement, ...]]]
