"""MRP engine properties on random small plants (hypothesis).

1. Coverage: recomputing every item's gross requirements independently (forecast consumption,
   open component needs, dependent demand from the parents' planned orders, phantoms blown
   through) and replaying on hand + receipts + planned orders, projected on hand never falls
   below safety stock on any event date from today + lead time (working days) on. The MRP
   tables match the replay; orders are released and pegged by the rules.
2. Net change: replan() after a random sequence of changes equals plan() of the final input.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.engine import low_level_codes, plan, replan
from gemba.erp.planning.model import (
    BomLine,
    ComponentNeed,
    Demand,
    Plan,
    PlanningInput,
    PlanningItem,
    ScheduledReceipt,
)

D = Decimal
ZERO = D(0)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

QTYS = st.sampled_from([D(1), D(3), D("2.5"), D(7), D(12), D(30), D("0.125")])


@st.composite
def plants(draw) -> PlanningInput:
    today = draw(st.sampled_from([date(2025, 1, 6), date(2025, 1, 8), date(2025, 1, 11)]))
    holidays = draw(st.frozensets(st.sampled_from(
        [date(2025, 1, d) for d in (3, 7, 9, 13, 17, 20)]), max_size=2))
    n_levels = draw(st.integers(2, 4))
    codes = [[f"L{k}{chr(65 + i)}" for i in range(draw(st.integers(1, 3)))]
             for k in range(n_levels)]
    items: dict[str, PlanningItem] = {}
    for k in reversed(range(n_levels)):
        deeper = [c for level in codes[k + 1:] for c in level]
        for code in codes[k]:
            comps = draw(st.lists(st.sampled_from(deeper), min_size=1, max_size=3, unique=True)) \
                if deeper else []
            bom = tuple(BomLine(c, draw(st.sampled_from([D(1), D(2), D(3), D("0.5"),
                                                          D("0.3333")])),
                                draw(st.sampled_from([ZERO, ZERO, D(5), D(10)])))
                        for c in comps)
            items[code] = _item(draw, code, bom, phantom=bool(bom) and k > 0)
    item_codes = sorted(items)
    on_hand = {c: draw(st.sampled_from([ZERO, ZERO, D(3), D(15), D(40), D("2.5")]))
               for c in item_codes}
    demands = draw(st.lists(_demand(today, st.sampled_from(item_codes)), max_size=12))
    demands = [replace(d, ref=f"D{n}") for n, d in enumerate(demands)]
    receipts = [replace(r, ref=f"R{n}") for n, r in enumerate(
        draw(st.lists(_receipt(today, items), max_size=5)))]
    return PlanningInput(today, WorkCalendar(holidays=holidays), items, on_hand, demands,
                         receipts)


def _item(draw, code: str, bom: tuple[BomLine, ...], phantom: bool) -> PlanningItem:
    rule = draw(st.sampled_from(["lfl", "poq", "fixed"]))
    lot = {"lfl": ZERO, "poq": D(draw(st.integers(0, 5))),
           "fixed": draw(st.sampled_from([D(5), D(10), D(8)]))}[rule]
    return PlanningItem(
        code, make=bool(bom) and draw(st.integers(0, 9)) > 0,
        phantom=phantom and draw(st.integers(0, 4)) == 0,
        precision=draw(st.sampled_from([0, 0, 3])), lot_size_rule=rule, lot_size_qty=lot,
        min_qty=draw(st.sampled_from([ZERO, ZERO, D(7), D(20)])),
        safety_stock=draw(st.sampled_from([ZERO, ZERO, D(5), D(12)])),
        lead_time_days=draw(st.integers(0, 4)), bom=bom)


def _demand(today: date, items: st.SearchStrategy[str]) -> st.SearchStrategy[Demand]:
    return st.builds(Demand, items, QTYS,
                     st.integers(-7, 25).map(lambda n: today + timedelta(days=n)),
                     st.sampled_from(["sales_order", "sales_order", "forecast"]), st.just(""))


@st.composite
def _receipt(draw, today: date, items: dict[str, PlanningItem]) -> ScheduledReceipt:
    code = draw(st.sampled_from(sorted(items)))
    item = items[code]
    due = today + timedelta(days=draw(st.integers(-5, 25)))
    if not item.make:
        return ScheduledReceipt(code, draw(QTYS), due, "purchase_order", "")
    needs = tuple(ComponentNeed(line.component, draw(QTYS), due - timedelta(days=2))
                  for line in item.bom) if draw(st.booleans()) else ()
    return ScheduledReceipt(code, draw(QTYS), due, "production_order", "", needs)


# --- an independent replay of the rules -------------------------------------------------------

def ceil_to(qty: Decimal, precision: int) -> Decimal:
    return qty.quantize(D(1).scaleb(-precision), rounding=ROUND_CEILING)


def consumed_demands(inp: PlanningInput) -> list[tuple[Demand, Decimal]]:
    """(demand, qty left after forecast consumption), straight from the rule."""
    out = []
    for dem in inp.demands:
        if dem.kind == "sales_order":
            out.append((dem, dem.qty))
            continue
        week = dem.due.isocalendar()[:2]
        sold = sum((d.qty for d in inp.demands if d.item == dem.item
                    and d.kind == "sales_order" and d.due.isocalendar()[:2] == week), ZERO)
        earlier = sum((f.qty for f in inp.demands if f.item == dem.item and f.kind == "forecast"
                       and f.due.isocalendar()[:2] == week and (f.due, f.ref) < (dem.due, dem.ref)),
                      ZERO)
        out.append((dem, max(ZERO, dem.qty - max(ZERO, sold - earlier))))
    return out


def replay_gross(inp: PlanningInput, p: Plan) -> dict[str, list[tuple[date, Decimal]]]:
    """Every item's gross requirements as (date, qty) pieces, in low-level-code order."""
    today, items = inp.today, inp.items
    pieces: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for dem, qty in consumed_demands(inp):
        if qty:
            pieces[dem.item].append((max(dem.due, today), qty))
    for rec in inp.receipts:
        for need in rec.components:
            pieces[need.item].append((max(need.due, today), need.qty))
    llc = low_level_codes(items)
    for code in sorted(items, key=lambda c: (llc[c], c)):
        item = items[code]
        if item.phantom:
            sources = list(pieces[code])
        elif item.make:
            sources = [(o.release_date, o.qty) for o in p.planned_orders if o.item == code]
        else:
            continue
        for when, qty in sources:
            for line in item.bom:
                need = ceil_to(qty * line.qty_per * (1 + line.scrap_pct / 100),
                               items[line.component].precision)
                if need:
                    pieces[line.component].append((when, need))
    return pieces


def after_working_days(cal: WorkCalendar, start: date, n: int) -> date:
    d = start
    while n > 0:
        d += timedelta(days=1)
        n -= cal.is_working(d)
    return d


@SETTINGS
@given(plants())
def test_plan_keeps_projected_on_hand_at_safety_stock_and_follows_the_rules(inp: PlanningInput):
    p = plan(inp)
    today, cal = inp.today, inp.calendar
    gross = replay_gross(inp, p)
    llc = low_level_codes(inp.items)
    assert [(llc[o.item], o.item, o.due_date) for o in p.planned_orders] == sorted(
        (llc[o.item], o.item, o.due_date) for o in p.planned_orders)
    for code, item in inp.items.items():
        mine = [o for o in p.planned_orders if o.item == code]
        if item.phantom:
            assert mine == []
            continue
        events: dict[date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        events[today]
        for when, qty in gross[code]:
            events[when][0] += qty
        for rec in inp.receipts:
            if rec.item == code:
                events[max(rec.due, today)][1] += rec.qty
        for o in mine:
            events[o.due_date][2] += o.qty
        horizon = after_working_days(cal, today, item.lead_time_days)
        pab = inp.on_hand.get(code, ZERO)
        replayed = []
        for when in sorted(events):
            g, r, planned = events[when]
            pab += r + planned - g
            replayed.append((when, g, r, pab, planned))
            if when >= horizon:
                assert pab >= item.safety_stock, (code, when)
        assert [(row.date, row.gross, row.receipts, row.projected_on_hand, row.planned)
                for row in p.records[code]] == replayed
        for row in p.records[code]:
            # an order only where projected on hand would be short, never more than one a day
            assert (row.planned > 0) == (row.net > 0)
            assert row.projected_on_hand - row.planned == item.safety_stock - row.net \
                if row.net else row.projected_on_hand >= item.safety_stock
        for o in mine:
            wanted = cal.subtract_working_days(o.due_date, item.lead_time_days)
            assert o.expedite == (wanted < today)
            assert o.release_date == max(wanted, today) <= o.due_date
            assert o.kind == ("production" if item.make else "purchase")
            assert o.qty >= item.min_qty
            assert all(g.qty > 0 for g in o.pegging)
            assert sum((g.qty for g in o.pegging), ZERO) <= o.qty
    expedites = sorted((o.item, o.due_date) for o in p.planned_orders if o.expedite)
    assert sorted((m.item, m.date) for m in p.exceptions if m.kind == "expedite") == expedites
    _check_pegs_name_real_demands(inp, p)


def _check_pegs_name_real_demands(inp: PlanningInput, p: Plan) -> None:
    left = {dem.ref: (dem.item, qty) for dem, qty in consumed_demands(inp)}
    pegged: dict[str, Decimal] = defaultdict(Decimal)
    for o in p.planned_orders:
        for g in o.pegging:
            assert g.demand_ref in left
            if o.item == left[g.demand_ref][0]:
                pegged[g.demand_ref] += g.qty
    for ref, qty in pegged.items():
        assert qty <= left[ref][1]  # an end item's orders never peg more than the demand


# --- net change -------------------------------------------------------------------------------

def _fresh_ref(prefix: str, docs: list) -> str:
    taken = {doc.ref for doc in docs}
    return next(f"{prefix}{n}" for n in range(len(docs) + 1) if f"{prefix}{n}" not in taken)


@st.composite
def change(draw, inp: PlanningInput) -> tuple[PlanningInput, set[str]]:
    """One random edit of the input and the items it changes."""
    codes = sorted(inp.items)
    kind = draw(st.sampled_from(["add_demand", "alter_demand", "drop_demand", "add_receipt",
                                 "bom_qty", "drop_line", "on_hand", "item"]))
    demands, receipts = list(inp.demands), list(inp.receipts)
    if kind == "add_demand" or (kind in ("alter_demand", "drop_demand") and not demands):
        new = replace(draw(_demand(inp.today, st.sampled_from(codes))),
                      ref=_fresh_ref("N", demands))
        return replace(inp, demands=[*demands, new]), {new.item}
    if kind in ("alter_demand", "drop_demand"):
        n = draw(st.integers(0, len(demands) - 1))
        old = demands[n]
        if kind == "drop_demand":
            del demands[n]
        else:
            demands[n] = replace(old, qty=draw(QTYS),
                                 due=old.due + timedelta(days=draw(st.integers(-6, 6))))
        return replace(inp, demands=demands), {old.item}
    if kind == "add_receipt":
        new = replace(draw(_receipt(inp.today, dict(inp.items))), ref=_fresh_ref("NR", receipts))
        return replace(inp, receipts=[*receipts, new]), {new.item} | {
            need.item for need in new.components}
    if kind == "on_hand":
        code = draw(st.sampled_from(codes))
        return replace(inp, on_hand={**inp.on_hand, code: draw(QTYS)}), {code}
    parents = [c for c in codes if inp.items[c].bom]
    if not parents:
        kind = "item"
    code = draw(st.sampled_from(parents if kind in ("bom_qty", "drop_line") else codes))
    item = inp.items[code]
    if kind == "bom_qty":
        n = draw(st.integers(0, len(item.bom) - 1))
        bom = list(item.bom)
        bom[n] = replace(bom[n], qty_per=draw(st.sampled_from([D(1), D(4), D("0.25")])))
        item = replace(item, bom=tuple(bom))
    elif kind == "drop_line":
        n = draw(st.integers(0, len(item.bom) - 1))
        item = replace(item, bom=item.bom[:n] + item.bom[n + 1:])
    else:
        item = replace(item, safety_stock=draw(st.sampled_from([ZERO, D(9)])),
                       lead_time_days=draw(st.integers(0, 3)),
                       lot_size_rule=draw(st.sampled_from(["lfl", "fixed"])),
                       lot_size_qty=D(6), phantom=item.phantom and draw(st.booleans()))
    return replace(inp, items={**inp.items, code: item}), {code}


@SETTINGS
@given(plants(), st.data())
def test_replan_after_random_changes_equals_plan(inp: PlanningInput, data):
    current = plan(inp)
    for _ in range(data.draw(st.integers(1, 5))):
        inp, changed = data.draw(change(inp))
        current = replan(current, inp, changed)
        fresh = plan(inp)
        assert current == fresh
        assert current.state.dependent == fresh.state.dependent
        assert current.state.plans == fresh.state.plans
