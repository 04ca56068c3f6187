"""Sales over REST: price lists, orders with ATP, deliveries, invoices, credit notes, returns,
payments received; errors are problem+json naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.partners.partner import PartnerIn, create_partner

D = "2026-03-02"


@pytest.fixture
def stocked(gemba):
    """GEAR (10 on hand), PAINT lots L1 (good) and L2 (on hold), customer ACME."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo"))
        create_item(uow, ItemIn(code="PAINT", name="Paint", type="purchased", uom="ea",
                                costing_method="average", tracking="lot"))
        create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True,
                                      payment_terms_days=10))
        post_moves(uow, [MoveIn("GEAR", Decimal(10), "SUPPLIER", "WH/STOCK",
                                unit_cost=Decimal(2)),
                         MoveIn("PAINT", Decimal(5), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=Decimal(4), expiry_date=date(2027, 1, 1)),
                         MoveIn("PAINT", Decimal(5), "SUPPLIER", "WH/STOCK", lot="L2",
                                unit_cost=Decimal(4), expiry_date=date(2026, 12, 31))],
                   doc_type="receipt", doc_ref="GR-API", day=date(2026, 3, 1))
        hold_lot(uow, "PAINT", "L2", HoldIn(reason="lab"))
        uow.commit()


def problem(r, status: int) -> tuple[str, str]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    err = r.json()["errors"][0]
    return err["field"], err["rule"]


def test_price_lists_and_customer_default(client, stocked):
    r = client.post("/api/v1/price-lists", json={
        "code": "STD", "name": "Standard", "lines": [
            {"item": "GEAR", "unit_price": "10"},
            {"item": "GEAR", "min_qty": "5", "unit_price": "9"},
            {"item": "PAINT", "unit_price": "7.5"}]})
    assert r.status_code == 201, r.text
    assert r.json()["currency"] == "EUR" and len(r.json()["lines"]) == 3
    assert problem(client.post("/api/v1/price-lists", json={
        "code": "BAD", "name": "x", "lines": [{"item": "NOPE", "unit_price": "1"}]}),
        422) == ("lines[0].item", "exists")
    assert client.post("/api/v1/price-lists", json={"code": "STD", "name": "x"}) \
        .status_code == 409
    r = client.patch("/api/v1/price-lists/STD", json={"version": 1, "lines": [
        {"item": "GEAR", "unit_price": "11"}]})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert [Decimal(x["unit_price"]) for x in r.json()["lines"]] == [11]
    r = client.put("/api/v1/customers/ACME/price-list", json={"price_list": "STD"})
    assert r.json() == {"customer": "ACME", "price_list": "STD"}
    assert client.get("/api/v1/customers/ACME/price-list").json()["price_list"] == "STD"
    assert problem(client.put("/api/v1/customers/ACME/price-list",
                              json={"price_list": "NOPE"}), 422) == ("price_list", "exists")
    r = client.post("/api/v1/sales-orders", json={"customer": "ACME", "order_date": D,
                                                 "lines": [{"item": "GEAR", "qty": "2"}]})
    assert r.status_code == 201 and Decimal(r.json()["lines"][0]["unit_price"]) == 11
    assert client.delete("/api/v1/price-lists/STD").status_code == 409


def test_order_to_cash(client, stocked):
    r = client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "status": "quotation", "order_date": D, "tax_pct": "10",
        "requested_date": "2026-03-09",
        "lines": [{"item": "GEAR", "qty": "4", "unit_price": "10"},
                  {"item": "PAINT", "qty": "3", "unit_price": "8"}]})
    assert r.status_code == 201, r.text
    so = r.json()
    number = so["number"]
    assert so["status"] == "quotation" and Decimal(so["total"]) == Decimal("70.40")
    assert problem(client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "lines": [{"item": "GEAR", "qty": "1"}]}), 422) == \
        ("lines[0].unit_price", "price_required")
    assert problem(client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "lines": [{"item": "GEAR", "qty": "0", "unit_price": "1"}]}),
        422)[0] == "lines[0].qty"
    r = client.post(f"/api/v1/sales-orders/{number}/confirm", json={"version": 1})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert client.post(f"/api/v1/sales-orders/{number}/confirm").status_code == 409
    detail = client.get(f"/api/v1/sales-orders/{number}").json()
    assert [(a["line_no"], a["enough"]) for a in detail["atp"]] == [(10, True), (20, True)]
    assert {(x["line_no"], x["lot"], Decimal(x["qty"])) for x in detail["reservations"]} \
        == {(10, None, 4), (20, "L1", 3)}
    listed = client.get("/api/v1/sales-orders", params={"status": "confirmed"}).json()
    assert [o["number"] for o in listed["items"]] == [number]
    assert problem(client.get("/api/v1/sales-orders", params={"status": "nope"}), 422)[0] \
        == "status"

    # the held lot named explicitly: refused, nothing written
    r = client.post("/api/v1/deliveries", json={"order": number, "delivery_date": D, "lines": [
        {"line_no": 20, "qty": "1", "lot": "L2"}]})
    assert problem(r, 422) == ("lines[0].lot", "not_on_hold")
    assert problem(client.post("/api/v1/deliveries", json={"order": number, "lines": [
        {"line_no": 10, "qty": "5"}]}), 422) == ("lines[0].qty", "not_more_than_open")
    assert client.get("/api/v1/deliveries").json()["total"] == 0
    r = client.post("/api/v1/deliveries", json={"order": number, "delivery_date": D})
    assert r.status_code == 201, r.text
    dn = r.json()
    assert [(ln["line_no"], ln["picks"][0]["lot_code"]) for ln in dn["lines"]] == \
        [(10, None), (20, "L1")]
    assert client.get(f"/api/v1/sales-orders/{number}").json()["status"] == "delivered"

    assert problem(client.post("/api/v1/invoices", json={"order": number, "lines": [
        {"line_no": 10, "qty": "5"}]}), 422) == ("lines[0].qty", "not_more_than_delivered")
    r = client.post("/api/v1/invoices", json={"order": number, "invoice_date": D})
    assert r.status_code == 201, r.text
    inv = r.json()
    assert (Decimal(inv["total"]), inv["due_date"]) == (Decimal("70.40"), "2026-03-12")
    assert client.get(f"/api/v1/sales-orders/{number}").json()["status"] == "invoiced"

    r = client.post("/api/v1/returns", json={"delivery": dn["number"], "return_date": D,
                                            "lines": [{"line_no": 20, "qty": "1"}]})
    assert r.status_code == 201 and r.json()["lines"][0]["lot_code"] == "L1"
    assert problem(client.post("/api/v1/returns", json={
        "delivery": dn["number"], "lines": [{"line_no": 20, "qty": "3"}]}), 422) == \
        ("lines[0].qty", "not_more_than_delivered")
    r = client.post("/api/v1/credit-notes", json={"invoice": inv["number"], "credit_date": D,
                                                 "lines": [{"line_no": 20, "qty": "1"}]})
    assert r.status_code == 201, r.text
    assert Decimal(r.json()["total"]) == Decimal("8.80")
    assert problem(client.post("/api/v1/credit-notes", json={
        "invoice": inv["number"], "lines": [{"line_no": 20}]}), 422)[0] == "lines[0]"
    assert Decimal(client.get(f"/api/v1/invoices/{inv['number']}").json()["net_credited"]) == 8
    assert client.get("/api/v1/credit-notes", params={"invoice": inv["number"]}) \
        .json()["total"] == 1


def test_payment_received(client, stocked):
    number = client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "order_date": D,
        "lines": [{"item": "GEAR", "qty": "2", "unit_price": "10"}]}).json()["number"]
    client.post(f"/api/v1/sales-orders/{number}/confirm")
    client.post("/api/v1/deliveries", json={"order": number, "delivery_date": D})
    inv = client.post("/api/v1/invoices", json={"order": number, "invoice_date": D}).json()
    too_much = client.post("/api/v1/payments/received", json={
        "partner": "ACME", "date": D, "amount": "25",
        "allocations": [{"document": inv["number"], "amount": "25"}]})
    assert problem(too_much, 422) == ("allocations[0].amount", "not_more_than_owed")
    r = client.post("/api/v1/payments/received", json={"partner": "ACME", "date": D,
                                                       "amount": "20"})
    assert r.status_code == 201, r.text
    assert [(a["document"], Decimal(a["amount"])) for a in r.json()["allocations"]] == \
        [(inv["number"], 20)]
    assert r.json()["direction"] == "received"


def test_cancel_releases_and_unknown_order_is_404(client, stocked):
    number = client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "lines": [{"item": "GEAR", "qty": "3", "unit_price": "1"}]}
    ).json()["number"]
    client.post(f"/api/v1/sales-orders/{number}/confirm")
    r = client.post(f"/api/v1/sales-orders/{number}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/sales-orders/{number}").json()["reservations"] == []
    assert client.get("/api/v1/sales-orders/SO-999999").status_code == 404
    hist = client.get(f"/api/v1/sales-orders/{number}/history").json()
    assert [h["action"] for h in hist][:1] == ["create"]


def test_sales_role_sells_and_ships_but_does_not_invoice(gemba, stocked, make_user):
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    token = make_user("sam", ("sales",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as sam:
        number = sam.post("/api/v1/sales-orders", json={
            "customer": "ACME", "order_date": D,
            "lines": [{"item": "GEAR", "qty": "1", "unit_price": "5"}]}).json()["number"]
        assert sam.post(f"/api/v1/sales-orders/{number}/confirm").status_code == 200
        assert sam.post("/api/v1/deliveries", json={"order": number}).status_code == 201
        r = sam.post("/api/v1/invoices", json={"order": number})
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
        assert sam.post("/api/v1/payments/received", json={
            "partner": "ACME", "date": D, "amount": "1"}).status_code == 403
