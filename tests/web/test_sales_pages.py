"""Sales pages: price lists, and sales orders from quotation to invoice through the forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gemba.core.listing import PageRequest
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.sales.sales_order import get_sales_order, list_sales_orders


@pytest.fixture
def stocked(gemba):
    """GEAR (10 on hand), PAINT lots L1 (good) and L2 (on hold), customer ACME."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo"))
        create_item(uow, ItemIn(code="PAINT", name="Paint", type="purchased", uom="ea",
                                costing_method="average", tracking="lot"))
        create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True))
        post_moves(uow, [MoveIn("GEAR", Decimal(10), "SUPPLIER", "WH/STOCK",
                                unit_cost=Decimal(2)),
                         MoveIn("PAINT", Decimal(5), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=Decimal(4), expiry_date=date(2099, 1, 1)),
                         MoveIn("PAINT", Decimal(5), "SUPPLIER", "WH/STOCK", lot="L2",
                                unit_cost=Decimal(4), expiry_date=date(2099, 1, 1))],
                   doc_type="receipt", doc_ref="GR-WEB", day=date(2026, 3, 1))
        hold_lot(uow, "PAINT", "L2", HoldIn(reason="lab"))
        uow.commit()


def only_order(gemba) -> str:
    with gemba.uow() as uow:
        (order,) = list_sales_orders(uow, PageRequest()).items
        return order.number


def test_price_list_pages(admin, stocked):
    r = admin.submit("/erp/price-lists/new", {
        "code": "STD", "name": "Standard", "currency": "EUR",
        "lines[0].item": "GEAR", "lines[0].unit_price": "10",
        "lines[1].item": "GEAR", "lines[1].min_qty": "5", "lines[1].unit_price": "9"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    page = admin.get("/erp/price-lists/STD").text
    assert "Standard" in page and "No customer has this" in page
    bad = admin.submit("/erp/price-lists/new", {"code": "X", "name": "X", "currency": "EUR",
                                                "lines[0].item": "NOPE",
                                                "lines[0].unit_price": "1"})
    assert bad.status_code == 422 and "does not exist" in bad.text
    assigned = admin.submit("/erp/price-lists/STD/actions/assign", {"customer": "ACME"})
    assert "Default price list set." in assigned.text and "Acme" in assigned.text
    edit = admin.get("/erp/price-lists/STD/edit").text
    assert 'value="9"' in edit
    saved = admin.submit("/erp/price-lists/STD/edit", {
        "version": "1", "name": "Standard 2026", "currency": "EUR",
        "lines[0].item": "GEAR", "lines[0].unit_price": "11"})
    assert "Price list STD saved." in saved.text and "11" in saved.text
    assert admin.get("/erp/price-lists").status_code == 200


def test_order_from_quotation_to_invoice(admin, gemba, stocked):
    missing = admin.submit("/erp/sales-orders/new", {
        "customer": "ACME", "status": "quotation", "tax_pct": "0",
        "lines[0].item": "GEAR", "lines[0].qty": "4"})
    assert missing.status_code == 422 and "give a unit price" in missing.text
    r = admin.submit("/erp/sales-orders/new", {
        "customer": "ACME", "status": "quotation", "tax_pct": "10",
        "lines[0].item": "GEAR", "lines[0].qty": "4", "lines[0].unit_price": "10",
        "lines[1].item": "PAINT", "lines[1].qty": "2", "lines[1].unit_price": "8"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    number = only_order(gemba)
    url = f"/erp/sales-orders/{number}"
    page = admin.get(url).text
    assert "quotation" in page and "Nothing reserved" in page and ">Confirm<" in page
    listed = admin.get("/erp/sales-orders?status=quotation").text
    assert number in listed
    assert number not in admin.get("/erp/sales-orders?status=confirmed").text

    confirmed = admin.submit(url + "/actions/confirm", {})
    assert "Order confirmed" in confirmed.text
    assert "L1" in confirmed.text and 'id="deliver-form"' in confirmed.text
    again = admin.submit(url + "/actions/confirm", {})
    assert again.status_code == 409

    held = admin.submit(url + "/deliver", {
        "lines[0].line_no": "10", "lines[0].qty": "4",
        "lines[1].line_no": "20", "lines[1].qty": "2", "lines[1].lot": "L2"})
    assert held.status_code == 422 and "on hold" in held.text
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "confirmed"
    too_many = admin.submit(url + "/deliver", {"lines[0].line_no": "10", "lines[0].qty": "5"})
    assert too_many.status_code == 422 and "left to deliver" in too_many.text
    first = admin.submit(url + "/deliver", {
        "lines[0].line_no": "10", "lines[0].qty": "4",
        "lines[1].line_no": "20", "lines[1].qty": ""})
    assert "posted." in first.text and "partially delivered" in first.text
    # line 10 is done: the only row left to deliver is line 20, drawn as lines[0]
    assert 'name="lines[0].lot"' in first.text and 'name="lines[1].lot"' not in first.text
    held = admin.submit(url + "/deliver", {"lines[0].line_no": "20", "lines[0].qty": "2",
                                           "lines[0].lot": "L2"})
    assert held.status_code == 422
    assert '<span class="field-error">lot L2 of PAINT is on hold' in held.text
    shipped = admin.submit(url + "/deliver", {"lines[0].line_no": "20", "lines[0].qty": "2"})
    assert "posted." in shipped.text and "DEL-" in shipped.text
    assert 'id="invoice-form"' in shipped.text

    billed = admin.submit(url + "/invoice", {"lines[0].line_no": "10", "lines[0].qty": "9"})
    assert billed.status_code == 422 and "delivered and not invoiced" in billed.text
    billed = admin.submit(url + "/invoice", {
        "lines[0].line_no": "10", "lines[0].qty": "4",
        "lines[1].line_no": "20", "lines[1].qty": "2"})
    assert "Invoice INV-" in billed.text and "61.6 due" in billed.text
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "invoiced"
    assert 'id="invoice-form"' not in billed.text


def test_sales_pages_follow_permissions(web, add_user, stocked):
    add_user("vera", ("viewer",))
    web.login("vera")
    assert web.get("/erp/sales-orders").status_code == 200
    assert 'href="/erp/sales-orders/new"' not in web.get("/erp/sales-orders").text
    assert web.get("/erp/sales-orders/new").status_code == 403
    add_user("opal", ("operator",))
    web.post("/logout", data={"csrf_token": web.token()})
    web.login("opal")
    assert web.get("/erp/sales-orders").status_code == 403


def test_credit_note_and_return_from_the_order_page(admin, stocked, gemba):
    from gemba.erp.inventory.stock import on_hand
    from gemba.erp.sales.delivery import DeliveryIn, deliver
    from gemba.erp.sales.invoice import InvoiceIn, create_invoice
    from gemba.erp.sales.sales_order import (
        SalesOrderIn,
        confirm_sales_order,
        create_sales_order,
    )

    with gemba.uow() as uow:
        order = create_sales_order(uow, SalesOrderIn.model_validate({
            "customer": "ACME", "lines": [{"item": "GEAR", "qty": "4", "unit_price": "10"}]}))
        confirm_sales_order(uow, order.number)
        dn = deliver(uow, DeliveryIn.model_validate({"order": order.number}))
        inv = create_invoice(uow, InvoiceIn.model_validate({"order": order.number}))
        uow.commit()
        number, dn_number, inv_number = order.number, dn.number, inv.number
    page = admin.get(f"/erp/sales-orders/{number}").text
    assert "Post credit note" in page and "Book return" in page
    too_many = admin.submit(f"/erp/sales-orders/{number}/actions/return", {
        "delivery": dn_number, "line_no": "10", "qty": "9", "reason": "damaged"})
    assert too_many.status_code == 422 and 'id="err-qty"' in too_many.text
    back = admin.submit(f"/erp/sales-orders/{number}/actions/return", {
        "delivery": dn_number, "line_no": "10", "qty": "1", "reason": "damaged"})
    assert "Return booked" in back.text
    credited = admin.submit(f"/erp/sales-orders/{number}/actions/credit", {
        "invoice": inv_number, "line_no": "10", "qty": "1", "reason": "damaged"})
    assert "Credit note posted." in credited.text and "damaged" in credited.text
    with gemba.uow() as uow:
        assert on_hand(uow, "GEAR") == 7
