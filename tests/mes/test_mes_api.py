"""The MES REST resources: supervisor and operator actions, dispatch lists, WIP, problems."""

from __future__ import annotations

from fastapi.testclient import TestClient
from mes_helpers import D, receive


def test_work_order_lifecycle_over_rest(gemba, client, make_user):
    receive(gemba, "MO-R1", qty="10")
    receive(gemba, "MO-R2", qty="5", priority=3)
    listed = client.get("/api/v1/mes/work-orders", params={"status": "received"}).json()
    assert [w["number"] for w in listed["items"]] == ["MO-R2", "MO-R1"]
    assert client.get("/api/v1/mes/work-orders", params={"status": "nope"}).status_code == 422
    for n in ("MO-R1", "MO-R2"):
        assert client.post(f"/api/v1/mes/work-orders/{n}/release").status_code == 200
    r = client.post("/api/v1/mes/work-orders/MO-R1/priority", json={"priority": 8})
    assert r.status_code == 200 and r.json()["priority"] == 8
    assert [d["number"] for d in client.get("/api/v1/mes/dispatch/WC-CUT").json()] == [
        "MO-R1", "MO-R2"]
    split = client.post("/api/v1/mes/work-orders/MO-R1/split", json={"qty": "3"})
    assert split.status_code == 201 and split.json()["number"] == "MO-R1-S1"
    ops = "/api/v1/mes/work-orders/MO-R1/operations"
    assert client.post(f"{ops}/10/start", json={"operator": "ANNA"}).status_code == 200
    again = client.post(f"{ops}/10/start", json={"operator": "ANNA"})
    assert again.status_code == 409 and again.headers["content-type"].startswith(
        "application/problem+json")
    bad = client.post(f"{ops}/10/consume", json={"item": "COPPER", "qty": "1"})
    assert bad.status_code == 422 and "item" in bad.text
    assert client.post(f"{ops}/10/consume", json={"item": "STEEL", "lot": "L1",
                                                  "qty": "14"}).status_code == 200
    assert client.post(f"{ops}/10/pause", json={"reason": "break"}).status_code == 200
    assert client.post(f"{ops}/10/resume").status_code == 200
    over = client.post(f"{ops}/10/complete", json={"good": "8"})
    assert over.status_code == 422 and "good" in over.text  # 7 left after the split
    done = client.post(f"{ops}/10/complete", json={"good": "6", "scrap": "1",
                                                   "scrap_reason": "burr", "minutes": "20"})
    assert done.status_code == 200, done.text
    body = client.get("/api/v1/mes/work-orders/MO-R1").json()
    assert [(w["seq"], D(w["queued"]), D(w["completed"]), D(w["scrapped"]))
            for w in body["wip"]] == [(10, 0, 6, 1), (20, 6, 0, 0)]
    assert body["operations"][0]["status"] == "done"
    gen = client.get("/api/v1/mes/work-orders/MO-R1/genealogy").json()
    assert [(i["item"], i["lot"], D(i["qty"])) for i in gen["inputs"]] == [("STEEL", "L1", 14)]
    assert client.post("/api/v1/mes/work-orders/MO-R2/hold",
                       json={"reason": "check"}).json()["status"] == "held"
    assert client.post("/api/v1/mes/work-orders/MO-R2/unhold").json()["status"] == "released"
    assert client.post("/api/v1/mes/work-orders/MO-R2/cancel").json()["status"] == "cancelled"
    assert client.get("/api/v1/mes/rejections").json() == []
    # operators run operations but do not release or split
    token = make_user("olga", roles=("operator",))
    from gemba.api.app import create_app

    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as op:
        assert op.post("/api/v1/mes/work-orders/MO-R1-S1/split",
                       json={"qty": "1"}).status_code == 403
        assert op.post("/api/v1/mes/work-orders/MO-R1-S1/operations/10/start",
                       json={"operator": "OLGA"}).status_code == 200
