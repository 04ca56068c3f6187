"""MRP engine: working calendar, forecast consumption by ISO week, past-due demand and
receipts, weekend dates, open production orders (kitted or not), exception messages, low-level
codes and BOM cycles. Worked by hand; today is Monday 2025-01-06 unless said otherwise."""

from datetime import date
from decimal import ROUND_DOWN, Context, Decimal, localcontext

import pytest

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.engine import BomCycle, low_level_codes, plan
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
TODAY = date(2025, 1, 6)  # Monday


def day(n: int, month: int = 1) -> date:
    return date(2025, month, n)


def run(items: list[PlanningItem], demands=(), receipts=(), on_hand=None,
        today: date = TODAY) -> Plan:
    return plan(PlanningInput(today, WorkCalendar(), {i.code: i for i in items},
                              {k: D(v) for k, v in (on_hand or {}).items()},
                              list(demands), list(receipts)))


def dem(item: str, qty, when: date, ref: str, kind: str = "sales_order") -> Demand:
    return Demand(item, D(qty), when, kind, ref)


def orders(p: Plan, item: str) -> list[tuple[Decimal, date, date, bool]]:
    return [(o.qty, o.release_date, o.due_date, o.expedite)
            for o in p.planned_orders if o.item == item]


def gross(p: Plan, item: str) -> list[tuple[date, Decimal]]:
    return [(r.date, r.gross) for r in p.records[item]]


def messages(p: Plan) -> list[tuple[str, str, str, date]]:
    return [(m.item, m.kind, m.ref, m.date) for m in p.exceptions]


# --- calendar ---------------------------------------------------------------------------------

def test_release_counts_working_days_strictly_before_the_due_date():
    cal = WorkCalendar(holidays=frozenset({day(3)}))
    assert cal.subtract_working_days(day(6), 0) == day(6)
    assert cal.subtract_working_days(day(11), 0) == day(11)  # Saturday stays Saturday
    assert cal.subtract_working_days(day(6), 1) == day(2)  # Fri 3rd is a holiday
    assert cal.subtract_working_days(day(11), 1) == day(10)
    assert cal.subtract_working_days(day(13), 5) == day(6)
    assert cal.subtract_working_days(day(7), -1) == day(7)


def test_nth_working_day_counts_the_start_when_it_is_a_working_day():
    cal = WorkCalendar(holidays=frozenset({day(14)}))
    assert cal.nth_working_day_from(day(6), 1) == day(6)
    assert cal.nth_working_day_from(day(6), 5) == day(10)
    assert cal.nth_working_day_from(day(11), 1) == day(13)  # Saturday: Monday is the first
    assert cal.nth_working_day_from(day(13), 2) == day(15)  # Tuesday 14th is a holiday
    assert cal.nth_working_day_from(day(11), 0) == day(11)


def test_calendar_weekdays_equality_and_validation():
    six_days = WorkCalendar(weekdays=frozenset(range(6)))
    assert six_days.is_working(day(11)) and not six_days.is_working(day(12))
    assert six_days.subtract_working_days(day(13), 1) == day(11)
    assert WorkCalendar() == WorkCalendar(frozenset(range(5)), frozenset())
    assert hash(WorkCalendar()) == hash(WorkCalendar())
    assert WorkCalendar() != six_days
    with pytest.raises(ValueError, match="working weekday"):
        WorkCalendar(weekdays=frozenset())


# --- forecasts and dates ----------------------------------------------------------------------

def test_sales_orders_consume_forecasts_of_their_iso_week_only():
    item = PlanningItem("F", make=False)
    demands = [
        # ISO week 2025-W01 runs Mon 30 Dec 2024 - Sun 5 Jan 2025: both past due
        dem("F", 10, date(2024, 12, 30), "FC-0", "forecast"), dem("F", 4, day(2), "SO-0"),
        # week 2: 100 forecast, 50 sold
        dem("F", 100, day(6), "FC-1", "forecast"), dem("F", 30, day(8), "SO-1"),
        dem("F", 20, day(10), "SO-2"),
        # week 3: sold more than forecast: the forecast drops to 0, never below
        dem("F", 50, day(13), "FC-2", "forecast"), dem("F", 80, day(15), "SO-3"),
        # week 4 sales do not touch the week 5 forecast
        dem("F", 40, day(20), "SO-4"), dem("F", 60, day(27), "FC-3", "forecast"),
        # week 6: two forecasts, the earliest is consumed first
        dem("F", 30, day(5, 2), "FC-5", "forecast"), dem("F", 30, day(3, 2), "FC-4", "forecast"),
        dem("F", 40, day(7, 2), "SO-5"),
    ]
    p = run([item], demands)
    assert gross(p, "F") == [
        (day(6), D(60)),  # FC-0 6 + SO-0 4 (past due, today) + FC-1 50
        (day(8), D(30)), (day(10), D(20)), (day(15), D(80)), (day(20), D(40)), (day(27), D(60)),
        (day(5, 2), D(20)), (day(7, 2), D(40)),
    ]
    today_order = p.planned_orders[0]
    assert {g.demand_ref: g.qty for g in today_order.pegging} == {
        "FC-0": 6, "FC-1": 50, "SO-0": 4}
    refs = {g.demand_ref for o in p.planned_orders for g in o.pegging}
    assert "FC-2" not in refs and "FC-4" not in refs and "FC-5" in refs


def test_past_due_demand_and_receipts_count_today_and_expedite():
    item = PlanningItem("G", make=False, lead_time_days=2)
    p = run([item], [dem("G", 10, day(2), "SO-1")],
            [ScheduledReceipt("G", D(4), date(2024, 12, 31), "purchase_order", "PO-1")])
    assert [(r.date, r.gross, r.receipts, r.projected_on_hand, r.net, r.planned)
            for r in p.records["G"]] == [(day(6), 10, 4, 0, 6, 6)]
    # due today; 2 working days earlier is Thursday 2nd -> released today, expedited
    assert orders(p, "G") == [(6, day(6), day(6), True)]
    # the past-due PO is needed today, where it counts: no reschedule message
    assert messages(p) == [("G", "expedite", "", day(6))]


def test_saturday_requirement_gives_a_saturday_order():
    items = [PlanningItem("H0", make=False), PlanningItem("H1", make=False, lead_time_days=1)]
    p = run(items, [dem("H0", 5, day(11), "SO-1"), dem("H1", 5, day(11), "SO-2")])
    assert orders(p, "H0") == [(5, day(11), day(11), False)]
    assert orders(p, "H1") == [(5, day(10), day(11), False)]


def test_non_working_today_releases_expedited_orders_today():
    saturday = day(11)
    items = [PlanningItem("J", make=False, lead_time_days=2), PlanningItem("K", make=False)]
    p = run(items, [dem("J", 5, day(13), "SO-1"), dem("K", 3, day(9), "SO-2")], today=saturday)
    # J: 2 working days before Monday 13th is Thursday 9th, before today -> today
    assert orders(p, "J") == [(5, saturday, day(13), True)]
    # K: past due (Thursday) -> due and released today, lead time 0: no expedite
    assert orders(p, "K") == [(3, saturday, saturday, False)]
    assert [r.date for r in p.records["J"]] == [saturday, day(13)]
    assert messages(p) == [("J", "expedite", "", day(13))]


# --- open production orders -------------------------------------------------------------------

def test_kitted_orders_are_receipts_only_unkitted_keep_open_component_needs():
    items = [PlanningItem("M", make=True, bom=(BomLine("N", D(2)),)),
             PlanningItem("N", make=False)]
    receipts = [
        ScheduledReceipt("M", D(10), day(10), "production_order", "MO-1"),  # kitted
        ScheduledReceipt("M", D(5), day(14), "production_order", "MO-2", components=(
            ComponentNeed("N", D(10), day(8)), ComponentNeed("N", D(3), day(2)))),
    ]
    p = run(items, [dem("M", 10, day(10), "SO-1"), dem("M", 5, day(14), "SO-2")], receipts)
    assert orders(p, "M") == []
    assert [(r.date, r.receipts, r.projected_on_hand) for r in p.records["M"]] == [
        (day(6), 0, 0), (day(10), 10, 0), (day(14), 5, 0)]
    # N only sees MO-2's open needs (the past-due one today), not 2 x MO-1
    assert gross(p, "N") == [(day(6), D(3)), (day(8), D(10))]
    assert orders(p, "N") == [(3, day(6), day(6), False), (10, day(8), day(8), False)]
    assert all(o.pegging == () for o in p.planned_orders)  # needs of open orders are unpegged
    assert p.exceptions == []


# --- exception messages -----------------------------------------------------------------------

def test_reschedule_in_out_and_cancel():
    item = PlanningItem("R", make=False)
    receipts = [ScheduledReceipt("R", D(10), day(13), "purchase_order", "PO-A"),
                ScheduledReceipt("R", D(10), day(14), "purchase_order", "PO-B"),
                ScheduledReceipt("R", D(10), day(15), "purchase_order", "PO-C")]
    p = run([item], [dem("R", 10, day(8), "SO-1"), dem("R", 10, day(20), "SO-2")], receipts)
    # MRP does not move receipts: the shortage of the 8th still gets a planned order
    assert orders(p, "R") == [(10, day(8), day(8), False)]
    assert [r.projected_on_hand for r in p.records["R"]] == [0, 0, 10, 20, 30, 20]
    assert messages(p) == [("R", "reschedule_in", "PO-A", day(8)),
                           ("R", "cancel", "PO-C", day(15)),
                           ("R", "reschedule_out", "PO-B", day(20))]
    texts = [m.message for m in p.exceptions]
    assert texts[0] == "Reschedule purchase order PO-A in from 2025-01-13 to 2025-01-08"
    assert "PO-C" in texts[1] and texts[2].endswith("out from 2025-01-14 to 2025-01-20")


def test_safety_stock_counts_as_needed_today_for_receipts():
    item = PlanningItem("S", make=False, safety_stock=D(5))
    receipts = [ScheduledReceipt("S", D(5), day(9), "purchase_order", "PO-1"),
                ScheduledReceipt("S", D(5), date(2024, 12, 20), "production_order", "MO-9")]
    p = run([item], [dem("S", 2, day(20), "SO-1")], receipts, on_hand={"S": 2})
    # on hand 2 + MO-9 (past due: today) hold safety stock 5 today and cover 2 of SO-1 ...
    assert [(r.date, r.projected_on_hand) for r in p.records["S"]] == [
        (day(6), 7), (day(9), 12), (day(20), 10)]
    # ... so PO-1 (9th) is not needed at all
    assert messages(p) == [("S", "cancel", "PO-1", day(9))]


def test_past_due_receipt_needed_later_is_rescheduled_out():
    item = PlanningItem("O", make=False)
    receipts = [ScheduledReceipt("O", D(5), day(2), "purchase_order", "PO-1")]
    p = run([item], [dem("O", 5, day(9), "SO-1")], receipts)
    assert messages(p) == [("O", "reschedule_out", "PO-1", day(9))]
    assert p.exceptions[0].message.endswith("out from 2025-01-02 to 2025-01-09")


# --- structure --------------------------------------------------------------------------------

def test_low_level_code_is_the_deepest_level():
    items = {"A": PlanningItem("A", True, bom=(BomLine("B", D(1)), BomLine("C", D(1)))),
             "B": PlanningItem("B", True, bom=(BomLine("C", D(1)),)),
             "C": PlanningItem("C", False),
             "Z": PlanningItem("Z", True, bom=(BomLine("C", D(1)),))}
    assert low_level_codes(items) == {"A": 0, "B": 1, "C": 2, "Z": 0}


@pytest.mark.parametrize(("boms", "path"), [
    ({"A": ["B"], "B": ["C"], "C": ["A"]}, "A -> B -> C -> A"),
    ({"TOP": ["Y"], "Y": ["X"], "X": ["Y"]}, "X -> Y -> X"),
    ({"S": ["S"]}, "S -> S"),
])
def test_bom_cycle_names_the_path(boms, path):
    items = {code: PlanningItem(code, True, bom=tuple(BomLine(c, D(1)) for c in comps))
             for code, comps in boms.items()}
    with pytest.raises(BomCycle, match=f"^BOM cycle: {path}$") as caught:
        low_level_codes(items)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(BomCycle):
        run(list(items.values()))


def test_inputs_naming_unknown_items_or_rules_are_rejected():
    item = PlanningItem("A", make=False)
    with pytest.raises(ValueError, match="demand SO-1: B is not a planning item"):
        run([item], [dem("B", 1, day(7), "SO-1")])
    with pytest.raises(ValueError, match="unknown kind 'quote'"):
        run([item], [dem("A", 1, day(7), "Q-1", kind="quote")])
    with pytest.raises(ValueError, match="not a planning item"):
        run([item], receipts=[ScheduledReceipt("A", D(1), day(7), "production_order", "MO",
                                               (ComponentNeed("Q", D(1), day(7)),))])
    with pytest.raises(ValueError, match="lists C, which is not a planning item"):
        run([PlanningItem("A", True, bom=(BomLine("C", D(1)),))])
    with pytest.raises(ValueError, match="unknown lot-size rule 'eoq'"):
        run([PlanningItem("A", False, lot_size_rule="eoq")])
    with pytest.raises(ValueError, match="negative quantity"):
        run([item], [dem("A", -1, day(7), "SO-1")])
    with pytest.raises(ValueError, match="BOM of P needs a negative quantity of A"):
        run([item, PlanningItem("P", True, bom=(BomLine("A", D(-1)),))],
            [dem("P", 1, day(7), "SO-1")])
    with pytest.raises(ValueError, match="item A is filed under B"):
        plan(PlanningInput(TODAY, WorkCalendar(), {"B": item}, {}, [], []))


def test_the_callers_decimal_context_does_not_change_the_plan():
    items = [PlanningItem("P", make=True, bom=(BomLine("K", D("0.0296"), D(5)),)),
             PlanningItem("K", make=False, precision=3)]
    demands = [dem("P", "1234.5678", day(7), "SO-1")]
    expected = run(items, demands)
    with localcontext(Context(prec=3, rounding=ROUND_DOWN)):
        assert run(items, demands) == expected
    # P: 1234.5678 -> 1235 ea; K: 1235 x 0.03108 = 38.3838 -> 38.384 kg
    assert expected.planned_orders[-1].qty == D("38.384")
