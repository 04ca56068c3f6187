"""The floor checks over REST: badge lookup, lot lookup, qualification refusal as problem+json,
clock on, backflush, and the ERP's full reference-data sync."""

from __future__ import annotations

from decimal import Decimal

from test_floor_checks import floor, run  # noqa: F401 - the fixture is used by name

from gemba.erp.personnel.qualification import QualificationIn, grant_qualification
from gemba.mes import work_order as wo_


def test_terminal_lookups_and_floor_rules_over_rest(gemba, client, floor):  # noqa: F811
    anna = client.get("/api/v1/mes/persons/by-badge/ANNA")
    assert anna.status_code == 200 and anna.json()["name"] == "Anna"
    assert client.get("/api/v1/mes/persons/by-badge/NOPE").status_code == 404
    lots = client.get("/api/v1/mes/lots", params={"code": "L1"}).json()
    assert [(lot["item"], Decimal(lot["available"]), lot["blocked"]) for lot in lots] == [
        ("STEEL", Decimal(30), False)]
    ops = f"/api/v1/mes/work-orders/{floor}/operations"
    refused = client.post(f"{ops}/10/start", json={"operator": "ANNA"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["errors"][0]["field"] == "operator"
    assert problem["errors"][0]["rule"] == "qualification"
    assert "does not hold qualification SAW" in problem["detail"]
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    run(gemba, grant_qualification, "BORIS", QualificationIn(skill="SAW"))
    body = client.post(f"{ops}/10/start", json={"operator": "ANNA"}).json()
    op10 = body["operations"][0]
    assert op10["skills"] == ["SAW"] and op10["instructions"].startswith("Cut 2 kg")
    assert client.post(f"{ops}/10/clock-on", json={"person": "BORIS"}).status_code == 200
    assert client.post(f"{ops}/10/clock-off", json={"person": "BORIS"}).status_code == 200
    assert client.post(f"{ops}/10/clock-off", json={"person": "BORIS"}).status_code == 409
    done = client.post(f"{ops}/10/complete", json={"good": "10", "backflush": True,
                                                   "minutes": "30"})
    assert done.status_code == 200, done.text
    left = client.get("/api/v1/mes/lots", params={"code": "L1"}).json()
    assert Decimal(left[0]["available"]) == 10  # 20 kg backflushed and applied by the ERP
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, floor).operation(10).status.value == "done"
    synced = client.post("/api/v1/mes/reference-data/sync")
    assert synced.status_code == 200 and synced.json() == {"persons": 2, "lots": 1}
