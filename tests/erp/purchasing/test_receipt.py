"""Goods receipts: moves and lots from the supplier at the PO price, serials, tolerance,
refusals that write nothing, and reversal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from purchasing_support import DAY, check_invariants, counts

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.finance.journal import account_balance
from gemba.erp.inventory.lot import get_lot
from gemba.erp.inventory.stock import on_hand
from gemba.erp.purchasing.bill import BillIn, BillLineIn, post_bill
from gemba.erp.purchasing.purchase_order import POStatus, get_purchase_order
from gemba.erp.purchasing.receipt import (
    ReceiptIn,
    ReceiptLineIn,
    ReverseIn,
    get_receipt,
    receive,
    reverse_receipt,
)

D = Decimal


def _refused(gemba, data: ReceiptIn) -> ValidationFailed:
    """Receive, expect a 422, and check that not a single row was written."""
    with gemba.uow() as uow:
        before = counts(uow)
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        receive(uow, data)
        uow.commit()
    with gemba.uow() as uow:
        assert counts(uow) == before
        check_invariants(uow)
    return exc.value


def test_receipt_posts_moves_at_the_po_price(gemba, make_po):
    number = make_po([("GEAR", "100", None), ("BOLT", "1000", "0.12")])
    with gemba.uow() as uow:
        receipt = receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(100)), ReceiptLineIn(po_line=2, qty=D(400))]))
        uow.commit()
        assert receipt.number == "GR-000001" and receipt.location_code == "WH/STOCK"
        assert on_hand(uow, "GEAR") == D(100) and on_hand(uow, "BOLT") == D(400)
        # GRNI holds what we owe at PO prices; BOLT is at standard 0.10: 0.02 x 400 is PPV.
        assert account_balance(uow, "2100") == -(D(180) + D(48))
        assert account_balance(uow, "1300") == D(180) + D(40)
        assert account_balance(uow, "5100") == D(8)
        po = get_purchase_order(uow, number)
        assert [x.qty_received for x in po.lines] == [D(100), D(400)]
        assert po.status == POStatus.PARTIALLY_RECEIVED
        check_invariants(uow)


def test_lots_are_created_with_expiry(gemba, make_po):
    number = make_po([("PAINT", "30", "4.50")])
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(10), lot="P-1", expiry_date=DAY + timedelta(days=90),
                          supplier_lot="S-77"),
            ReceiptLineIn(po_line=1, qty=D(20), lot="P-2")]))
        uow.commit()
        first, second = get_lot(uow, "PAINT", "P-1"), get_lot(uow, "PAINT", "P-2")
        assert first.expiry_date == DAY + timedelta(days=90) and first.supplier_lot == "S-77"
        assert second.expiry_date == DAY + timedelta(days=30)  # the item's shelf life
        assert get_purchase_order(uow, number).status == POStatus.RECEIVED
        check_invariants(uow)
    error = _refused(gemba, ReceiptIn(order=make_po([("PAINT", "5", "4.50")]), lines=[
        ReceiptLineIn(po_line=1, qty=D(5))]))
    assert (error.issues[0].field, error.issues[0].rule) == ("lines[0].lot", "required")


def test_serials_one_move_per_serial(gemba, make_po):
    number = make_po([("MOTOR", "5", "75")])
    with gemba.uow() as uow:
        receipt = receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(2), serials=["M-1", "M-2"])]))
        uow.commit()
        assert [(x.lot, x.qty) for x in receipt.lines] == [("M-1", D(1)), ("M-2", D(1))]
        assert get_lot(uow, "MOTOR", "M-2").item_code == "MOTOR"
        assert on_hand(uow, "MOTOR") == D(2)
    wrong_count = _refused(gemba, ReceiptIn(order=number, lines=[
        ReceiptLineIn(po_line=1, qty=D(1), serials=["M-3", "M-4"])]))
    assert wrong_count.issues[0].rule == "one_per_unit"
    twice = _refused(gemba, ReceiptIn(order=number, lines=[
        ReceiptLineIn(po_line=1, qty=D(1), serials=["M-9"]),
        ReceiptLineIn(po_line=1, qty=D(1), serials=["M-9"])]))
    assert (twice.issues[0].field, twice.issues[0].rule) == ("lines[1].serials",
                                                             "unique_serial")
    in_stock = _refused(gemba, ReceiptIn(order=number, lines=[
        ReceiptLineIn(po_line=1, qty=D(1), serials=["M-1"])]))
    assert (in_stock.issues[0].field, in_stock.issues[0].rule) == ("lines[0].serials",
                                                                   "unique_serial")
    as_lot = _refused(gemba, ReceiptIn(order=number, lines=[
        ReceiptLineIn(po_line=1, qty=D(1), lot="M-5")]))
    assert as_lot.issues[0].field == "lines[0].lot"


def test_over_receipt_without_tolerance_writes_nothing(gemba, make_po):
    number = make_po([("GEAR", "100", None)])
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(60))]))
        uow.commit()
    error = _refused(gemba, ReceiptIn(order=number, date=DAY, lines=[
        ReceiptLineIn(po_line=1, qty=D(30)), ReceiptLineIn(po_line=1, qty=D(11))]))
    assert [(i.field, i.rule) for i in error.issues] == [("lines[1].qty", "within_tolerance")]
    assert "no over-receipt" in error.issues[0].message
    unknown = _refused(gemba, ReceiptIn(order=number, lines=[
        ReceiptLineIn(po_line=7, qty=D(1))]))
    assert unknown.issues[0].field == "lines[0].po_line"
    assert _refused(gemba, ReceiptIn(order="PO-999999", lines=[
        ReceiptLineIn(po_line=1, qty=D(1))])).issues[0].field == "order"
    with gemba.uow() as uow:
        assert get_purchase_order(uow, number).lines[0].qty_received == D(60)
        assert on_hand(uow, "GEAR") == D(60)


def test_tolerance_allows_five_percent_over(gemba, make_po):
    number = make_po([("GEAR", "100", None)], tolerance="5")
    error = _refused(gemba, ReceiptIn(order=number, date=DAY, lines=[
        ReceiptLineIn(po_line=1, qty=D(106))]))
    assert error.issues[0].rule == "within_tolerance" and "allows 105" in error.message
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(105))]))
        uow.commit()
        po = get_purchase_order(uow, number)
        assert po.status == POStatus.RECEIVED and po.lines[0].qty_received == D(105)
        assert po.lines[0].qty_open == 0
        check_invariants(uow)


def test_reverse_receipt(gemba, make_po):
    number = make_po([("GEAR", "100", None), ("PAINT", "10", "4")])
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(100)), ReceiptLineIn(po_line=2, qty=D(10), lot="L")]))
        uow.commit()
    with gemba.uow() as uow:
        reversed_ = reverse_receipt(uow, "GR-000001", ReverseIn(reason="wrong delivery",
                                                               date=DAY))
        uow.commit()
        assert reversed_.reversed and reversed_.reversal_reason == "wrong delivery"
        po = get_purchase_order(uow, number)
        assert [x.qty_received for x in po.lines] == [0, 0] and po.status == POStatus.CONFIRMED
        assert on_hand(uow, "GEAR") == 0 and on_hand(uow, "PAINT") == 0
        assert account_balance(uow, "2100") == 0
        check_invariants(uow)
    with gemba.uow() as uow, pytest.raises(Conflict, match="already reversed"):
        reverse_receipt(uow, "GR-000001", ReverseIn(reason="again"))
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(50))]))
        post_bill(uow, BillIn(supplier_ref="X1", date=DAY, order=number,
                              lines=[BillLineIn(po_line=1, qty=D(50))]))
        uow.commit()
    with gemba.uow() as uow:
        with pytest.raises(Conflict, match="already billed"):
            reverse_receipt(uow, "GR-000002", ReverseIn(reason="late"))
        assert not get_receipt(uow, "GR-000002").reversed
