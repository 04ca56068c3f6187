"""Customer invoices, credit notes and customer payments: postings, open items, limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sales_helpers import D, assert_invariants, counts

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.finance.journal import account_balance
from gemba.erp.finance.open_item import OpenItemKind, open_items
from gemba.erp.finance.payment import AllocationIn, PaymentIn, receive_payment
from gemba.erp.sales.credit_note import CreditNoteIn, CreditNoteLineIn, create_credit_note
from gemba.erp.sales.delivery import DeliveryIn, DeliveryLineIn, deliver
from gemba.erp.sales.invoice import InvoiceIn, InvoiceLineIn, create_invoice, open_amounts
from gemba.erp.sales.returns import ReturnIn, ReturnLineIn, return_goods
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
    get_sales_order,
)


@pytest.fixture
def delivered(gemba, sales, receive):
    """SO with 10 GEAR at 10.00 and 3 BOLT at 0.55 (tax 19 %), confirmed; 6 GEAR and the
    BOLTs delivered. Returns (order number, delivery number)."""
    receive("GEAR", 10, "2.00")
    receive("BOLT", 5, "0.10", ref="GR-B")
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(customer="ACME", order_date=D,
                                                  tax_pct=Decimal(19), lines=[
            SalesOrderLineIn(item="GEAR", qty=Decimal(10)),
            SalesOrderLineIn(item="BOLT", qty=Decimal(3), unit_price=Decimal("0.55"))]))
        confirm_sales_order(uow, so.number, day=D)
        dn = deliver(uow, DeliveryIn(order=so.number, delivery_date=D, lines=[
            DeliveryLineIn(line_no=10, qty=Decimal(6)),
            DeliveryLineIn(line_no=20, qty=Decimal(3))]))
        uow.commit()
        return so.number, dn.number


def test_invoice_bills_what_was_delivered(gemba, delivered):
    number, _ = delivered
    with gemba.uow() as uow:
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            create_invoice(uow, InvoiceIn(order=number, invoice_date=D, lines=[
                InvoiceLineIn(line_no=20, qty=Decimal(1)),
                InvoiceLineIn(line_no=10, qty=Decimal(7))]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines[1].qty", "not_more_than_delivered")
        uow.rollback()
    with gemba.uow() as uow:
        assert counts(uow) == before
        assert open_items(uow, OpenItemKind.RECEIVABLE) == []
        inv = create_invoice(uow, InvoiceIn(order=number, invoice_date=D + timedelta(1)))
        # 6 x 10.00 + 3 x 0.55 = 61.65 net; 19 % = 11.7135 -> 11.71
        assert (inv.net_amount, inv.tax_amount, inv.total) == \
            (Decimal("61.65"), Decimal("11.71"), Decimal("73.36"))
        assert inv.number.startswith("INV-") and inv.due_date == D + timedelta(31)
        assert [(ln.line_no, ln.qty) for ln in inv.lines] == [(10, 6), (20, 3)]
        uow.commit()
    with gemba.uow() as uow:
        assert account_balance(uow, "1100") == Decimal("73.36")
        assert account_balance(uow, "4000") == Decimal("-61.65")
        assert account_balance(uow, "2200") == Decimal("-11.71")
        so = get_sales_order(uow, number)
        assert so.status == "partially_delivered"  # 4 gears still to deliver
        with pytest.raises(ValidationFailed) as exc:
            create_invoice(uow, InvoiceIn(order=number, invoice_date=D))
        assert exc.value.issues[0].rule == "not_empty"
        assert_invariants(uow)
        deliver(uow, DeliveryIn(order=number, delivery_date=D))
        create_invoice(uow, InvoiceIn(order=number, invoice_date=D))
        uow.commit()
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "invoiced"
        assert_invariants(uow)


def test_credit_notes_stay_within_the_invoice(gemba, delivered):
    number, _ = delivered
    with gemba.uow() as uow:
        inv = create_invoice(uow, InvoiceIn(order=number, invoice_date=D)).number
        uow.commit()
    with gemba.uow() as uow:
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D, lines=[
                CreditNoteLineIn(line_no=10, qty=Decimal(7))]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines[0].qty", "not_more_than_invoiced")
        with pytest.raises(ValidationFailed) as exc:
            create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D, lines=[
                CreditNoteLineIn(line_no=20, amount=Decimal("1.66"))]))
        assert exc.value.issues[0].field == "lines[0].amount"
        with pytest.raises(ValidationFailed) as exc:
            create_credit_note(uow, CreditNoteIn(invoice="INV-999999", lines=[
                CreditNoteLineIn(line_no=10, qty=Decimal(1))]))
        assert exc.value.issues[0].field == "invoice"
        assert counts(uow) == before
        # two units back, and a price allowance of 1.00 on the bolts
        cn = create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D, reason="damaged",
                                                  lines=[
            CreditNoteLineIn(line_no=10, qty=Decimal(2)),
            CreditNoteLineIn(line_no=20, amount=Decimal("1.00"))]))
        assert cn.number.startswith("CN-")
        assert (cn.net_amount, cn.tax_amount, cn.total) == \
            (Decimal("21.00"), Decimal("3.99"), Decimal("24.99"))
        uow.commit()
    with gemba.uow() as uow:
        assert account_balance(uow, "4100") == Decimal("21.00")
        assert account_balance(uow, "1100") == Decimal("73.36") - Decimal("24.99")
        assert open_amounts(uow, [inv]) == {inv: Decimal("48.37")}
        assert_invariants(uow)
        # crediting the rest takes exactly the invoice's remaining tax (no cent left over)
        rest = create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D))
        assert rest.net_amount + cn.net_amount == Decimal("61.65")
        assert rest.tax_amount + cn.tax_amount == Decimal("11.71")
        uow.commit()
    with gemba.uow() as uow:
        assert open_amounts(uow, [inv]) == {inv: 0}
        assert account_balance(uow, "1100") == 0
        with pytest.raises(ValidationFailed) as exc:
            create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D))
        assert exc.value.issues[0].rule == "not_empty"
        assert_invariants(uow)


def test_credit_cannot_exceed_what_is_still_open(gemba, delivered):
    number, _ = delivered
    with gemba.uow() as uow:
        inv = create_invoice(uow, InvoiceIn(order=number, invoice_date=D)).number
        receive_payment(uow, PaymentIn(partner="ACME", date=D, amount=Decimal("70.00"),
                                       allocations=[AllocationIn(document=inv,
                                                                 amount=Decimal("70.00"))]))
        uow.commit()
    with gemba.uow() as uow:
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D, lines=[
                CreditNoteLineIn(line_no=10, qty=Decimal(1))]))  # 11.90 > 3.36 still open
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines", "not_more_than_open")
        uow.rollback()
    with gemba.uow() as uow:
        assert counts(uow) == before
        assert open_amounts(uow, [inv]) == {inv: Decimal("3.36")}
        assert_invariants(uow)


def test_overpayment_is_refused_and_writes_nothing(gemba, delivered):
    number, _ = delivered
    with gemba.uow() as uow:
        inv = create_invoice(uow, InvoiceIn(order=number, invoice_date=D)).number
        uow.commit()
    with gemba.uow() as uow:
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            receive_payment(uow, PaymentIn(partner="ACME", date=D, amount=Decimal("80.00"),
                                           allocations=[AllocationIn(
                                               document=inv, amount=Decimal("80.00"))]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("allocations[0].amount", "not_more_than_owed")
        uow.rollback()
    with gemba.uow() as uow:
        assert counts(uow) == before
        assert open_amounts(uow, [inv]) == {inv: Decimal("73.36")}
        receive_payment(uow, PaymentIn(partner="ACME", date=D, amount=Decimal("73.36")))
        uow.commit()
    with gemba.uow() as uow:
        assert open_amounts(uow, [inv]) == {inv: 0}
        assert account_balance(uow, "1000") == Decimal("73.36")
        assert_invariants(uow)


def test_return_and_credit_note_together(gemba, delivered):
    number, dn = delivered
    with gemba.uow() as uow:
        inv = create_invoice(uow, InvoiceIn(order=number, invoice_date=D)).number
        return_goods(uow, ReturnIn(delivery=dn, return_date=D, lines=[
            ReturnLineIn(line_no=10, qty=Decimal(2))]))
        create_credit_note(uow, CreditNoteIn(invoice=inv, credit_date=D, lines=[
            CreditNoteLineIn(line_no=10, qty=Decimal(2))]))
        uow.commit()
    with gemba.uow() as uow:
        # COGS: 6 x 2.00 + 3 x 0.10 out, 2 x 2.00 back
        assert account_balance(uow, "5000") == Decimal("8.30")
        assert account_balance(uow, "4100") == Decimal("20.00")
        assert_invariants(uow)


def test_nothing_to_invoice_on_drafts(gemba, sales):
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(customer="ACME", order_date=D, lines=[
            SalesOrderLineIn(item="GEAR", qty=Decimal(1))]))
        with pytest.raises(Conflict):
            create_invoice(uow, InvoiceIn(order=so.number))
