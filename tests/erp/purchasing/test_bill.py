"""Supplier bills: the three-way match, price variance, input tax, payables, duplicate
supplier invoice numbers, and paying suppliers (never more than owed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from purchasing_support import DAY, check_invariants, counts

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.finance.journal import account_balance, entry_lines, get_entry
from gemba.erp.finance.open_item import OpenItemKind, open_items
from gemba.erp.finance.payment import AllocationIn, PaymentIn, pay_supplier
from gemba.erp.purchasing.bill import BillIn, BillLineIn, get_bill, match_report, post_bill
from gemba.erp.purchasing.purchase_order import POStatus, get_purchase_order
from gemba.erp.purchasing.receipt import ReceiptIn, ReceiptLineIn, receive

D = Decimal


@pytest.fixture
def received(gemba, make_po):
    """PO-000001 from ACME: 10 GEAR at 2.00, 6 received; PO-000002: 20 BOLT at 0.12, all in."""
    gears = make_po([("GEAR", "10", None)])
    bolts = make_po([("BOLT", "20", "0.12")])
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=gears, date=DAY, lines=[ReceiptLineIn(po_line=1,
                                                                           qty=D(6))]))
        receive(uow, ReceiptIn(order=bolts, date=DAY, lines=[ReceiptLineIn(po_line=1,
                                                                           qty=D(20))]))
        uow.commit()
    return gears, bolts


def _refused(gemba, fn, error=ValidationFailed) -> Exception:
    with gemba.uow() as uow:
        before = counts(uow)
    with gemba.uow() as uow, pytest.raises(error) as exc:
        fn(uow)
        uow.commit()
    with gemba.uow() as uow:
        assert counts(uow) == before
        check_invariants(uow)
    return exc.value


def test_bill_with_price_variance_posts_ppv_tax_and_payable(gemba, received):
    gears, _ = received
    with gemba.uow() as uow:
        bill = post_bill(uow, BillIn(supplier_ref="AC-4711", date=DAY, order=gears,
                                     tax_pct=D(20), lines=[BillLineIn(po_line=1, qty=D(6),
                                                                      unit_price=D("2.10"))]))
        uow.commit()
        assert bill.number == "BILL-000001" and bill.supplier == "ACME"
        assert (bill.net_amount, bill.tax_amount, bill.total) == (D("12.6"), D("2.52"),
                                                                  D("15.12"))
        assert bill.price_variance == D("0.6") and bill.due_date == DAY + timedelta(days=30)
        entry = get_entry(uow, "JE-000003")
        posted = {(acc.code, line.debit, line.credit) for line, acc in entry_lines(uow, entry)}
        assert posted == {("2100", D(12), 0), ("5100", D("0.6"), 0), ("1150", D("2.52"), 0),
                          ("2000", 0, D("15.12"))}
        assert entry.source_ref == bill.number
        ap_line = next(line for line, acc in entry_lines(uow, entry) if acc.code == "2000")
        assert ap_line.partner_id == bill.partner_id
        payable = open_items(uow, OpenItemKind.PAYABLE)
        assert [(i.doc_ref, i.amount, i.due_date) for i in payable] == [
            ("BILL-000001", D("15.12"), DAY + timedelta(days=30))]
        # GRNI of the gears is cleared; only the unbilled bolts remain.
        assert account_balance(uow, "2100") == D("-2.4")
        check_invariants(uow)
        report = match_report(uow, gears)
        assert [(m.qty_ordered, m.qty_received, m.qty_billed, m.price_variance, m.matched)
                for m in report] == [(D(10), D(6), D(6), D("0.6"), False)]
        assert report[0].qty_to_receive == D(4) and report[0].qty_to_bill == 0
        assert get_bill(uow, bill.number).lines[0].po_line == 1


def test_billing_more_than_received_is_refused(gemba, received):
    gears, _ = received
    error = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier_ref="AC-1", date=DAY, order=gears, lines=[BillLineIn(po_line=1, qty=D(7))])))
    assert [(i.field, i.rule) for i in error.issues] == [("lines[0].qty",
                                                          "received_not_billed")]
    split = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier_ref="AC-1", date=DAY, order=gears,
        lines=[BillLineIn(po_line=1, qty=D(4)), BillLineIn(po_line=1, qty=D(3))])))
    assert split.issues[0].field == "lines[1].qty"
    with gemba.uow() as uow:
        post_bill(uow, BillIn(supplier_ref="AC-1", date=DAY, order=gears,
                              lines=[BillLineIn(po_line=1, qty=D(6))]))
        uow.commit()
    again = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier_ref="AC-2", date=DAY, order=gears, lines=[BillLineIn(po_line=1, qty=D(1))])))
    assert again.issues[0].rule == "received_not_billed"
    no_order = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier_ref="AC-3", date=DAY, lines=[BillLineIn(po_line=1, qty=D(1))])))
    assert (no_order.issues[0].field, no_order.issues[0].rule) == ("lines[0].order",
                                                                   "required")


def test_duplicate_supplier_invoice_is_refused(gemba, received, make_po):
    gears, bolts = received
    with gemba.uow() as uow:
        post_bill(uow, BillIn(supplier_ref="DUP-1", date=DAY, order=gears,
                              lines=[BillLineIn(po_line=1, qty=D(2))]))
        uow.commit()
    error = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier_ref="DUP-1", date=DAY, order=bolts, lines=[BillLineIn(po_line=1, qty=D(1))])),
        Conflict)
    assert "already booked" in error.message
    beta = make_po([("BOLT", "5", "0.2")], supplier="BETA")
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=beta, date=DAY, lines=[ReceiptLineIn(po_line=1,
                                                                          qty=D(5))]))
        bill = post_bill(uow, BillIn(supplier_ref="DUP-1", date=DAY, order=beta,
                                     lines=[BillLineIn(po_line=1, qty=D(5))]))
        uow.commit()
        assert bill.supplier == "BETA" and bill.due_date == DAY + timedelta(days=14)
    wrong = _refused(gemba, lambda uow: post_bill(uow, BillIn(
        supplier="BETA", supplier_ref="B-2", date=DAY, order=gears,
        lines=[BillLineIn(po_line=1, qty=D(1))])))
    assert (wrong.issues[0].field, wrong.issues[0].rule) == ("lines[0].order",
                                                             "same_supplier")


def test_one_bill_for_two_orders_closes_both(gemba, received):
    gears, bolts = received
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=gears, date=DAY, lines=[ReceiptLineIn(po_line=1,
                                                                           qty=D(4))]))
        bill = post_bill(uow, BillIn(supplier="ACME", supplier_ref="AC-9", date=DAY, lines=[
            BillLineIn(order=gears, po_line=1, qty=D(10)),
            BillLineIn(order=bolts, po_line=1, qty=D(20), unit_price=D("0.11"))]))
        uow.commit()
        assert bill.total == D(20) + D("2.2") and bill.price_variance == D("-0.2")
        assert {get_purchase_order(uow, n).status for n in (gears, bolts)} == {POStatus.CLOSED}
        assert account_balance(uow, "2100") == 0
        check_invariants(uow)


def test_paying_a_supplier(gemba, received):
    gears, bolts = received
    with gemba.uow() as uow:
        post_bill(uow, BillIn(supplier_ref="P-1", date=DAY, order=gears,
                              lines=[BillLineIn(po_line=1, qty=D(6))]))
        post_bill(uow, BillIn(supplier_ref="P-2", date=DAY, order=bolts,
                              lines=[BillLineIn(po_line=1, qty=D(20))]))
        uow.commit()
        assert account_balance(uow, "2000") == -(D(12) + D("2.4"))
    too_much = _refused(gemba, lambda uow: pay_supplier(uow, PaymentIn(
        partner="ACME", date=DAY, amount=D("14.41"))))
    assert (too_much.issues[0].field, too_much.issues[0].rule) == ("amount",
                                                                   "not_more_than_owed")
    on_one = _refused(gemba, lambda uow: pay_supplier(uow, PaymentIn(
        partner="ACME", date=DAY, amount=D(13),
        allocations=[AllocationIn(document="BILL-000001", amount=D(13))])))
    assert (on_one.issues[0].field, on_one.issues[0].rule) == ("allocations[0].amount",
                                                               "not_more_than_owed")
    with gemba.uow() as uow:
        pay_supplier(uow, PaymentIn(partner="ACME", date=DAY + timedelta(days=5),
                                    amount=D(5), allocations=[
                                        AllocationIn(document="BILL-000002", amount=D(2)),
                                        AllocationIn(document="BILL-000001", amount=D(3))]))
        payment = pay_supplier(uow, PaymentIn(partner="ACME", date=DAY + timedelta(days=6),
                                              amount=D("9.4")))
        uow.commit()
        assert payment.direction == "sent" and payment.amount == D("9.4")
        assert open_items(uow, OpenItemKind.PAYABLE) == []
        assert account_balance(uow, "2000") == 0
        assert account_balance(uow, "1000") == -D("14.4")
        check_invariants(uow)
    nothing_owed = _refused(gemba, lambda uow: pay_supplier(uow, PaymentIn(
        partner="ACME", date=DAY, amount=D("0.01"))))
    assert nothing_owed.issues[0].rule == "not_more_than_owed"
