"""Available-to-promise per order line: usable on-hand, scheduled receipts from open purchase
orders, commitments of other orders, cumulative by date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sales_helpers import D, assert_invariants

from gemba.core.errors import NotFound
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.purchasing.purchase_order import (
    POLineIn,
    PurchaseOrderIn,
    confirm_purchase_order,
    create_purchase_order,
)
from gemba.erp.sales.atp import atp_for_line, atp_for_order
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)


def order(gemba, item: str, qty: int, wanted_in_days: int, confirm: bool = True) -> str:
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(
            customer="ACME", order_date=D, requested_date=D + timedelta(wanted_in_days),
            status="draft" if confirm else "quotation",
            lines=[SalesOrderLineIn(item=item, qty=Decimal(qty))]))
        if confirm:
            confirm_sales_order(uow, so.number, day=D)
        uow.commit()
        return so.number


def atp(gemba, number: str):
    with gemba.uow() as uow:
        return atp_for_line(uow, number, 10, today=D)


def purchase(gemba, item: str, qty: int, due_in_days: int, confirm: bool = True) -> None:
    with gemba.uow() as uow:
        po = create_purchase_order(uow, PurchaseOrderIn(supplier="SUPP", order_date=D, lines=[
            POLineIn(item=item, qty=Decimal(qty), unit_price=Decimal("2.00"),
                     expected_date=D + timedelta(due_in_days))]))
        if confirm:
            confirm_purchase_order(uow, po.number)
        uow.commit()


def test_on_hand_and_commitments(gemba, sales, receive):
    receive("GEAR", 10, "2.00")
    a = order(gemba, "GEAR", 6, 5)
    b = order(gemba, "GEAR", 8, 10)
    first = atp(gemba, a)
    assert (first.available, first.earliest_date, first.enough) == (10, D, True)
    assert first.committed == 0 and first.on_hand == 10
    # B comes after A: only 4 left for it, and no receipts ever bring the rest
    second = atp(gemba, b)
    assert (second.available, second.committed, second.earliest_date) == (4, 6, None)
    assert not second.enough
    # a new quotation must not break A's and B's promises, even though it is wanted first
    q = order(gemba, "GEAR", 5, 3, confirm=False)
    quote = atp(gemba, q)
    assert (quote.available, quote.earliest_date) == (0, None)
    with gemba.uow() as uow:
        lines = atp_for_order(uow, q, today=D)
        assert [x.line_no for x in lines] == [10]
        with pytest.raises(NotFound):
            atp_for_line(uow, q, 20)
        assert_invariants(uow)


def test_scheduled_receipts_of_open_purchase_orders(gemba, sales, receive):
    receive("GEAR", 10, "2.00")
    order(gemba, "GEAR", 6, 5)
    b = order(gemba, "GEAR", 8, 10)
    purchase(gemba, "GEAR", 20, 20)
    purchase(gemba, "GEAR", 50, 15, confirm=False)  # a draft PO is no promise
    late = atp(gemba, b)
    assert (late.available, late.scheduled_receipts, late.earliest_date) == \
        (4, 0, D + timedelta(20))
    q = order(gemba, "GEAR", 5, 3, confirm=False)
    quote = atp(gemba, q)
    assert (quote.available, quote.earliest_date) == (0, D + timedelta(20))
    q2 = order(gemba, "GEAR", 5, 25, confirm=False)
    after = atp(gemba, q2)
    # 10 on hand + 20 coming - 14 committed
    assert (after.available, after.scheduled_receipts, after.committed) == (16, 20, 14)
    assert after.earliest_date == D + timedelta(20)
    with gemba.uow() as uow:
        assert_invariants(uow)


def test_lots_on_hold_or_expired_by_the_requested_date_do_not_count(gemba, sales, receive):
    receive("PAINT", 5, "5.00", lot="LA", expiry=D + timedelta(days=40))
    receive("PAINT", 5, "5.00", lot="LB", expiry=D + timedelta(days=3))
    receive("PAINT", 5, "5.00", lot="LH", expiry=D + timedelta(days=40))
    with gemba.uow() as uow:
        hold_lot(uow, "PAINT", "LH", HoldIn(reason="lab"))
        uow.commit()
    soon = atp(gemba, order(gemba, "PAINT", 8, 2, confirm=False))
    assert (soon.on_hand, soon.available, soon.earliest_date) == (10, 10, D)
    later = atp(gemba, order(gemba, "PAINT", 8, 7, confirm=False))
    assert (later.on_hand, later.available) == (5, 5)
    # the whole 8 could go today, while LB is still good
    assert later.earliest_date == D
    with gemba.uow() as uow:
        assert_invariants(uow)
