"""Regenerative MRP (``plan``) and net change (``replan``) with low-level codes.

Items are planned in (low-level code, item) order, so each is netted once all its parents'
dependent demand is known. Per item (``_plan_stocked``): gross requirements are its sales
orders and forecasts (forecast consumption, see ``requirements``), open component needs of
un-kitted production orders and the dependent demand of its parents; supply is on hand and
scheduled receipts; ``netting`` plans the orders, ``pegging`` pegs them FIFO to top-level
demand, ``exceptions`` advises on the receipts.

A planned production order needs each BOM component on its release date:
ceil(qty x qty_per x (1 + scrap_pct/100)) to the component's precision, per planned order and
BOM line. Purchased items' BOMs (if any) create no dependent demand.

Phantoms are blown through: each requirement of a phantom (from a parent, or even its own
sales order) becomes, per BOM line, a requirement of the component on the same date, rounded
the same way. A phantom never gets planned orders; its on hand and scheduled receipts are
ignored (a phantom is a build-through assembly: stock of it is not planned with), and its MRP
table shows gross = net, projected on hand 0.

Net change: the Plan keeps each item's result and the dependent demand it received from each
parent (``state.PlanState``). ``replan`` re-nets the changed items, then every item whose
dependent demand from a re-netted parent came out different - a subset of "the changed items
and everything below them" that gives the same result, because an item's plan depends only on
its own input and its dependent demand. Everything else is reused as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from gemba.erp.planning import construct
from gemba.erp.planning.exceptions import expedite_message, receipt_messages
from gemba.erp.planning.levels import BomCycle, low_level_codes
from gemba.erp.planning.lot_sizing import check_rule
from gemba.erp.planning.model import (
    DEMAND_KINDS,
    RECEIPT_KINDS,
    ZERO,
    BucketRow,
    Demand,
    Plan,
    PlannedOrder,
    PlanningInput,
    PlanningItem,
    ScheduledReceipt,
)
from gemba.erp.planning.netting import net
from gemba.erp.planning.pegging import fifo, scale
from gemba.erp.planning.quantities import ceil_to
from gemba.erp.planning.requirements import SORT_KEY, Requirement, component_need, independent
from gemba.erp.planning.state import ItemPlan, PlanState

__all__ = ["BomCycle", "low_level_codes", "plan", "replan"]

# the same arithmetic whatever context the caller's thread has set
DECIMALS = Context(prec=28, rounding=ROUND_HALF_EVEN,
                   traps=[InvalidOperation, DivisionByZero, Overflow])

Dependent = dict[str, dict[str, tuple[Requirement, ...]]]
Contributions = dict[str, tuple[Requirement, ...]]


def plan(inp: PlanningInput) -> Plan:
    """Regenerative MRP: every item netted from scratch."""
    with _no_gc(), localcontext(DECIMALS):
        return _run(inp, None, set())


def replan(previous: Plan, inp: PlanningInput, changed: set[str]) -> Plan:
    """Net change: the same Plan as ``plan(inp)``, re-netting only what ``changed`` reaches.

    ``changed`` must name every item whose PlanningItem (BOM included), on hand, demands or
    scheduled receipts differ from the input ``previous`` was planned from; a component need
    of an open production order belongs to the component item. Added and removed items are
    found by the engine. A plan without state, or a different ``today`` or calendar, falls
    back to regenerative planning."""
    prev = previous.state
    if prev is None or prev.today != inp.today or prev.calendar != inp.calendar:
        return plan(inp)
    with _no_gc(), localcontext(DECIMALS):
        return _run(inp, prev, changed)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Planning allocates millions of small acyclic objects (pegs, rows, requirements); the
    cyclic garbage collector would walk the growing heap again and again (more than half the
    run time of a 10k-item plan). Reference counting still frees everything. Afterwards what
    survives (the plan) goes straight to the oldest generation (freeze, unfreeze) instead of
    being walked once more by the first young collection - unless the process keeps objects
    frozen on purpose (a pre-fork server), which must not be undone."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _run(inp: PlanningInput, prev: PlanState | None, changed: set[str]) -> Plan:
    items = inp.items
    order = _planning_order(inp, prev, changed)
    demands, receipts, needs = _group(inp)
    plans: dict[str, ItemPlan] = {}
    if prev is None:
        dirty = set(items)
        dependent: Dependent = {}
        copied: set[str] | None = None
    else:
        dirty = {code for code in changed if code in items} | (items.keys() - prev.items.keys())
        dependent = dict(prev.dependent)
        copied = set()
        _drop_old_edges(prev, items, changed, dependent, copied, dirty)
    for code in order:
        if code not in dirty:
            assert prev is not None
            plans[code] = prev.plans[code]
            continue
        item = items[code]
        if item.code != code:
            raise ValueError(f"item {item.code} is filed under {code}")
        check_rule(item)
        own = independent(demands.get(code, ()), inp.today) + needs.get(code, [])
        reqs = list(own)
        incoming = dependent.get(code)
        if incoming:
            for parent in sorted(incoming):
                reqs.extend(incoming[parent])
        reqs.sort(key=SORT_KEY)
        if item.phantom:
            plans[code], contributions = _plan_phantom(inp, item, reqs)
        else:
            plans[code], contributions = _plan_stocked(inp, item, reqs, own,
                                                       receipts.get(code, []))
        for comp in {line.component for line in item.bom}:
            new = contributions.get(comp)
            if new != dependent.get(comp, {}).get(code):
                _put(dependent, copied, comp, code, new)
                dirty.add(comp)
    planned: list[PlannedOrder] = []
    messages = []
    records: dict[str, list[BucketRow]] = {}
    for code in order:
        result = plans[code]
        planned.extend(result.orders)
        messages.extend(result.exceptions)
        records[code] = result.rows
    state = PlanState(inp.today, inp.calendar, dict(items), order, plans, dependent)
    return Plan(planned, messages, records, state)


def _planning_order(inp: PlanningInput, prev: PlanState | None, changed: set[str]) -> list[str]:
    """Items by (low-level code, code); the previous order while no BOM and no item set
    changed (the structure, and so every low-level code, is then the same)."""
    items = inp.items
    if prev is not None and prev.items.keys() == items.keys() and all(
            code not in items or prev.items[code].bom == items[code].bom for code in changed):
        return prev.order
    llc = low_level_codes(items)
    return sorted(items, key=lambda code: (llc[code], code))


def _drop_old_edges(prev: PlanState, items: Mapping[str, PlanningItem], changed: set[str],
                    dependent: Dependent, copied: set[str], dirty: set[str]) -> None:
    """Forget what changed or removed items gave to components no longer in their BOM: such
    a component may now be planned before its former parent."""
    for code in set(changed) | (prev.items.keys() - items.keys()):
        old = prev.items.get(code)
        if old is None:
            continue
        new = items.get(code)
        keep = {line.component for line in new.bom} if new is not None else set()
        for comp in {line.component for line in old.bom} - keep:
            if code in dependent.get(comp, {}):
                _put(dependent, copied, comp, code, None)
            if comp in items:
                dirty.add(comp)
    for gone in prev.items.keys() - items.keys():
        dependent.pop(gone, None)


def _put(dependent: Dependent, copied: set[str] | None, comp: str, parent: str,
         reqs: tuple[Requirement, ...] | None) -> None:
    """Set (or, for None, remove) a parent's dependent demand on ``comp``, copying the
    previous plan's inner dict before the first write (the previous Plan stays intact)."""
    inner = dependent.get(comp)
    if inner is None:
        inner = dependent[comp] = {}
    elif copied is not None and comp not in copied:
        inner = dependent[comp] = dict(inner)
    if copied is not None:
        copied.add(comp)
    if reqs is None:
        inner.pop(parent, None)
        if not inner:
            del dependent[comp]
    else:
        inner[parent] = reqs


def _group(inp: PlanningInput) -> tuple[dict[str, list[Demand]],
                                         dict[str, list[tuple[date, ScheduledReceipt]]],
                                         dict[str, list[Requirement]]]:
    """Inputs by item, validated; receipts with their effective date, sorted (date, kind, ref)."""
    items, today = inp.items, inp.today
    demands: dict[str, list[Demand]] = {}
    for dem in inp.demands:
        _check(items, dem.item, dem.qty, dem.kind, DEMAND_KINDS, f"demand {dem.ref}")
        demands.setdefault(dem.item, []).append(dem)
    receipts: dict[str, list[tuple[date, ScheduledReceipt]]] = {}
    needs: dict[str, list[Requirement]] = {}
    for rec in inp.receipts:
        _check(items, rec.item, rec.qty, rec.kind, RECEIPT_KINDS, f"receipt {rec.ref}")
        if rec.qty > 0:
            receipts.setdefault(rec.item, []).append((max(rec.due, today), rec))
        for need in rec.components:
            _check(items, need.item, need.qty, rec.kind, RECEIPT_KINDS, f"receipt {rec.ref}")
            if need.qty > 0:
                needs.setdefault(need.item, []).append(component_need(rec, need, today))
    for recs in receipts.values():
        recs.sort(key=lambda pair: (pair[0], pair[1].kind, pair[1].ref))
    return demands, receipts, needs


def _check(items: Mapping[str, PlanningItem], code: str, qty: Decimal, kind: str,
           kinds: Iterable[str], what: str) -> None:
    if code not in items:
        raise ValueError(f"{what}: {code} is not a planning item")
    if qty < 0:
        raise ValueError(f"{what}: negative quantity {qty} of {code}")
    if kind not in kinds:
        raise ValueError(f"{what}: unknown kind {kind!r}")


def _bom_lines(inp: PlanningInput, item: PlanningItem) -> list[tuple[str, Decimal, int, bool]]:
    """Per BOM line: component, factor qty_per x (1 + scrap_pct/100), component precision and
    whether a quantity in the parent's precision times the factor needs no rounding in the
    component's (see ``pegging.scale``): 2 ea per ea, or 0.25 kg (precision 3) per ea."""
    out = []
    for line in item.bom:
        factor = line.qty_per * (1 + line.scrap_pct / 100)
        if factor < 0:
            raise ValueError(f"the BOM of {item.code} needs a negative quantity of "
                             f"{line.component}")
        precision = inp.items[line.component].precision
        decimals = max(0, -int(factor.normalize().as_tuple().exponent))
        out.append((line.component, factor, precision, item.precision + decimals <= precision))
    return out


def _in_precision(precision: int, *groups: Iterable[Decimal]) -> bool:
    """True when every quantity is a multiple of the unit of ``precision`` decimals."""
    return all(qty == ceil_to(qty, precision) for group in groups for qty in group)


def _plan_stocked(inp: PlanningInput, item: PlanningItem, reqs: list[Requirement],
                  own: list[Requirement], receipts: list[tuple[date, ScheduledReceipt]],
                  ) -> tuple[ItemPlan, Contributions]:
    """Net, peg and advise one stocked item; its planned orders' dependent demand per
    component. ``own`` are its independent demands and component needs (part of ``reqs``)."""
    today, calendar, code = inp.today, inp.calendar, item.code
    on_hand = inp.on_hand.get(code, ZERO)
    netting = net(item, calendar, today, on_hand, reqs, receipts)
    reserve = item.safety_stock + (-on_hand if on_hand < 0 else ZERO)
    pegs = fifo(netting.supply, reserve, reqs, len(netting.orders))
    messages = receipt_messages(code, on_hand, item.safety_stock, netting.rows, receipts)
    kind = "production" if item.make else "purchase"
    lead_time = item.lead_time_days
    lines = _bom_lines(inp, item) if item.make else []
    # every quantity FIFO splits is in the item's precision -> so are its pegs (dependent
    # demand always is: it was rounded up to this precision)
    exact = bool(lines) and _in_precision(
        item.precision, (on_hand, item.safety_stock), (req.qty for req in own),
        (rec.qty for _, rec in receipts), (qty for _, qty in netting.orders))
    made: dict[str, list[Requirement]] = {comp: [] for comp, *_ in lines}
    orders = []
    for (due, qty), pegged in zip(netting.orders, pegs, strict=True):
        wanted = calendar.subtract_working_days(due, lead_time)
        expedite = wanted < today
        release = today if expedite else wanted
        orders.append(construct.planned_order(code, kind, qty, release, due, expedite, pegged))
        if expedite:
            messages.append(expedite_message(code, kind, qty, due, wanted, lead_time, today))
        if lines:
            ref = f"{code} {due}"
            for comp, factor, precision, fits in lines:
                if exact and fits:
                    need = qty * factor
                    scaled = scale(pegged, factor, need, precision, exact=True)
                else:
                    need = ceil_to(qty * factor, precision)
                    scaled = scale(pegged, factor, need, precision)
                if need:
                    made[comp].append(Requirement(release, "planned_order", ref, need, scaled))
    messages.sort(key=lambda m: (m.date, m.kind, m.ref))
    contributions = {comp: tuple(reqs) for comp, reqs in made.items() if reqs}
    return ItemPlan(tuple(orders), tuple(messages), netting.rows), contributions


def _plan_phantom(inp: PlanningInput, item: PlanningItem,
                  reqs: list[Requirement]) -> tuple[ItemPlan, Contributions]:
    gross: dict[date, Decimal] = {inp.today: ZERO}
    for req in reqs:
        gross[req.date] = gross.get(req.date, ZERO) + req.qty
    rows = [BucketRow(d, qty, ZERO, ZERO, qty, ZERO) for d, qty in sorted(gross.items())]
    made: dict[str, list[Requirement]] = {}
    lines = _bom_lines(inp, item)
    for req in reqs:
        for comp, factor, precision, _ in lines:
            need = ceil_to(req.qty * factor, precision)
            if need:
                made.setdefault(comp, []).append(Requirement(
                    req.date, req.kind, req.ref, need, scale(req.pegs, factor, need, precision)))
    contributions = {comp: tuple(reqs) for comp, reqs in made.items()}
    return ItemPlan((), (), rows), contributions
