"""MRP net change: replan() re-nets the changed items and what their changes reach, reuses the
rest of the previous plan untouched, and always equals plan() of the new input."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.engine import plan, replan
from gemba.erp.planning.model import BomLine, Demand, Plan, PlanningInput, PlanningItem
from gemba.erp.planning.sample_plant import generate_plant

D = Decimal
TODAY = date(2025, 1, 6)


def plant() -> PlanningInput:
    """END1 -> SUB -> RAW, END2 -> RAW, LONE unrelated."""
    items = [
        PlanningItem("END1", make=True, lead_time_days=1, bom=(BomLine("SUB", D(2)),)),
        PlanningItem("END2", make=True, bom=(BomLine("RAW", D(1)),)),
        PlanningItem("SUB", make=True, lead_time_days=1, bom=(BomLine("RAW", D(3)),)),
        PlanningItem("RAW", make=False, lot_size_rule="fixed", lot_size_qty=D(50)),
        PlanningItem("LONE", make=False, safety_stock=D(4)),
    ]
    demands = [Demand("END1", D(5), date(2025, 1, 10), "sales_order", "SO-1"),
               Demand("END2", D(7), date(2025, 1, 9), "sales_order", "SO-2"),
               Demand("LONE", D(2), date(2025, 1, 8), "forecast", "FC-1")]
    return PlanningInput(TODAY, WorkCalendar(), {i.code: i for i in items}, {}, demands, [])


def reused(before: Plan, after: Plan) -> set[str]:
    return {code for code, result in after.state.plans.items()
            if before.state.plans.get(code) is result}


def test_nothing_changed_reuses_everything():
    inp = plant()
    first = plan(inp)
    again = replan(first, inp, set())
    assert again == first
    assert reused(first, again) == set(inp.items)


def test_new_sales_order_re_nets_the_item_and_its_components_only():
    inp = plant()
    first = plan(inp)
    more = replace(inp, demands=[*inp.demands,
                                 Demand("END1", D(3), date(2025, 1, 14), "sales_order", "SO-3")])
    second = replan(first, more, {"END1"})
    assert second == plan(more)
    assert reused(first, second) == {"END2", "LONE"}
    assert [o.qty for o in second.planned_orders if o.item == "END1"] == [5, 3]
    # the previous plan is left as it was
    assert first == plan(inp)
    assert first.state.dependent == plan(inp).state.dependent


def test_change_that_leaves_dependent_demand_alike_stops_there():
    inp = plant()
    first = plan(inp)
    # END1's minimum of 5 does not alter its order of 5, so SUB and RAW are not re-netted
    end1 = replace(inp.items["END1"], min_qty=D(5))
    changed = replace(inp, items={**inp.items, "END1": end1}, on_hand={"LONE": D(1)})
    second = replan(first, changed, {"END1", "LONE"})
    assert second == plan(changed)
    assert reused(first, second) == {"END2", "SUB", "RAW"}
    assert [r.planned for r in first.records["LONE"]] == [4, 2]
    assert [r.planned for r in second.records["LONE"]] == [3, 2]


def test_dropped_bom_line_forgets_the_old_dependent_demand():
    inp = plant()
    first = plan(inp)
    assert any(o.item == "RAW" for o in first.planned_orders)
    sub = replace(inp.items["SUB"], bom=())
    end2 = replace(inp.items["END2"], bom=())
    # RAW's low-level code drops from 2 to 0: it is now planned before SUB and END2
    changed = replace(inp, items={**inp.items, "SUB": sub, "END2": end2})
    second = replan(first, changed, {"SUB", "END2"})
    assert second == plan(changed)
    assert [r.gross for r in second.records["RAW"]] == [0]
    assert not any(o.item == "RAW" for o in second.planned_orders)


def test_added_and_removed_items_are_found_without_being_named():
    inp = plant()
    first = plan(inp)
    items = {k: v for k, v in inp.items.items() if k != "LONE"}
    items["NEW"] = PlanningItem("NEW", make=False, safety_stock=D(1))
    changed = replace(inp, items=items, demands=[d for d in inp.demands if d.item != "LONE"])
    second = replan(first, changed, set())
    assert second == plan(changed)
    assert "LONE" not in second.records
    assert [(o.item, o.qty) for o in second.planned_orders if o.item in ("LONE", "NEW")] == [
        ("NEW", 1)]


def test_removed_parent_releases_its_component():
    inp = plant()
    first = plan(inp)
    items = {k: v for k, v in inp.items.items() if k != "END2"}
    changed = replace(inp, items=items, demands=[d for d in inp.demands if d.item != "END2"])
    second = replan(first, changed, set())
    assert second == plan(changed)


def test_new_day_or_calendar_or_a_plan_without_state_plans_from_scratch():
    inp = plant()
    first = plan(inp)
    tomorrow = replace(inp, today=TODAY + timedelta(days=1))
    assert replan(first, tomorrow, set()) == plan(tomorrow)
    holiday = replace(inp, calendar=WorkCalendar(holidays=frozenset({date(2025, 1, 9)})))
    assert replan(first, holiday, set()) == plan(holiday)
    bare = Plan(first.planned_orders, first.exceptions, first.records)
    more = replace(inp, on_hand={"END1": D(1)})
    again = replan(bare, more, {"END1"})
    assert again == plan(more) and again.state is not None


def test_sample_plant_is_deterministic_and_replans_a_new_sales_order():
    inp = generate_plant(300, seed=7)
    assert inp == generate_plant(300, seed=7)
    assert len(inp.items) == 300
    assert generate_plant(300, seed=8).demands != inp.demands
    first = plan(inp)
    end_item = next(code for code in sorted(inp.items) if code.startswith("L0-"))
    extra = Demand(end_item, D(500), TODAY + timedelta(days=12), "sales_order", "SO-NEW")
    more = replace(inp, demands=[*inp.demands, extra])
    second = replan(first, more, {end_item})
    assert second == plan(more)
    assert 0 < len(reused(first, second)) < 300
    pegged = [o.item for o in second.planned_orders for g in o.pegging
              if g.demand_ref == "SO-NEW"]
    assert end_item in pegged and len(set(pegged)) > 1  # pegged down through the levels
