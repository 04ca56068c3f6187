"""MRP engine, textbook examples worked by hand: single and multi-level netting, the lot-size
rules, minimum quantities, safety stock, scrap with rounding per order and line, phantoms,
and FIFO pegging to the top-level demands.

Today is Monday 2025-01-06 (ISO week 2), the calendar Monday-Friday.
"""

from datetime import date
from decimal import Decimal

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.engine import plan
from gemba.erp.planning.model import (
    BomLine,
    Demand,
    Peg,
    Plan,
    PlanningInput,
    PlanningItem,
    ScheduledReceipt,
)

D = Decimal
TODAY = date(2025, 1, 6)  # Monday


def day(n: int) -> date:
    """January 2025: day(8) is Wednesday the 8th."""
    return date(2025, 1, n)


def run(items: list[PlanningItem], demands=(), receipts=(), on_hand=None,
        today: date = TODAY) -> Plan:
    return plan(PlanningInput(today, WorkCalendar(), {i.code: i for i in items},
                              {k: D(v) for k, v in (on_hand or {}).items()},
                              list(demands), list(receipts)))


def so(item: str, qty, n: int, ref: str) -> Demand:
    return Demand(item, D(qty), day(n), "sales_order", ref)


def orders(p: Plan, item: str) -> list[tuple[Decimal, date, date]]:
    """(qty, release, due) of the item's planned orders."""
    return [(o.qty, o.release_date, o.due_date) for o in p.planned_orders if o.item == item]


def pegs(p: Plan, item: str) -> list[dict[str, Decimal]]:
    return [{g.demand_ref: g.qty for g in o.pegging} for o in p.planned_orders if o.item == item]


def table(p: Plan, item: str) -> list[tuple]:
    """(day of month, gross, receipts, projected on hand, net, planned) per MRP row."""
    return [(r.date.day, r.gross, r.receipts, r.projected_on_hand, r.net, r.planned)
            for r in p.records[item]]


def test_single_level_nets_on_hand_and_receipts_in_date_order():
    p = run([PlanningItem("P", make=False, lead_time_days=2)],
            [so("P", 15, 8, "SO-1"), so("P", 10, 10, "SO-2"), so("P", 20, 15, "SO-3")],
            [ScheduledReceipt("P", D(10), day(13), "purchase_order", "PO-1")], {"P": 20})
    assert table(p, "P") == [(6, 0, 0, 20, 0, 0), (8, 15, 0, 5, 0, 0), (10, 10, 0, 0, 5, 5),
                             (13, 0, 10, 10, 0, 0), (15, 20, 0, 0, 10, 10)]
    # release = due minus 2 working days: Fri 10th -> Wed 8th, Wed 15th -> Mon 13th
    assert orders(p, "P") == [(5, day(8), day(10)), (10, day(13), day(15))]
    assert all(o.kind == "purchase" and not o.expedite for o in p.planned_orders)
    # FIFO: on hand 20 serves SO-1 15 and 5 of SO-2; PO-1 serves 10 of SO-3
    assert pegs(p, "P") == [{"SO-2": 5}, {"SO-3": 10}]
    # PO-1 (13th) would have avoided the shortage of the 10th
    assert [(m.kind, m.ref, m.date) for m in p.exceptions] == [
        ("reschedule_in", "PO-1", day(10))]


def test_three_levels_explode_on_release_dates_with_low_level_codes():
    items = [
        PlanningItem("A", make=True, lead_time_days=1,
                     bom=(BomLine("B", D(2)), BomLine("C", D(1)))),
        PlanningItem("B", make=True, lead_time_days=2, bom=(BomLine("C", D(3)),)),
        PlanningItem("C", make=False, lead_time_days=3),
    ]
    p = run(items, [so("A", 10, 10, "SO-1"), so("A", 5, 17, "SO-2")], on_hand={"B": 10, "C": 50})
    assert orders(p, "A") == [(10, day(9), day(10)), (5, day(16), day(17))]
    assert table(p, "B") == [(6, 0, 0, 10, 0, 0), (9, 20, 0, 0, 10, 10), (16, 10, 0, 0, 10, 10)]
    assert orders(p, "B") == [(10, day(7), day(9)), (10, day(14), day(16))]
    # C is needed by B's orders (x3, on the 7th and 14th) and A's (x1, on the 9th and 16th)
    assert table(p, "C") == [(6, 0, 0, 50, 0, 0), (7, 30, 0, 20, 0, 0), (9, 10, 0, 10, 0, 0),
                             (14, 30, 0, 0, 20, 20), (16, 5, 0, 0, 5, 5)]
    # 3 working days before Tue 14th is Thu 9th; before Thu 16th is Mon 13th
    assert orders(p, "C") == [(20, day(9), day(14)), (5, day(13), day(16))]
    assert [o.kind for o in p.planned_orders] == ["production"] * 4 + ["purchase"] * 2
    # sorted by (low-level code, item, due date); pegs go through B to the sales orders
    assert [o.item for o in p.planned_orders] == ["A", "A", "B", "B", "C", "C"]
    assert pegs(p, "B") == [{"SO-1": 10}, {"SO-2": 10}]
    assert pegs(p, "C") == [{"SO-2": 20}, {"SO-2": 5}]
    assert list(p.records) == ["A", "B", "C"]


WEEK = [so("X", 10, n, f"SO-{n}") for n in (6, 7, 8, 9, 10, 13, 14)]


def lot_sized(**rule) -> Plan:
    return run([PlanningItem("X", make=False, **rule)], WEEK)


def test_lot_for_lot_orders_each_shortfall():
    p = lot_sized(lot_size_rule="lfl")
    assert orders(p, "X") == [(10, day(n), day(n)) for n in (6, 7, 8, 9, 10, 13, 14)]


def test_period_order_quantity_covers_n_working_days_from_the_due_date():
    p = lot_sized(lot_size_rule="poq", lot_size_qty=D(3))
    # Mon 6th covers 6-8; Thu 9th covers 9, 10 and Mon 13th; Tue 14th covers 14-16
    assert orders(p, "X") == [(30, day(6), day(6)), (30, day(9), day(9)), (10, day(14), day(14))]
    assert [r[3] for r in table(p, "X")] == [20, 10, 0, 20, 10, 0, 0]


def test_fixed_lot_rounds_up_to_the_multiple_and_surplus_stays_unpegged():
    p = lot_sized(lot_size_rule="fixed", lot_size_qty=D(25))
    assert orders(p, "X") == [(25, day(6), day(6)), (25, day(8), day(8)), (25, day(13), day(13))]
    assert table(p, "X") == [(6, 10, 0, 15, 10, 25), (7, 10, 0, 5, 0, 0), (8, 10, 0, 20, 5, 25),
                             (9, 10, 0, 10, 0, 0), (10, 10, 0, 0, 0, 0),
                             (13, 10, 0, 15, 10, 25), (14, 10, 0, 5, 0, 0)]
    assert pegs(p, "X") == [{"SO-6": 10, "SO-7": 10, "SO-8": 5},
                            {"SO-8": 5, "SO-9": 10, "SO-10": 10},
                            {"SO-13": 10, "SO-14": 10}]  # 5 of the last lot serve nothing


def test_minimum_quantity_raises_small_orders():
    p = lot_sized(lot_size_rule="lfl", min_qty=D(15))
    assert orders(p, "X") == [(15, day(n), day(n)) for n in (6, 7, 9, 10, 14)]


def test_fixed_lot_with_minimum_rounds_the_minimum_up_to_the_multiple():
    p = lot_sized(lot_size_rule="fixed", lot_size_qty=D(10), min_qty=D(25))
    assert orders(p, "X") == [(30, day(n), day(n)) for n in (6, 9, 14)]


def test_period_order_quantity_with_minimum():
    p = lot_sized(lot_size_rule="poq", lot_size_qty=D(2), min_qty=D(50))
    assert orders(p, "X") == [(50, day(6), day(6)), (50, day(13), day(13))]


def test_period_order_quantity_from_a_saturday_starts_counting_on_monday():
    p = run([PlanningItem("X", make=False, lot_size_rule="poq", lot_size_qty=D(2))],
            [so("X", 4, 11, "SAT"), so("X", 5, 13, "MON"), so("X", 6, 14, "TUE"),
             so("X", 7, 15, "WED")])
    # horizon of Saturday 11th: Monday 13th is the 1st working day, Tuesday 14th the 2nd
    assert orders(p, "X") == [(15, day(11), day(11)), (7, day(15), day(15))]


def test_safety_stock_is_restored_today_expedited_and_served_first():
    p = run([PlanningItem("S", make=False, safety_stock=D(20), lead_time_days=1)],
            [so("S", 10, 8, "SO-1"), so("S", 10, 10, "SO-2")], on_hand={"S": 15})
    assert table(p, "S") == [(6, 0, 0, 20, 5, 5), (8, 10, 0, 20, 10, 10),
                             (10, 10, 0, 20, 10, 10)]
    assert orders(p, "S") == [(5, day(6), day(6)), (10, day(7), day(8)), (10, day(9), day(10))]
    assert [o.expedite for o in p.planned_orders] == [True, False, False]
    # on hand 15 and the first order hold the safety stock: they serve no demand
    assert pegs(p, "S") == [{}, {"SO-1": 10}, {"SO-2": 10}]
    assert [(m.kind, m.date, m.ref) for m in p.exceptions] == [("expedite", day(6), "")]
    assert "2025-01-03" in p.exceptions[0].message


def test_scrap_is_rounded_up_per_planned_order_and_bom_line():
    items = [
        PlanningItem("P", make=True, bom=(BomLine("K", D("0.0296"), D(5)),
                                           BomLine("E", D(1), D(10)))),
        PlanningItem("Q", make=True, bom=(BomLine("K", D("0.0296"), D(5)),)),
        PlanningItem("K", make=False, precision=3),  # kg
        PlanningItem("E", make=False, precision=0),  # ea
    ]
    p = run(items, [so("P", 5, 7, "SO-P"), so("Q", 1, 7, "SO-Q")])
    # K: 5 x 0.0296 x 1.05 = 0.1554 -> 0.156 and 1 x 0.03108 -> 0.032 are added: 0.188
    # (rounding the sum 0.18648 once would give 0.187)
    assert table(p, "K") == [(6, 0, 0, 0, 0, 0), (7, D("0.188"), 0, 0, D("0.188"), D("0.188"))]
    assert orders(p, "K") == [(D("0.188"), day(7), day(7))]
    assert pegs(p, "K") == [{"SO-P": D("0.156"), "SO-Q": D("0.032")}]
    # E: 5 x 1 x 1.10 = 5.5 -> 6 each
    assert orders(p, "E") == [(6, day(7), day(7))]
    assert pegs(p, "E") == [{"SO-P": 6}]


def test_rounding_per_order_adds_up_on_one_date():
    items = [PlanningItem("P", make=True, lead_time_days=1, bom=(BomLine("K", D("0.0311")),)),
             PlanningItem("K", make=False, precision=3)]
    # P's orders due Saturday 11th and Monday 13th are both released on Friday 10th
    p = run(items, [so("P", 1, 11, "SO-1"), so("P", 1, 13, "SO-2")])
    assert orders(p, "P") == [(1, day(10), day(11)), (1, day(10), day(13))]
    # 0.0311 -> 0.032 per order, added: 0.064 (not 0.0622 -> 0.063)
    assert table(p, "K") == [(6, 0, 0, 0, 0, 0), (10, D("0.064"), 0, 0, D("0.064"), D("0.064"))]
    assert pegs(p, "K") == [{"SO-1": D("0.032"), "SO-2": D("0.032")}]


def test_phantom_passes_requirements_through_on_the_same_date():
    items = [
        PlanningItem("A", make=True, lead_time_days=1,
                     bom=(BomLine("PH", D(2)), BomLine("X", D(1)))),
        PlanningItem("PH", make=True, phantom=True, lead_time_days=5, bom=(BomLine("Y", D(3)),)),
        PlanningItem("X", make=False),
        PlanningItem("Y", make=False),
    ]
    p = run(items, [so("A", 4, 10, "SO-1")], on_hand={"PH": 100})
    assert orders(p, "A") == [(4, day(9), day(10))]
    assert orders(p, "PH") == []  # never planned, its stock and lead time ignored
    assert table(p, "PH") == [(6, 0, 0, 0, 0, 0), (9, 8, 0, 0, 8, 0)]
    assert orders(p, "Y") == [(24, day(9), day(9))]  # 4 x 2 x 3 on A's release date
    assert orders(p, "X") == [(4, day(9), day(9))]
    assert pegs(p, "Y") == [{"SO-1": 24}]
    assert [o.item for o in p.planned_orders] == ["A", "X", "Y"]  # codes 0, 1, 2


def test_dependent_pegs_follow_the_parent_fifo_and_round_up_cumulatively():
    items = [PlanningItem("P", make=True, bom=(BomLine("C", D("0.5")),)),
             PlanningItem("C", make=False)]
    p = run(items, [so("P", 1, 8, "SO-1"), so("P", 1, 8, "SO-2"), so("P", 3, 8, "SO-3")])
    assert pegs(p, "P") == [{"SO-1": 1, "SO-2": 1, "SO-3": 3}]
    # 5 x 0.5 = 2.5 -> 3; cumulative: SO-1 ceil(0.5)=1, SO-1+2 ceil(1.0)=1, all ceil(2.5)=3
    assert orders(p, "C") == [(3, day(8), day(8))]
    assert pegs(p, "C") == [{"SO-1": 1, "SO-3": 2}]


def test_pegs_never_exceed_the_order_and_ties_sort_by_kind_then_ref():
    items = [PlanningItem("T", make=False, lot_size_rule="fixed", lot_size_qty=D(8))]
    demands = [so("T", 5, 8, "b"), so("T", 5, 8, "a"),
               Demand("T", D(14), day(8), "forecast", "f")]  # 10 consumed by a and b
    p = run(items, demands)
    # one date: forecast first ('forecast' < 'sales_order'), then refs a, b
    assert orders(p, "T") == [(D(16), day(8), day(8))]
    (order,) = p.planned_orders
    assert order.pegging == (Peg("f", D(4)), Peg("a", D(5)), Peg("b", D(5)))
    assert sum(g.qty for g in order.pegging) <= order.qty


def test_purchased_item_bom_makes_no_dependent_demand():
    items = [PlanningItem("B", make=False, bom=(BomLine("C", D(1)),)),
             PlanningItem("C", make=False)]
    p = run(items, [so("B", 3, 8, "SO-1")])
    assert orders(p, "B") == [(3, day(8), day(8))]
    assert orders(p, "C") == []
    assert table(p, "C") == [(6, 0, 0, 0, 0, 0)]


def test_no_demand_gives_one_row_today_and_nothing_else():
    p = run([PlanningItem("N", make=False, safety_stock=D(0))], on_hand={"N": 7})
    assert p.planned_orders == [] and p.exceptions == []
    assert table(p, "N") == [(6, 0, 0, 7, 0, 0)]


def test_lead_time_release_skips_weekends_and_holidays():
    cal = WorkCalendar(holidays=frozenset({day(9)}))
    inp = PlanningInput(TODAY, cal, {"L": PlanningItem("L", make=False, lead_time_days=3)},
                        {}, [so("L", 1, 13, "SO-1")], [])
    (order,) = plan(inp).planned_orders
    # before Monday 13th: Fri 10th, (Thu 9th holiday), Wed 8th, Tue 7th
    assert (order.release_date, order.due_date) == (day(7), day(13))
