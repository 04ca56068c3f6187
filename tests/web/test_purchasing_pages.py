"""Purchasing pages: partners, and a purchase order created, confirmed, received, billed and
closed through the web UI."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.partners.partner import PartnerIn, create_partner, get_partner
from gemba.erp.purchasing.purchase_order import POStatus, get_purchase_order


@pytest.fixture
def catalog(gemba):
    with gemba.uow() as uow:
        create_partner(uow, PartnerIn(code="ACME", name="Acme Supplies", is_supplier=True))
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo"))
        create_item(uow, ItemIn(code="PAINT", name="Paint", type="purchased", uom="ea",
                                costing_method="average", tracking="lot", shelf_life_days=30))
        uow.commit()


def test_partner_pages(admin, gemba):
    r = admin.submit("/erp/partners/new", {"code": "SHOP", "name": "The Shop",
                                           "is_customer": "on", "payment_terms_days": "14"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/partners/SHOP"
    no_role = admin.submit("/erp/partners/new", {"code": "X", "name": "X",
                                                 "payment_terms_days": "30"})
    assert no_role.status_code == 422 and "a customer, a supplier or both" in no_role.text
    edited = admin.submit("/erp/partners/SHOP/edit", {
        "version": "1", "name": "The Shop", "is_customer": "on", "is_supplier": "on",
        "payment_terms_days": "20", "email": "", "address": "", "tax_id": "",
        "credit_limit": ""}, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    with gemba.uow() as uow:
        shop = get_partner(uow, "SHOP")
        assert shop.is_supplier and shop.payment_terms_days == 20
    suppliers = admin.get("/erp/partners?is_supplier=true").text
    assert 'href="/erp/partners/SHOP"' in suppliers
    assert 'href="/erp/partners/SHOP"' not in admin.get("/erp/partners?is_customer=false").text
    detail = admin.get("/erp/partners/SHOP").text
    assert "Supplier items" in detail and "Purchase orders" in detail


def test_purchase_order_through_the_web(admin, gemba, catalog):
    page = admin.get("/erp/purchase-orders/new")
    assert page.status_code == 200 and 'name="lines[0].item"' in page.text
    bad = admin.submit("/erp/purchase-orders/new", {
        "supplier": "ACME", "receipt_tolerance_pct": "0",
        "lines[0].item": "NOPE", "lines[0].qty": "5", "lines[0].unit_price": "2"})
    assert bad.status_code == 422 and "item &#39;NOPE&#39; does not exist" in bad.text
    r = admin.submit("/erp/purchase-orders/new", {
        "supplier": "ACME", "order_date": "2026-03-02", "receipt_tolerance_pct": "0",
        "lines[0].item": "GEAR", "lines[0].qty": "10", "lines[0].unit_price": "2.50",
        "lines[1].item": "", "lines[1].qty": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert url == "/erp/purchase-orders/PO-000001"
    draft = admin.get(url).text
    assert "draft" in draft and "/actions/confirm" in draft and "GEAR" in draft

    edited = admin.submit(url + "/edit", {
        "version": "1", "order_date": "2026-03-02", "receipt_tolerance_pct": "0",
        "expected_date": "", "notes": "",
        "lines[0].item": "GEAR", "lines[0].qty": "10", "lines[0].unit_price": "2.50",
        "lines[1].item": "PAINT", "lines[1].qty": "4", "lines[1].unit_price": "6"},
        follow_redirects=False)
    assert edited.status_code == 303, edited.text

    confirmed = admin.submit(url + "/actions/confirm", {})
    assert "Purchase order confirmed." in confirmed.text
    with gemba.uow() as uow:
        assert get_purchase_order(uow, "PO-000001").status == POStatus.CONFIRMED
    assert 'id="receive-1"' in confirmed.text and "/actions/confirm" not in confirmed.text
    listed = admin.get("/erp/purchase-orders?status=confirmed").text
    assert 'href="/erp/purchase-orders/PO-000001"' in listed

    over = admin.submit(url + "/actions/receive", {"po_line": "1", "qty": "11"})
    assert over.status_code == 422 and "no over-receipt" in over.text
    no_lot = admin.submit(url + "/actions/receive", {"po_line": "2", "qty": "4"})
    assert no_lot.status_code == 422 and "needs a lot" in no_lot.text
    got = admin.submit(url + "/actions/receive", {"po_line": "1", "qty": "10"})
    assert "Goods received." in got.text
    got = admin.submit(url + "/actions/receive", {"po_line": "2", "qty": "4", "lot": "P1",
                                                  "expiry_date": "2027-01-31"})
    assert "Goods received." in got.text and "expires 2027-01-31" in got.text
    billed = admin.submit(url + "/actions/bill", {"supplier_ref": "AC-77", "tax_pct": "10",
                                                  "date": "2026-03-10"})
    assert "Bill booked." in billed.text and "BILL-000001" in billed.text
    assert "matched" in billed.text
    with gemba.uow() as uow:
        po = get_purchase_order(uow, "PO-000001")
        assert po.status == POStatus.CLOSED
        assert [x.qty_billed for x in po.lines] == [Decimal(10), Decimal(4)]
    again = admin.submit(url + "/actions/bill", {"supplier_ref": "AC-78"})
    assert again.status_code == 422 and "nothing received" in again.text
    assert "PO-000001" in admin.get("/erp/partners/ACME").text
    assert "confirmed" in admin.get(url + "/history").text


def test_cancel_and_close_from_the_page(admin, gemba, catalog):
    def new_po() -> str:
        r = admin.submit("/erp/purchase-orders/new", {
            "supplier": "ACME", "receipt_tolerance_pct": "0",
            "lines[0].item": "GEAR", "lines[0].qty": "10", "lines[0].unit_price": "1"},
            follow_redirects=False)
        assert r.status_code == 303, r.text
        return r.headers["location"]

    first = new_po()
    assert "Purchase order cancelled." in admin.submit(first + "/actions/cancel", {}).text
    second = new_po()
    admin.submit(second + "/actions/confirm", {})
    admin.submit(second + "/actions/receive", {"po_line": "1", "qty": "3"})
    reversed_ = admin.submit(second + "/actions/reverse", {"receipt": "GR-000001",
                                                           "reason": "damaged"})
    assert "Receipt reversed." in reversed_.text and "damaged" in reversed_.text
    admin.submit(second + "/actions/receive", {"po_line": "1", "qty": "3"})
    no_reason = admin.submit(second + "/actions/close", {"reason": ""})
    assert no_reason.status_code == 422
    closed = admin.submit(second + "/actions/close", {"reason": "rest not needed"})
    assert "Purchase order closed." in closed.text
    with gemba.uow() as uow:
        assert get_purchase_order(uow, "PO-000001").status == POStatus.CANCELLED
        po = get_purchase_order(uow, "PO-000002")
        assert po.status == POStatus.CLOSED and po.close_reason == "rest not needed"


def test_purchasing_pages_need_purchasing_permission(web, add_user):
    add_user("sam", ("supervisor",))
    web.login("sam")
    assert 'href="/erp/purchase-orders"' not in web.get("/").text
    assert web.get("/erp/purchase-orders").status_code == 403
