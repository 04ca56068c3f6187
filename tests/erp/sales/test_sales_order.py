"""Quotations and sales orders: prices, confirmation with reservations, cancelling, and the
whole lifecycle down to the payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sales_helpers import D, assert_invariants, counts

from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.finance.journal import account_balance
from gemba.erp.finance.open_item import OpenItemKind, open_items
from gemba.erp.finance.payment import PaymentIn, receive_payment
from gemba.erp.inventory.reservation import reserved_for
from gemba.erp.inventory.stock import available, on_hand
from gemba.erp.sales.delivery import DeliveryIn, DeliveryLineIn, deliver
from gemba.erp.sales.invoice import InvoiceIn, create_invoice
from gemba.erp.sales.price_list import PriceListPatch, price_for, update_price_list
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    SalesOrderPatch,
    cancel_sales_order,
    confirm_sales_order,
    create_sales_order,
    get_sales_order,
    list_sales_orders,
    update_sales_order,
)


def order(uow, customer="ACME", status="draft", **lines):
    """An order with one line per keyword: GEAR=5 -> 5 gears."""
    return create_sales_order(uow, SalesOrderIn(
        customer=customer, status=status, order_date=D, requested_date=D + timedelta(days=7),
        tax_pct=Decimal(20),
        lines=[SalesOrderLineIn(item=item, qty=Decimal(qty)) for item, qty in lines.items()]))


def test_prices_come_from_the_price_list_with_quantity_breaks(gemba, sales):
    with gemba.uow() as uow:
        assert price_for(uow, "STD", "GEAR", Decimal(99), D) == Decimal("10.00")
        assert price_for(uow, "STD", "GEAR", Decimal(100), D) == Decimal("9.00")
        assert price_for(uow, "STD", "NOPE", Decimal(1), D) is None
        so = create_sales_order(uow, SalesOrderIn(customer="ACME", order_date=D, lines=[
            SalesOrderLineIn(item="GEAR", qty=Decimal(150)),
            SalesOrderLineIn(item="BOLT", qty=Decimal(10), unit_price=Decimal("0.45"))]))
        assert so.number.startswith("SO-") and so.status == "draft"
        assert so.price_list_code == "STD"
        assert [(ln.line_no, ln.unit_price) for ln in so.lines] == [(10, Decimal("9.00")),
                                                                    (20, Decimal("0.45"))]
        # BETA has no default price list: a line without a price is refused, naming it
        with pytest.raises(ValidationFailed) as exc:
            create_sales_order(uow, SalesOrderIn(customer="BETA", order_date=D, lines=[
                SalesOrderLineIn(item="BOLT", qty=Decimal(1), unit_price=Decimal(1)),
                SalesOrderLineIn(item="GEAR", qty=Decimal(1))]))
        assert exc.value.issues[0].field == "lines[1].unit_price"
        with pytest.raises(ValidationFailed) as exc:
            create_sales_order(uow, SalesOrderIn(customer="SUPP", order_date=D, lines=[
                SalesOrderLineIn(item="BOLT", qty=Decimal(1))]))
        assert exc.value.issues[0].field == "customer"
        # a price list out of validity gives no price
        update_price_list(uow, "STD", PriceListPatch(version=1, valid_to=date(2026, 1, 31)))
        assert price_for(uow, "STD", "GEAR", Decimal(1), D) is None
        uow.commit()


def test_quotation_is_edited_then_confirmed_with_reservations(gemba, sales, receive):
    receive("GEAR", 8, "2.00")
    with gemba.uow() as uow:
        q = order(uow, status="quotation", GEAR=5)
        number = q.number
        q = update_sales_order(uow, number, SalesOrderPatch(version=q.version, lines=[
            SalesOrderLineIn(line_no=10, item="GEAR", qty=Decimal(6)),
            SalesOrderLineIn(line_no=20, item="BOLT", qty=Decimal(4))]))
        assert [(ln.line_no, ln.qty) for ln in q.lines] == [(10, 6), (20, 4)]
        assert q.version == 2
        uow.commit()
    with gemba.uow() as uow:
        confirm_sales_order(uow, number, version=2, day=D)
        uow.commit()
    with gemba.uow() as uow:
        so = get_sales_order(uow, number)
        assert so.status == "confirmed"
        # GEAR fully reserved; no BOLT in stock: nothing reserved, the order still confirms
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", None, Decimal(6))]
        assert reserved_for(uow, f"{number}/20") == []
        assert available(uow, "GEAR") == 2
        with pytest.raises(Conflict):
            update_sales_order(uow, number, SalesOrderPatch(version=so.version,
                                                            tax_pct=Decimal(0)))
        with pytest.raises(Conflict):
            confirm_sales_order(uow, number)
        page = list_sales_orders(uow, PageRequest(filters=(("status", "confirmed"),)))
        assert [o.number for o in page.items] == [number]
        with pytest.raises(ValidationFailed):
            list_sales_orders(uow, PageRequest(filters=(("status", "shipped"),)))
        cancel_sales_order(uow, number)
        uow.commit()
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "cancelled"
        assert reserved_for(uow, f"{number}/10") == []
        assert available(uow, "GEAR") == 8
        with pytest.raises(Conflict):
            cancel_sales_order(uow, number)


def test_full_lifecycle_to_payment(gemba, sales, receive):
    """quotation -> confirmed (reserved) -> partially delivered -> delivered -> invoiced ->
    paid, with the ledgers in balance after every step."""
    receive("GEAR", 10, "2.00")
    with gemba.uow() as uow:
        number = order(uow, status="quotation", GEAR=10).number
        uow.commit()
    with gemba.uow() as uow:
        confirm_sales_order(uow, number, day=D)
        assert_invariants(uow)
        uow.commit()
    with gemba.uow() as uow:
        deliver(uow, DeliveryIn(order=number, delivery_date=D, lines=[
            DeliveryLineIn(line_no=10, qty=Decimal(4))]))
        uow.commit()
    with gemba.uow() as uow:
        so = get_sales_order(uow, number)
        assert so.status == "partially_delivered" and so.lines[0].qty_delivered == 4
        # the rest is reserved again
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", None, Decimal(6))]
        assert account_balance(uow, "5000") == Decimal("8.00")
        assert_invariants(uow)
        with pytest.raises(Conflict):
            cancel_sales_order(uow, number)
        deliver(uow, DeliveryIn(order=number, delivery_date=D + timedelta(days=1)))
        uow.commit()
    with gemba.uow() as uow:
        so = get_sales_order(uow, number)
        assert so.status == "delivered" and on_hand(uow, "GEAR") == 0
        assert reserved_for(uow, f"{number}/10") == []
        assert_invariants(uow)
        invoice = create_invoice(uow, InvoiceIn(order=number, invoice_date=D + timedelta(2)))
        uow.commit()
        inv_number = invoice.number
    with gemba.uow() as uow:
        so = get_sales_order(uow, number)
        assert so.status == "invoiced"
        # 10 x 10.00 net, 20 % tax
        assert account_balance(uow, "1100") == Decimal("120.00")
        assert account_balance(uow, "4000") == Decimal("-100.00")
        assert account_balance(uow, "2200") == Decimal("-20.00")
        (item,) = open_items(uow, OpenItemKind.RECEIVABLE)
        assert item.doc_ref == inv_number and item.due_date == D + timedelta(days=32)
        assert_invariants(uow)
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            receive_payment(uow, PaymentIn(partner="ACME", date=D + timedelta(days=20),
                                           amount=Decimal("120.01")))
        assert exc.value.issues[0].rule == "not_more_than_owed"
        uow.rollback()
    with gemba.uow() as uow:
        assert counts(uow) == before
        assert open_items(uow, OpenItemKind.RECEIVABLE)[0].amount_settled == 0
        receive_payment(uow, PaymentIn(partner="ACME", date=D + timedelta(days=20),
                                       amount=Decimal("120.00")))
        uow.commit()
    with gemba.uow() as uow:
        assert open_items(uow, OpenItemKind.RECEIVABLE) == []
        assert account_balance(uow, "1100") == 0
        assert account_balance(uow, "1000") == Decimal("120.00")
        assert_invariants(uow)


def test_new_orders_are_quotations_or_drafts_only(gemba, sales):
    with pytest.raises(ValueError, match="quotation or a draft"):
        SalesOrderIn(customer="ACME", status="confirmed",
                     lines=[SalesOrderLineIn(item="GEAR", qty=Decimal(1))])
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        create_sales_order(uow, SalesOrderIn(customer="ACME", order_date=D, lines=[
            SalesOrderLineIn(item="GEAR", qty=Decimal(1)),
            SalesOrderLineIn(line_no=10, item="BOLT", qty=Decimal("1.5"))]))
    fields = {i.field for i in exc.value.issues}
    assert fields == {"lines[1].line_no", "lines[1].qty"}
