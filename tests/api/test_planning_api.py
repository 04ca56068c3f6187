"""MRP over REST: run (regenerative or net change), then read planned orders, exceptions and
an item's MRP table; errors are problem+json."""

from __future__ import annotations

import pytest

from gemba.erp.planning.run import forget_cache
from mrp_testing import EXPECTED, TODAY, load_plant, without_messages

API = "/api/v1/mrp"
PROBLEM = "application/problem+json"


@pytest.fixture
def plant(gemba, client, tmp_path):
    forget_cache()
    assert load_plant(gemba, tmp_path / "in").ok
    yield client
    forget_cache()


def test_run_returns_the_summary_and_the_plan(plant):
    r = plant.post(f"{API}/run", json={"today": TODAY})
    assert r.status_code == 200, r.text
    body = r.json()
    summary = body.pop("summary")
    assert without_messages(body) == EXPECTED
    assert (summary["mode"], summary["today"], summary["items"], summary["planned_orders"],
            summary["exceptions"]) == ("regenerative", TODAY, 4, 7, 3)
    assert body["exceptions"][1]["message"].startswith("Reschedule purchase order PO-7 out")


def test_net_change_through_the_api(plant):
    assert plant.post(f"{API}/run", json={"today": TODAY}).status_code == 200
    r = plant.post("/api/v1/sales-orders", json={
        "customer": "IMPORTED", "order_date": TODAY, "lines": [
            {"item": "FRAME", "qty": "2", "unit_price": "1", "requested_date": "2026-03-19"}]})
    assert r.status_code == 201, r.text
    assert plant.post(f"/api/v1/sales-orders/{r.json()['number']}/confirm").status_code == 200
    r = plant.post(f"{API}/run", json={"today": TODAY, "changed_items": ["FRAME"]})
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["mode"] == "net_change"
    frames = [o for o in r.json()["planned_orders"] if o["item"] == "FRAME"]
    assert [(o["qty"], o["due_date"]) for o in frames][-1] == ("2", "2026-03-19")


def test_reading_the_stored_plan(plant):
    assert plant.post(f"{API}/run", json={"today": TODAY}).status_code == 200
    page = plant.get(f"{API}/planned-orders", params={"item": "TUBE"}).json()
    assert page["total"] == 3
    assert [(o["qty"], o["expedite"], o["pegging"]) for o in page["items"]] == [
        ("6", True, []), ("1.65", False, [{"demand_ref": "SO-1", "qty": "1.65"}]),
        ("4.95", False, [{"demand_ref": "FC-W12", "qty": "4.95"}])]
    production = plant.get(f"{API}/planned-orders", params={"kind": "production"}).json()
    assert {o["item"] for o in production["items"]} == {"BIKE", "FRAME"}
    excs = plant.get(f"{API}/exceptions", params={"item": "WHEEL"}).json()
    assert [(e["kind"], e["ref"], e["date"]) for e in excs["items"]] == [
        ("reschedule_out", "PO-7", "2026-03-16")]
    table = plant.get(f"{API}/items/FRAME").json()
    assert [(r["date"], r["gross"], r["receipts"], r["projected_on_hand"], r["planned"])
            for r in table["rows"]] == [
        ("2026-03-02", "0", "0", "0", "0"), ("2026-03-05", "0", "2", "2", "0"),
        ("2026-03-12", "3", "0", "0", "1"), ("2026-03-16", "3", "0", "0", "3")]
    assert [o["qty"] for o in table["planned_orders"]] == ["1", "3"]
    assert [e["ref"] for e in table["exceptions"]] == ["MO-3"]


def test_errors_are_problems(plant, make_user):
    r = plant.get(f"{API}/items/NOPE")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = plant.get(f"{API}/planned-orders", params={"colour": "red"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = plant.post(f"{API}/run", json={"today": "2026-02-30"})
    assert r.status_code == 422
    r = plant.post(f"{API}/run", json={"today": TODAY, "horizon": 3})
    assert r.status_code == 422
    token = make_user("vic", roles=("viewer",))
    r = plant.post(f"{API}/run", json={"today": TODAY},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "planning.write" in r.json()["detail"]
    r = plant.get(f"{API}/planned-orders", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
