"""MRP engine building blocks the planner's speed relies on: the fast constructors build equal
objects, the exact shortcut of peg scaling gives what the general rule gives, and FIFO pegging
splits requirements across supplies with safety stock served first."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gemba.erp.planning import construct
from gemba.erp.planning.model import BucketRow, Peg, PlannedOrder
from gemba.erp.planning.netting import NO_ORDER
from gemba.erp.planning.pegging import fifo, scale
from gemba.erp.planning.requirements import Requirement

D = Decimal
DAY = date(2025, 1, 6)


def test_fast_constructors_build_equal_frozen_objects():
    peg = construct.peg("SO-1", D(3))
    assert peg == Peg("SO-1", D(3)) and hash(peg) == hash(Peg("SO-1", D(3)))
    assert repr(peg) == "Peg(demand_ref='SO-1', qty=Decimal('3'))"
    row = construct.bucket_row(DAY, D(1), D(2), D(3), D(4), D(5))
    assert row == BucketRow(DAY, D(1), D(2), D(3), D(4), D(5))
    order = construct.planned_order("A", "purchase", D(2), DAY, DAY, False, (peg,))
    assert order == PlannedOrder("A", "purchase", D(2), DAY, DAY, False, (Peg("SO-1", D(3)),))
    assert hash(order) == hash(PlannedOrder("A", "purchase", D(2), DAY, DAY, False, (peg,)))


pegs_in_whole_units = st.lists(
    st.builds(Peg, st.text("ABC", min_size=1, max_size=3), st.integers(1, 50).map(D)),
    max_size=6, unique_by=lambda p: p.demand_ref).map(tuple)


@given(pegs_in_whole_units, st.sampled_from(["1", "2", "5", "0.5", "0.25", "1.5", "0.125"]),
       st.integers(0, 3), st.integers(0, 20))
def test_exact_scaling_equals_the_cumulative_rounding_rule(pegs, factor, extra, surplus):
    """Whole-unit pegs times a factor with d decimals need no rounding at precision >= d."""
    factor = D(factor)
    precision = -factor.normalize().as_tuple().exponent + extra if "." in str(factor) else extra
    parent_qty = sum((p.qty for p in pegs), D(0)) + surplus
    total = parent_qty * factor
    assert scale(pegs, factor, total, precision, exact=True) == scale(pegs, factor, total,
                                                                       precision)


def test_scaling_rounds_cumulatively_and_caps_at_the_requirement():
    pegs = (Peg("a", D(1)), Peg("b", D(1)), Peg("c", D(1)))
    # 3 x 0.4 = 1.2 -> 2 in whole units: a ceil(0.4)=1, a+b ceil(0.8)=1, all ceil(1.2)=2
    assert scale(pegs, D("0.4"), D(2), 0) == (Peg("a", D(1)), Peg("c", D(1)))
    assert scale(pegs, D("0.4"), D("1.2"), 1) == (Peg("a", D("0.4")), Peg("b", D("0.4")),
                                                   Peg("c", D("0.4")))
    assert scale(pegs, D(2), D(3), 0) == (Peg("a", D(2)), Peg("b", D(1)))  # capped at 3
    assert scale(pegs, D(1), D(3), 0, exact=True) is pegs


def req(qty, *pegs) -> Requirement:
    return Requirement(DAY, "sales_order", "x", D(qty), tuple(Peg(r, D(q)) for r, q in pegs))


def test_fifo_serves_the_reserve_first_and_splits_requirements():
    supply = [(D(4), NO_ORDER), (D(5), 0), (D(3), NO_ORDER), (D(10), 1)]
    reqs = [req(6, ("SO-1", 6)), req(5, ("SO-2", 2)), req(4, ("SO-3", 4))]
    # on hand 4 -> 2 reserve + 2 of SO-1; order 0 -> 4 SO-1, 1 SO-2;
    # receipt 3 -> 1 SO-2 + 2 unpegged; order 1 -> 1 unpegged + 4 SO-3 (5 left over)
    assert fifo(supply, D(2), reqs, 2) == [(Peg("SO-1", D(4)), Peg("SO-2", D(1))),
                                           (Peg("SO-3", D(4)),)]


def test_fifo_adds_up_a_demand_reached_twice():
    supply = [(D(10), 0)]
    reqs = [req(3, ("SO-1", 3)), req(2, ("SO-2", 2)), req(4, ("SO-1", 4))]
    assert fifo(supply, D(0), reqs, 1) == [(Peg("SO-1", D(7)), Peg("SO-2", D(2)))]
    assert fifo(supply, D(0), [req(3)], 1) == [()]
