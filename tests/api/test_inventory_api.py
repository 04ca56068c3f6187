"""REST API of inventory: warehouses, locations, lots and holds, stock, the ledger,
operations, reversals and valuation; every refusal is problem+json naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.stock import ledger_matches_balances
from gemba.erp.inventory.valuation import inventory_value

PROBLEM = "application/problem+json"


def problem(r, status: int, field: str | None = None, rule: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    if field is not None:
        assert (body["errors"][0]["field"], body["errors"][0]["rule"]) == (field, rule), body
    return body


@pytest.fixture
def stocked(gemba):
    """GEAR (fifo): 10 at 3.00 in WH/STOCK; PAINT (lot, average): lot L1 20 at 5.00."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("3")))
        create_item(uow, ItemIn(code="PAINT", name="Paint", type="purchased", uom="ea",
                                costing_method="average", tracking="lot",
                                standard_cost=D("5")))
        post_moves(uow, [MoveIn("GEAR", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D("3")),
                         MoveIn("PAINT", D(20), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=D("5"), expiry_date=date(2099, 1, 1))],
                   doc_type="receipt", doc_ref="GR-1")
        uow.commit()
    return gemba


def test_warehouses_and_locations(client):
    r = client.post("/api/v1/warehouses", json={"code": "WH2", "name": "Second"})
    assert r.status_code == 201, r.text
    problem(client.post("/api/v1/warehouses", json={"code": "WH2", "name": "Again"}), 409)
    assert client.get("/api/v1/warehouses/WH2").json()["name"] == "Second"
    stock = client.get("/api/v1/locations/WH2/STOCK").json()
    assert stock["kind"] == "internal" and stock["warehouse_code"] == "WH2"
    r = client.post("/api/v1/locations", json={"code": "WH2/RACK-A", "name": "Rack A",
                                               "parent": "WH2/STOCK"})
    assert r.status_code == 201, r.text
    assert r.json()["warehouse_code"] == "WH2" and r.json()["parent_code"] == "WH2/STOCK"
    internal = client.get("/api/v1/locations", params={"kind": "internal"}).json()
    assert {x["code"] for x in internal["items"]} == {"WH/STOCK", "WH2/STOCK", "WH2/RACK-A"}
    scrap = client.get("/api/v1/locations/SCRAP").json()
    assert scrap["kind"] == "scrap" and scrap["counter_account"] == "5400"
    problem(client.post("/api/v1/locations", json={"code": "LOOSE", "name": "Loose"}), 422,
            "warehouse", "required")
    problem(client.post("/api/v1/locations", json={"code": "X", "name": "X",
                                                   "parent": "NOPE"}), 422, "parent", "exists")
    problem(client.post("/api/v1/locations", json={"code": "Q", "name": "Q",
                                                   "kind": "moon"}), 422, "kind", "enum")
    problem(client.post("/api/v1/locations", json={"code": "WH2/RACK-A", "name": "dup",
                                                   "warehouse": "WH2"}), 409)
    problem(client.get("/api/v1/locations", params={"kind": "moon"}), 422, "kind",
            "unknown_value")
    problem(client.get("/api/v1/locations/NOWHERE"), 404)


def test_stock_operations_and_ledger(client, stocked):
    r = client.post("/api/v1/warehouses", json={"code": "WH2", "name": "Second"})
    assert r.status_code == 201
    r = client.post("/api/v1/transfers", json={"item": "GEAR", "qty": "4",
                                               "from_location": "WH/STOCK",
                                               "to_location": "WH2/STOCK"})
    assert r.status_code == 201, r.text
    trf = r.json()["doc_ref"]
    assert trf.startswith("TRF-") and D(r.json()["moves"][0]["qty"]) == 4
    assert r.json()["moves"][0]["value"] in ("0", "0.0000")  # Decimals are strings
    lines = client.get("/api/v1/stock", params={"item": "GEAR"}).json()
    assert [(x["location"], D(x["on_hand"]), D(x["available"])) for x in lines] == [
        ("WH/STOCK", 6, 6), ("WH2/STOCK", 4, 4)]
    problem(client.post("/api/v1/transfers", json={"item": "GEAR", "qty": "7",
                                                   "from_location": "WH/STOCK",
                                                   "to_location": "WH2/STOCK"}),
            422, "qty", "enough_stock")
    problem(client.post("/api/v1/transfers", json={"item": "GEAR", "qty": "1",
                                                   "from_location": "WH/STOCK",
                                                   "to_location": "CUSTOMER"}),
            422, "to_location", "internal")
    problem(client.post("/api/v1/transfers", json={"item": "GEAR", "qty": "-1",
                                                   "from_location": "WH/STOCK",
                                                   "to_location": "WH2/STOCK"}),
            422, "qty", "greater_than")
    problem(client.post("/api/v1/transfers", json={"item": "NOPE", "qty": "1",
                                                   "from_location": "WH/STOCK",
                                                   "to_location": "WH2/STOCK"}),
            422, "item", "exists")

    adj = client.post("/api/v1/adjustments", json={"item": "GEAR", "location": "WH/STOCK",
                                                   "qty": "2", "unit_cost": "3.50",
                                                   "reason": "found behind the rack"})
    assert adj.status_code == 201, adj.text
    assert adj.json()["doc_ref"].startswith("ADJ-")
    assert D(adj.json()["moves"][0]["value"]) == D("7")
    problem(client.post("/api/v1/adjustments", json={"item": "GEAR", "location": "WH/STOCK",
                                                     "qty": "0", "reason": "nothing"}),
            422, "qty", "non_zero")
    problem(client.post("/api/v1/adjustments", json={"item": "GEAR", "location": "WH/STOCK",
                                                     "qty": "1"}), 422, "reason", "missing")
    cnt = client.post("/api/v1/counts", json={"location": "WH/STOCK", "lines": [
        {"item": "GEAR", "counted_qty": "5"}, {"item": "PAINT", "lot": "L1",
                                              "counted_qty": "20"}]})
    assert cnt.status_code == 201, cnt.text
    assert cnt.json()["doc_ref"].startswith("CNT-") and len(cnt.json()["moves"]) == 1
    problem(client.post("/api/v1/counts", json={"location": "WH/STOCK", "lines": []}),
            422, "lines", "too_short")
    problem(client.post("/api/v1/counts", json={"location": "WH/STOCK", "lines": [
        {"item": "GEAR", "counted_qty": "1"}, {"item": "GEAR", "counted_qty": "2"}]}),
        422, "lines[1].item", "unique")
    scr = client.post("/api/v1/scrap", json={"item": "PAINT", "location": "WH/STOCK",
                                             "lot": "L1", "qty": "2", "reason": "dented"})
    assert scr.status_code == 201, scr.text
    problem(client.post("/api/v1/scrap", json={"item": "PAINT", "location": "WH/STOCK",
                                               "qty": "2", "reason": "no lot"}),
            422, "lot", "required")

    moves = client.get("/api/v1/stock-moves", params={"doc_ref": trf}).json()
    assert moves["total"] == 1 and moves["items"][0]["kind"] == "transfer"
    assert moves["items"][0]["from_location"] == "WH/STOCK"
    paged = client.get("/api/v1/stock-moves", params={"limit": 2}).json()
    assert paged["total"] == 6 and len(paged["items"]) == 2
    assert paged["items"][0]["doc_ref"] == scr.json()["doc_ref"]  # newest first
    gear = client.get("/api/v1/stock-moves", params={"item": "GEAR", "kind": "adjustment"})
    assert gear.json()["total"] == 2  # the adjustment in and the count out
    problem(client.get("/api/v1/stock-moves", params={"kind": "teleport"}), 422, "kind",
            "unknown_value")
    problem(client.get("/api/v1/stock-moves", params={"colour": "red"}), 422, "colour",
            "unknown_filter")

    rev = client.post(f"/api/v1/stock-documents/{trf}/reverse", json={"reason": "wrong rack"})
    assert rev.status_code == 201, rev.text
    assert rev.json()["doc_ref"] == f"REV/{trf}"
    problem(client.post(f"/api/v1/stock-documents/{trf}/reverse", json={"reason": "again"}),
            409)
    problem(client.post("/api/v1/stock-documents/GR-404/reverse", json={"reason": "x"}),
            422, "doc_ref", "exists")
    problem(client.post(f"/api/v1/stock-documents/{trf}/reverse", json={"reason": ""}),
            422, "reason", "string_too_short")
    on_hand = client.get("/api/v1/stock", params={"location": "WH/STOCK"}).json()
    assert {x["item"]: D(x["on_hand"]) for x in on_hand} == {"GEAR": 9, "PAINT": 18}

    valuation = client.get("/api/v1/valuation").json()
    lines = {x["item"]: x for x in valuation["lines"]}
    assert D(lines["PAINT"]["value"]) == D("90") and D(lines["PAINT"]["unit_cost"]) == 5
    with stocked.uow() as uow:
        assert D(valuation["total"]) == inventory_value(uow)
        assert ledger_matches_balances(uow)


def test_lots_hold_and_release(client, stocked):
    lots = client.get("/api/v1/lots", params={"item": "PAINT"}).json()
    assert [(x["code"], x["on_hold"]) for x in lots["items"]] == [("L1", False)]
    assert lots["items"][0]["expiry_date"] == "2099-01-01"
    held = client.post("/api/v1/lots/PAINT/L1/hold", json={"reason": "lab check"})
    assert held.status_code == 200 and held.json()["hold_reason"] == "lab check"
    problem(client.post("/api/v1/lots/PAINT/L1/hold", json={"reason": "again"}), 409)
    problem(client.post("/api/v1/lots/PAINT/L1/hold", json={}), 422, "reason", "missing")
    assert client.get("/api/v1/lots", params={"on_hold": "true"}).json()["total"] == 1
    problem(client.get("/api/v1/lots", params={"on_hold": "maybe"}), 422, "on_hold",
            "boolean")
    stock = client.get("/api/v1/stock", params={"item": "PAINT"}).json()
    assert stock[0]["on_hold"] is True and stock[0]["lot"] == "L1"
    with stocked.uow() as uow:  # a held lot is not delivered
        from gemba.core.errors import ValidationFailed

        with pytest.raises(ValidationFailed) as exc:
            post_moves(uow, [MoveIn("PAINT", D(1), "WH/STOCK", "CUSTOMER", lot="L1")],
                       doc_type="delivery", doc_ref="DEL-1")
        assert exc.value.issues[0].rule == "not_on_hold"
    released = client.post("/api/v1/lots/PAINT/L1/release")
    assert released.status_code == 200 and released.json()["on_hold"] is False
    problem(client.post("/api/v1/lots/PAINT/L1/release"), 409)
    problem(client.get("/api/v1/lots/PAINT/NOPE"), 404)
    assert client.get("/api/v1/lots/PAINT/L1").json()["version"] == 3


def test_inventory_needs_permissions(gemba, make_user, stocked):
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    token = make_user("ola", ("operator",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        problem(c.get("/api/v1/stock"), 403)
    token = make_user("vic", ("viewer",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get("/api/v1/stock").status_code == 200
        problem(c.post("/api/v1/scrap", json={"item": "GEAR", "location": "WH/STOCK",
                                              "qty": "1", "reason": "x"}), 403)
