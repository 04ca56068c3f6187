"""Firming, rough-cut capacity and promise dates over REST (the plant of ctp_testing,
planned as of Mon 2 March 2026)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ctp_testing import ids_of, load_capacity_plant, planned
from gemba.erp.sales.sales_order import SalesOrder

API = "/api/v1"
PROBLEM = "application/problem+json"


@pytest.fixture
def plant(gemba, client, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant")
    r = client.post(f"{API}/mrp/run", json={"today": "2026-03-02"})
    assert r.status_code == 200, r.text
    return gemba


def test_firm_by_ids_then_again(plant, client):
    tube = ids_of(plant, "TUBE", "purchase")
    r = client.post(f"{API}/mrp/firm", json={"ids": tube, "today": "2026-03-02"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["purchase_orders"]) == 1 and body["production_orders"] == []
    assert [(f["planned_order_id"], f["planned_qty"], f["qty"], f["due_date"], f["line_no"],
             f["supplier"]) for f in body["firmed"]] == [
        (tube[0], "6", "6", "2026-03-02", 1, "STEELCO"),
        (tube[1], "1.65", "2", "2026-03-11", 2, "STEELCO"),
        (tube[2], "4.95", "4.95", "2026-03-13", 3, "STEELCO")]
    po = client.get(f"{API}/purchase-orders/{body['purchase_orders'][0]}").json()
    assert po["status"] == "confirmed" and po["supplier"] == "STEELCO"
    r = client.post(f"{API}/mrp/firm", json={"ids": tube[:1]})
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    assert "no longer in the plan" in r.json()["detail"]


def test_firm_by_filter_and_bad_bodies(plant, client):
    r = client.post(f"{API}/mrp/firm", json={"item": "BIKE", "kind": "production"})
    assert r.status_code == 200, r.text
    numbers = r.json()["production_orders"]
    assert len(numbers) == 2
    for number in numbers:
        order = client.get(f"{API}/production-orders/{number}").json()
        assert (order["item_code"], order["status"]) == ("BIKE", "released")
    assert ("BIKE", "production") not in planned(plant)
    for body in ({}, {"ids": [1], "kind": "purchase"}, {"kind": "sideways"},
                 {"ids": [1], "extra": True}):
        r = client.post(f"{API}/mrp/firm", json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post(f"{API}/mrp/firm", json={"ids": []})
    assert r.status_code == 422


def test_firming_is_refused_without_the_rights(plant, gemba, make_user):
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    token = make_user("val", ("viewer",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        r = c.post(f"{API}/mrp/firm", json={"ids": ids_of(plant, "TUBE", "purchase")})
        assert r.status_code == 403
        assert c.get(f"{API}/capacity/rough-cut").status_code == 200  # may read


def test_rough_cut(plant, client):
    r = client.get(f"{API}/capacity/rough-cut",
                   params={"from": "2026-03-02", "weeks": 3, "today": "2026-03-02"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["weeks"] == ["2026-W10", "2026-W11", "2026-W12"]
    assert body["overloads"] == 1 and body["unrouted_items"] == []
    weld = next(w for w in body["work_centers"] if w["work_center"] == "WC-WELD")
    assert [(w["week"], w["load_hours"], w["capacity_hours"], w["free_hours"], w["overload"])
            for w in weld["weeks"]] == [("2026-W10", "6", "10", "4", False),
                                        ("2026-W11", "12", "10", "-2", True),
                                        ("2026-W12", "0", "10", "10", False)]
    assert sorted((x["work_center"], x["week"], x["item"], x["hours"])
                  for x in body["loads"]) == [
        ("WC-ASM", "2026-W11", "BIKE", "3.5"), ("WC-ASM", "2026-W12", "BIKE", "3.5"),
        ("WC-WELD", "2026-W10", "FRAME", "6"), ("WC-WELD", "2026-W11", "FRAME", "3.5"),
        ("WC-WELD", "2026-W11", "FRAME", "8.5")]
    assert client.get(f"{API}/capacity/rough-cut", params={"weeks": 0}).status_code == 422


def test_promise_dates(plant, client, gemba):
    # 4 SADDLE: none in stock, 2 working days -> Wednesday 4 March
    r = client.get(f"{API}/promise", params={"item": "SADDLE", "qty": "4",
                                             "today": "2026-03-02"})
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("date", "constraint", "available", "shortfall")} == {
        "date": "2026-03-04", "constraint": "purchase_lead_time", "available": "0",
        "shortfall": "4"}
    # 2 BIKE: the 2 on hand belong to SO-1; made from 4 WHEEL (stock), 2 FRAME (MO-3, due
    # Thu 5/03) and 2 SADDLE (Wed 4/03): start Thursday, 2 days -> Monday 9 March
    r = client.get(f"{API}/promise", params={"item": "BIKE", "qty": "2",
                                             "today": "2026-03-02"})
    body = r.json()
    assert (body["date"], body["constraint"]) == ("2026-03-09", "components")
    assert [(c["item"], c["date"], c["constraint"]) for c in body["components"]] == [
        ("FRAME", "2026-03-05", "supply"), ("SADDLE", "2026-03-04", "purchase_lead_time"),
        ("WHEEL", "2026-03-02", "stock")]
    for params in ({"item": "BIKE", "qty": "0"}, {"item": "BIKE"}):
        assert client.get(f"{API}/promise", params=params).status_code == 422
    assert client.get(f"{API}/promise", params={"item": "NOPE", "qty": "1"}).status_code == 404
    with gemba.session_factory() as s:
        number = s.scalar(select(SalesOrder.number).where(SalesOrder.customer_ref == "SO-1"))
    r = client.get(f"{API}/sales-orders/{number}/promise-dates",
                   params={"today": "2026-03-02"})
    assert r.status_code == 200, r.text
    (line,) = r.json()
    assert (line["line_no"], line["item"], line["qty"], line["available"]) == (
        10, "BIKE", "5", "2")
    assert line["date"] is not None and line["explanation"].startswith(
        "2 of 5 BIKE available to promise")
    assert client.get(f"{API}/sales-orders/NOPE/promise-dates").status_code == 404
