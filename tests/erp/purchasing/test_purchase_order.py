"""Purchase orders: price breaks, minimum quantities, draft editing, the status lifecycle
from draft to closed, cancelling and closing early."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from purchasing_support import DAY, check_invariants

from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.purchasing.bill import BillIn, BillLineIn, post_bill
from gemba.erp.purchasing.purchase_order import (
    CancelIn,
    CloseIn,
    POLineIn,
    POStatus,
    PurchaseOrderIn,
    PurchaseOrderPatch,
    cancel_purchase_order,
    close_purchase_order,
    confirm_purchase_order,
    create_purchase_order,
    get_purchase_order,
    list_purchase_orders,
    purchase_order_history,
    update_purchase_order,
)
from gemba.erp.purchasing.receipt import ReceiptIn, ReceiptLineIn, receive
from gemba.erp.purchasing.supplier_item import (
    SupplierItemIn,
    SupplierItemPatch,
    create_supplier_item,
    get_supplier_item,
    list_supplier_items,
    price_for,
    update_supplier_item,
)

D = Decimal


def _issue(exc: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, str]:
    return exc.value.issues[0].field, exc.value.issues[0].rule


def test_price_breaks_pick_the_highest_break_not_above_the_quantity(gemba, purchasing):
    with gemba.uow() as uow:
        assert price_for(uow, "ACME", "GEAR", D(10)) == D("2.00")
        assert price_for(uow, "ACME", "GEAR", D(100)) == D("1.80")
        assert price_for(uow, "ACME", "GEAR", D("499")) == D("1.80")
        assert price_for(uow, "ACME", "GEAR", D(5000)) == D("1.50")
        assert price_for(uow, "BETA", "GEAR", D(10)) is None
        po = create_purchase_order(uow, PurchaseOrderIn(supplier="ACME", order_date=DAY, lines=[
            POLineIn(item="GEAR", qty=D(20)), POLineIn(item="GEAR", qty=D(600)),
            POLineIn(item="BOLT", qty=D(100), unit_price=D("0.12"))]))
        assert po.number == "PO-000001" and po.status == POStatus.DRAFT
        assert [(x.line_no, x.unit_price) for x in po.lines] == [
            (1, D("2.00")), (2, D("1.50")), (3, D("0.12"))]
        # The supplier item's lead time gives the expected date; the item's own otherwise.
        assert po.lines[0].expected_date == DAY + timedelta(days=7)
        assert po.lines[2].expected_date == DAY
        assert po.expected_date == DAY + timedelta(days=7)
        assert po.total == D(20) * D(2) + D(600) * D("1.5") + D(100) * D("0.12")


def test_bad_lines_are_all_reported_and_nothing_is_written(gemba, purchasing):
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        create_purchase_order(uow, PurchaseOrderIn(supplier="ACME", order_date=DAY, lines=[
            POLineIn(item="GEAR", qty=D(5)),                      # below minimum 10
            POLineIn(item="BOLT", qty=D(10)),                     # no price on record
            POLineIn(item="NOPE", qty=D(1), unit_price=D(1)),     # unknown item
            POLineIn(item="GEAR", qty=D("1.5"), unit_price=D(1)),  # ea has no decimals
        ]))
    assert [(i.field, i.rule) for i in exc.value.issues] == [
        ("lines[0].qty", "min_qty"), ("lines[1].unit_price", "required"),
        ("lines[2].item", "exists"), ("lines[3].qty", "uom_precision")]
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as exc:
            create_purchase_order(uow, PurchaseOrderIn(supplier="CUST", lines=[
                POLineIn(item="BOLT", qty=D(1), unit_price=D(1))]))
        assert _issue(exc) == ("supplier", "is_supplier")
        assert list_purchase_orders(uow, PageRequest()).total == 0


def test_supplier_items_one_preferred_supplier_per_item(gemba, purchasing):
    with gemba.uow() as uow:
        beta = create_supplier_item(uow, SupplierItemIn(supplier="BETA", item="GEAR",
                                                        preferred=True))
        uow.commit()
        beta_key, beta_version = str(beta.id), beta.version
        acme = list_supplier_items(uow, PageRequest(filters=(("supplier", "ACME"),))).items[0]
        assert not acme.preferred and beta.preferred
        with pytest.raises(Conflict):
            create_supplier_item(uow, SupplierItemIn(supplier="BETA", item="GEAR"))
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as exc:
            create_supplier_item(uow, SupplierItemIn(supplier="CUST", item="GEAR"))
        assert _issue(exc) == ("supplier", "is_supplier")
    with gemba.uow() as uow:
        si = update_supplier_item(uow, beta_key, SupplierItemPatch(
            version=beta_version, price_breaks=[{"min_qty": 0, "unit_price": "1.95"}]))
        uow.commit()
        assert si.version == beta_version + 1
        assert price_for(uow, "BETA", "GEAR", D(1)) == D("1.95")
        assert get_supplier_item(uow, beta_key).item_code == "GEAR"


def test_draft_lines_change_until_confirmed(gemba, make_po):
    number = make_po([("GEAR", "20", None)], confirm=False)
    with gemba.uow() as uow:
        po = update_purchase_order(uow, number, PurchaseOrderPatch(
            version=1, notes="rush", receipt_tolerance_pct=D(5),
            lines=[POLineIn(item="GEAR", qty=D(200)), POLineIn(line_no=5, item="BOLT",
                                                              qty=D(50), unit_price=D("0.1"))]))
        uow.commit()
        assert [(x.line_no, x.qty, x.unit_price) for x in po.lines] == [
            (1, D(200), D("1.80")), (5, D(50), D("0.1"))]
        assert po.version == 2 and po.notes == "rush"
    with gemba.uow() as uow:
        with pytest.raises(Conflict, match="stale version"):
            update_purchase_order(uow, number, PurchaseOrderPatch(version=1, notes="x"))
        confirm_purchase_order(uow, number)
        uow.commit()
    with gemba.uow() as uow:
        with pytest.raises(Conflict, match="only a draft"):
            update_purchase_order(uow, number, PurchaseOrderPatch(version=3, notes="late"))
        with pytest.raises(Conflict):
            confirm_purchase_order(uow, number)


def test_lifecycle_from_draft_to_closed(gemba, make_po):
    number = make_po([("GEAR", "100", None), ("BOLT", "50", "0.12")], confirm=False)

    def status() -> POStatus:
        with gemba.uow() as uow:
            return get_purchase_order(uow, number).status

    def step(fn) -> None:
        with gemba.uow() as uow:
            fn(uow)
            uow.commit()
            check_invariants(uow)

    assert status() == POStatus.DRAFT
    step(lambda uow: confirm_purchase_order(uow, number))
    assert status() == POStatus.CONFIRMED
    step(lambda uow: receive(uow, ReceiptIn(order=number, date=DAY, lines=[
        ReceiptLineIn(po_line=1, qty=D(60))])))
    assert status() == POStatus.PARTIALLY_RECEIVED
    step(lambda uow: receive(uow, ReceiptIn(order=number, date=DAY, lines=[
        ReceiptLineIn(po_line=1, qty=D(40)), ReceiptLineIn(po_line=2, qty=D(50))])))
    assert status() == POStatus.RECEIVED
    step(lambda uow: post_bill(uow, BillIn(supplier_ref="INV-1", date=DAY, order=number,
                                           lines=[BillLineIn(po_line=1, qty=D(100))])))
    assert status() == POStatus.BILLED
    step(lambda uow: post_bill(uow, BillIn(supplier_ref="INV-2", date=DAY, order=number,
                                           lines=[BillLineIn(po_line=2, qty=D(50))])))
    assert status() == POStatus.CLOSED
    with gemba.uow() as uow:
        po = get_purchase_order(uow, number)
        assert [(x.qty_received, x.qty_billed) for x in po.lines] == [(D(100), D(100)),
                                                                       (D(50), D(50))]
        with pytest.raises(Conflict):
            receive(uow, ReceiptIn(order=number, lines=[ReceiptLineIn(po_line=1, qty=D(1))]))
        statuses = [e.new_values.get("status") for e in purchase_order_history(uow, number)
                    if e.new_values and e.record_type == "erp_purchase_orders"]
        assert [s for s in statuses if s] == ["draft", "confirmed", "partially_received",
                                              "received", "billed", "closed"]


def test_cancel_only_while_nothing_received(gemba, make_po):
    draft = make_po([("GEAR", "20", None)], confirm=False)
    with gemba.uow() as uow:
        with pytest.raises(Conflict, match="confirmed, open order"):
            receive(uow, ReceiptIn(order=draft, lines=[ReceiptLineIn(po_line=1, qty=D(1))]))
        po = cancel_purchase_order(uow, draft, CancelIn(reason="not needed"))
        uow.commit()
        assert po.status == POStatus.CANCELLED
        with pytest.raises(Conflict):
            receive(uow, ReceiptIn(order=draft, lines=[ReceiptLineIn(po_line=1, qty=D(1))]))
        with pytest.raises(Conflict):
            cancel_purchase_order(uow, draft)
    number = make_po([("GEAR", "20", None)])
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(5))]))
        uow.commit()
        with pytest.raises(Conflict, match="received"):
            cancel_purchase_order(uow, number)


def test_close_early_stops_receipts_but_not_bills(gemba, make_po):
    number = make_po([("GEAR", "20", None)])
    with gemba.uow() as uow:
        with pytest.raises(Conflict, match="draft or confirmed|cannot be closed") as exc:
            close_purchase_order(uow, make_po([("GEAR", "20", None)], confirm=False),
                                 CloseIn(reason="x"))
        assert "cancel a draft" in exc.value.message
    with gemba.uow() as uow:
        receive(uow, ReceiptIn(order=number, date=DAY, lines=[
            ReceiptLineIn(po_line=1, qty=D(15))]))
        po = close_purchase_order(uow, number, CloseIn(reason="supplier out of stock"))
        uow.commit()
        assert po.status == POStatus.CLOSED and po.close_reason == "supplier out of stock"
    with gemba.uow() as uow:
        with pytest.raises(Conflict):
            receive(uow, ReceiptIn(order=number, lines=[ReceiptLineIn(po_line=1, qty=D(5))]))
        post_bill(uow, BillIn(supplier_ref="A-1", date=DAY, order=number,
                              lines=[BillLineIn(po_line=1, qty=D(15))]))
        uow.commit()
        assert get_purchase_order(uow, number).status == POStatus.CLOSED
        check_invariants(uow)


def test_list_filters_by_status_and_supplier(gemba, make_po):
    make_po([("GEAR", "20", None)])
    make_po([("GEAR", "20", None)], confirm=False)
    make_po([("BOLT", "20", "0.1")], supplier="BETA", confirm=False)
    with gemba.uow() as uow:
        drafts = list_purchase_orders(uow, PageRequest(filters=(("status", "draft"),)))
        assert drafts.total == 2
        beta = list_purchase_orders(uow, PageRequest(filters=(("supplier", "BETA"),)))
        assert [p.number for p in beta.items] == ["PO-000003"]
        with pytest.raises(ValidationFailed):
            list_purchase_orders(uow, PageRequest(filters=(("status", "lost"),)))
