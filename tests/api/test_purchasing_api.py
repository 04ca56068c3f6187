"""Purchasing over REST: partners, supplier items, purchase orders, receipts, bills and
supplier payments, with problem+json errors naming the offending field."""

from __future__ import annotations

from decimal import Decimal as D

API = "/api/v1"
PROBLEM = "application/problem+json"


def problem(r, status: int) -> tuple[str, str]:
    """(field, rule) of the first issue of a problem+json response."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["detail"]
    return body["errors"][0]["field"], body["errors"][0]["rule"]


def conflict(r) -> str:
    """The detail of a 409 problem+json response."""
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return str(r.json()["detail"])


def setup_master_data(client) -> None:
    for body in ({"code": "ACME", "name": "Acme", "is_supplier": True},
                 {"code": "SHOP", "name": "Shop", "is_customer": True}):
        assert client.post(f"{API}/partners", json=body).status_code == 201
    for code, tracking in (("GEAR", "none"), ("PAINT", "lot")):
        r = client.post(f"{API}/items", json={"code": code, "name": code.title(),
                                              "type": "purchased", "uom": "ea",
                                              "tracking": tracking, "costing_method": "fifo"})
        assert r.status_code == 201, r.text
    r = client.post(f"{API}/supplier-items", json={
        "supplier": "ACME", "item": "GEAR", "min_qty": "10", "lead_time_days": 3,
        "price_breaks": [{"min_qty": "0", "unit_price": "2.00"},
                         {"min_qty": "100", "unit_price": "1.80"}]})
    assert r.status_code == 201, r.text


def test_partners_customers_and_suppliers(client):
    setup_master_data(client)
    suppliers = client.get(f"{API}/partners", params={"is_supplier": "true"}).json()
    assert [p["code"] for p in suppliers["items"]] == ["ACME"]
    customers = client.get(f"{API}/partners", params={"is_customer": "true"}).json()
    assert [p["code"] for p in customers["items"]] == ["SHOP"]
    assert problem(client.get(f"{API}/partners", params={"is_customer": "maybe"}),
                   422) == ("is_customer", "boolean")
    assert problem(client.post(f"{API}/partners", json={"code": "X", "name": "X"}),
                   422) == ("is_customer", "role_required")
    assert problem(client.post(f"{API}/partners", json={
        "code": "Y", "name": "Y", "is_supplier": True, "payment_terms_days": 999}),
        422)[0] == "payment_terms_days"
    assert client.post(f"{API}/partners", json={"code": "ACME", "name": "A",
                                                "is_supplier": True}).status_code == 409
    r = client.patch(f"{API}/partners/SHOP", json={"version": 1, "is_supplier": True,
                                                   "payment_terms_days": 10})
    assert r.status_code == 200 and r.json()["is_supplier"] and r.json()["version"] == 2
    assert client.patch(f"{API}/partners/SHOP", json={"version": 1, "name": "Z"}
                        ).status_code == 409
    assert client.get(f"{API}/partners/NOPE").status_code == 404
    assert [h["action"] for h in client.get(f"{API}/partners/SHOP/history").json()] == [
        "create", "update"]


def test_supplier_items(client):
    setup_master_data(client)
    items = client.get(f"{API}/supplier-items", params={"supplier": "ACME"}).json()["items"]
    assert [(i["item_code"], [D(b["unit_price"]) for b in i["price_breaks"]])
            for i in items] == [("GEAR", [2, D("1.8")])]
    key = items[0]["id"]
    r = client.patch(f"{API}/supplier-items/{key}", json={"version": 1, "preferred": True})
    assert r.status_code == 200 and r.json()["preferred"]
    assert problem(client.post(f"{API}/supplier-items", json={
        "supplier": "SHOP", "item": "GEAR"}), 422) == ("supplier", "is_supplier")
    assert problem(client.post(f"{API}/supplier-items", json={
        "supplier": "ACME", "item": "PAINT", "price_breaks": [
            {"min_qty": "5", "unit_price": "1"}, {"min_qty": "5", "unit_price": "2"}]}),
        422) == ("price_breaks[1].min_qty", "unique")
    assert client.delete(f"{API}/supplier-items/{key}", params={"version": 2}
                         ).status_code == 204
    assert client.get(f"{API}/supplier-items/{key}").status_code == 404


def test_purchase_order_to_bill(client):
    setup_master_data(client)
    low = client.post(f"{API}/purchase-orders", json={
        "supplier": "ACME", "lines": [{"item": "GEAR", "qty": "5"}]})
    assert problem(low, 422) == ("lines[0].qty", "min_qty")
    assert problem(client.post(f"{API}/purchase-orders", json={
        "supplier": "ACME", "lines": [{"item": "GEAR", "qty": "-1"}]}), 422)[0] == \
        "lines[0].qty"
    r = client.post(f"{API}/purchase-orders", json={
        "supplier": "ACME", "order_date": "2026-03-02", "lines": [{"item": "GEAR",
                                                                   "qty": "20"}]})
    assert r.status_code == 201, r.text
    po = r.json()
    number = po["number"]
    assert po["status"] == "draft" and po["lines"][0]["unit_price"] == "2.0000"
    assert po["lines"][0]["expected_date"] == "2026-03-05"
    assert "draft" in conflict(client.post(f"{API}/receipts", json={
        "order": number, "lines": [{"po_line": 1, "qty": "1"}]}))
    r = client.patch(f"{API}/purchase-orders/{number}", json={
        "version": 1, "lines": [{"item": "GEAR", "qty": "100"},
                                {"item": "PAINT", "qty": "10", "unit_price": "4"}]})
    assert r.status_code == 200, r.text
    assert [(x["line_no"], D(x["unit_price"])) for x in r.json()["lines"]] == [
        (1, D("1.8")), (2, D(4))]
    confirmed = client.post(f"{API}/purchase-orders/{number}/confirm", json={"version": 2})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert "only a draft" in conflict(client.patch(f"{API}/purchase-orders/{number}", json={
        "version": 3, "notes": "late"}))
    listed = client.get(f"{API}/purchase-orders", params={"status": "confirmed"}).json()
    assert [p["number"] for p in listed["items"]] == [number]

    over = client.post(f"{API}/receipts", json={"order": number, "date": "2026-03-04",
                                                 "lines": [{"po_line": 1, "qty": "101"}]})
    assert problem(over, 422) == ("lines[0].qty", "within_tolerance")
    no_lot = client.post(f"{API}/receipts", json={"order": number,
                                                   "lines": [{"po_line": 2, "qty": "10"}]})
    assert problem(no_lot, 422) == ("lines[0].lot", "required")
    r = client.post(f"{API}/receipts", json={"order": number, "date": "2026-03-04", "lines": [
        {"po_line": 1, "qty": "100"},
        {"po_line": 2, "qty": "10", "lot": "L1", "expiry_date": "2027-01-01"}]})
    assert r.status_code == 201, r.text
    line = r.json()["lines"][1]
    assert (line["po_line"], line["item_code"], D(line["qty"]), line["lot"],
            line["expiry_date"]) == (2, "PAINT", D(10), "L1", "2027-01-01")
    assert client.get(f"{API}/purchase-orders/{number}").json()["status"] == "received"

    too_many = client.post(f"{API}/bills", json={
        "supplier_ref": "INV-1", "date": "2026-03-06", "order": number,
        "lines": [{"po_line": 1, "qty": "101"}]})
    assert problem(too_many, 422) == ("lines[0].qty", "received_not_billed")
    r = client.post(f"{API}/bills", json={
        "supplier_ref": "INV-1", "date": "2026-03-06", "order": number, "tax_pct": "10",
        "lines": [{"po_line": 1, "qty": "100", "unit_price": "1.85"}]})
    assert r.status_code == 201, r.text
    bill = r.json()
    assert (D(bill["total"]), D(bill["price_variance"]), bill["due_date"]) == (
        D("203.5"), D(5), "2026-04-05")
    dup = client.post(f"{API}/bills", json={
        "supplier_ref": "INV-1", "date": "2026-03-06", "order": number,
        "lines": [{"po_line": 2, "qty": "1"}]})
    assert "already booked" in conflict(dup)
    assert client.get(f"{API}/purchase-orders/{number}").json()["status"] == "billed"
    match = client.get(f"{API}/purchase-orders/{number}/match").json()
    assert [(D(m["qty_received"]), D(m["qty_billed"]), D(m["price_variance"]), m["matched"])
            for m in match] == [(100, 100, 5, False), (10, 0, 0, False)]
    assert client.get(f"{API}/bills/{bill['number']}").json()["lines"][0]["po_line"] == 1
    closed = client.post(f"{API}/purchase-orders/{number}/close", json={"reason": "done"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert problem(client.post(f"{API}/purchase-orders/{number}/close", json={}), 422)[0] == \
        "reason"


def test_reverse_and_cancel(client):
    setup_master_data(client)
    number = client.post(f"{API}/purchase-orders", json={
        "supplier": "ACME", "lines": [{"item": "GEAR", "qty": "10"}]}).json()["number"]
    client.post(f"{API}/purchase-orders/{number}/confirm")
    gr = client.post(f"{API}/receipts", json={"order": number, "lines": [
        {"po_line": 1, "qty": "4"}]}).json()["number"]
    assert "received" in conflict(client.post(f"{API}/purchase-orders/{number}/cancel"))
    r = client.post(f"{API}/receipts/{gr}/reverse", json={"reason": "wrong parts"})
    assert r.status_code == 200 and r.json()["reversed"]
    assert "already reversed" in conflict(
        client.post(f"{API}/receipts/{gr}/reverse", json={"reason": "x"}))
    cancelled = client.post(f"{API}/purchase-orders/{number}/cancel",
                            json={"reason": "no longer needed"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"{API}/receipts", params={"order": number}).json()["total"] == 1
    assert client.get(f"{API}/purchase-orders/NOPE").status_code == 404


def test_paying_a_supplier(client, gemba):
    setup_master_data(client)
    number = client.post(f"{API}/purchase-orders", json={
        "supplier": "ACME", "lines": [{"item": "GEAR", "qty": "10"}]}).json()["number"]
    client.post(f"{API}/purchase-orders/{number}/confirm")
    client.post(f"{API}/receipts", json={"order": number, "lines": [{"po_line": 1,
                                                                      "qty": "10"}]})
    bill = client.post(f"{API}/bills", json={"supplier_ref": "B1", "date": "2026-03-06",
                                             "order": number,
                                             "lines": [{"po_line": 1, "qty": "10"}]}).json()
    assert D(bill["total"]) == 20
    over = client.post(f"{API}/payments/sent", json={"partner": "ACME", "date": "2026-03-10",
                                                     "amount": "20.01"})
    assert problem(over, 422) == ("amount", "not_more_than_owed")
    wrong = client.post(f"{API}/payments/sent", json={"partner": "SHOP", "date": "2026-03-10",
                                                      "amount": "1"})
    assert problem(wrong, 422) == ("partner", "is_supplier")
    r = client.post(f"{API}/payments/sent", json={
        "partner": "ACME", "date": "2026-03-10", "amount": "20",
        "allocations": [{"document": bill["number"], "amount": "20"}]})
    assert r.status_code == 201, r.text
    assert r.json()["direction"] == "sent" and r.json()["partner"] == "ACME"
    assert D(client.get(f"{API}/payments/sent/{r.json()['number']}").json()["amount"]) == 20
