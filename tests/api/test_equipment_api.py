"""Equipment hierarchy and calendars over REST: problem+json errors, scoping, history."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from gemba.api.app import create_app

API = "/api/v1"


def build_plant(client) -> None:
    for body in (
        {"code": "ENT", "name": "Acme", "level": "enterprise"},
        {"code": "S1", "name": "Berlin", "level": "site", "parent": "ENT"},
        {"code": "S2", "name": "Munich", "level": "site", "parent": "ENT"},
        {"code": "A1", "name": "Assembly", "level": "area", "parent": "S1"},
        {"code": "A2", "name": "Machining", "level": "area", "parent": "S2"},
        {"code": "WC1", "name": "Line 1", "level": "work_center", "parent": "A1",
         "kind": "production_line", "hours_per_day": "8"},
        {"code": "WC2", "name": "Cell 2", "level": "work_center", "parent": "A2",
         "kind": "work_cell", "hours_per_day": "7.5"},
        {"code": "WU1", "name": "Robot", "level": "work_unit", "parent": "WC1",
         "kind": "machine"},
    ):
        r = client.post(f"{API}/equipment", json=body)
        assert r.status_code == 201, r.text


def as_user(gemba, token: str) -> TestClient:
    return TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"})


def test_equipment_lifecycle_and_errors(client):
    build_plant(client)
    wc1 = client.get(f"{API}/equipment/WC1").json()
    assert (wc1["site_code"], wc1["parent_code"], Decimal(wc1["hours_per_day"])) == (
        "S1", "A1", Decimal(8))
    wrong = client.post(f"{API}/equipment", json={"code": "X", "name": "X",
                                                  "level": "work_center", "parent": "S1"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["errors"][0]["field"] == "parent"
    assert "must be under a area" in wrong.json()["errors"][0]["message"]
    dup = client.post(f"{API}/equipment", json={"code": "WC1", "name": "X",
                                                "level": "work_center", "parent": "A1"})
    assert dup.status_code == 409
    missing = client.post(f"{API}/equipment", json={"code": "X", "level": "area"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "name"
    hours = client.post(f"{API}/equipment", json={"code": "X", "name": "X", "parent": "A1",
                                                  "level": "work_center", "hours_per_day": 25})
    assert hours.status_code == 422 and hours.json()["errors"][0]["field"] == "hours_per_day"
    assert client.get(f"{API}/equipment", params={"code": "X"}).json()["total"] == 0

    ok = client.patch(f"{API}/equipment/A1", json={"version": 1, "parent": "S2"})
    assert ok.status_code == 200 and ok.json()["site_code"] == "S2"
    assert client.get(f"{API}/equipment/WU1").json()["site_code"] == "S2"
    stale = client.patch(f"{API}/equipment/A1", json={"version": 1, "name": "Other"})
    assert stale.status_code == 409
    blocked = client.delete(f"{API}/equipment/WC1")
    assert blocked.status_code == 409 and "WU1" in blocked.json()["detail"]
    assert client.delete(f"{API}/equipment/WU1").status_code == 204
    assert client.get(f"{API}/equipment/WU1").status_code == 404

    hist = client.get(f"{API}/equipment/A1/history").json()
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[1]["new_values"]["site_code"] == "S2"


def test_list_tree_capabilities_and_hours(client):
    build_plant(client)
    page = client.get(f"{API}/equipment", params={"level": "work_center"}).json()
    assert [e["code"] for e in page["items"]] == ["WC1", "WC2"]
    assert client.get(f"{API}/equipment", params={"site": "S2"}).json()["total"] == 3
    assert [e["code"] for e in client.get(f"{API}/equipment",
                                          params={"parent": "WC1"}).json()["items"]] == ["WU1"]
    assert client.get(f"{API}/equipment", params={"level": "moon"}).status_code == 422

    tree = client.get(f"{API}/equipment/tree").json()
    assert tree[0]["code"] == "ENT"
    assert [s["code"] for s in tree[0]["children"]] == ["S1", "S2"]
    sub = client.get(f"{API}/equipment/tree", params={"root": "WC1"}).json()
    assert sub[0]["children"][0]["code"] == "WU1"

    r = client.post(f"{API}/equipment/WC1/capabilities", json={"capability": "welding"})
    assert r.status_code == 201 and r.json()["capabilities"][0]["capability"] == "welding"
    assert client.post(f"{API}/equipment/WC1/capabilities",
                       json={"capability": "welding"}).status_code == 409
    assert client.post(f"{API}/equipment/S1/capabilities",
                       json={"capability": "welding"}).status_code == 422
    gone = client.delete(f"{API}/equipment/WC1/capabilities/welding")
    assert gone.status_code == 200 and gone.json()["capabilities"] == []

    week = {"start": "2024-06-03", "end": "2024-06-09"}
    hours = client.get(f"{API}/equipment/WC2/available-hours", params=week)
    assert hours.status_code == 200 and Decimal(hours.json()["hours"]) == Decimal("37.5")
    assert client.get(f"{API}/equipment/WC2/available-hours",
                      params={"start": "2024-06-09", "end": "2024-06-03"}).status_code == 422


def test_calendars_and_available_hours(client):
    build_plant(client)
    shifts = [{"code": "EARLY", "weekday": d, "start": "06:00", "end": "14:00"}
              for d in range(5)]
    r = client.post(f"{API}/calendars", json={
        "code": "2SHIFT", "name": "Two shifts", "timezone": "Europe/Berlin", "shifts": shifts,
        "holidays": [{"day": "2024-06-05", "name": "Plant holiday"}]})
    assert r.status_code == 201, r.text
    assert r.json()["shifts"][0] == {"code": "EARLY", "weekday": 0, "start": "06:00:00",
                                     "end": "14:00:00", "minutes": 480}
    bad_tz = client.post(f"{API}/calendars", json={"code": "X", "name": "X",
                                                   "timezone": "Atlantis/Main"})
    assert bad_tz.status_code == 422 and bad_tz.json()["errors"][0]["field"] == "timezone"
    assert client.post(f"{API}/calendars", json={"code": "2SHIFT", "name": "X"}).status_code \
        == 409
    overlap = client.post(f"{API}/calendars/2SHIFT/shifts",
                          json={"code": "LATE", "weekday": 0, "start": "13:30", "end": "22:00"})
    assert overlap.status_code == 422 and overlap.json()["errors"][0]["field"] == "shifts"
    for d in range(4):
        late = client.post(f"{API}/calendars/2SHIFT/shifts",
                           json={"code": "LATE", "weekday": d, "start": "14:00", "end": "22:30"})
        assert late.status_code == 201
    version = client.get(f"{API}/equipment/WC1").json()["version"]
    assigned = client.patch(f"{API}/equipment/WC1", json={"version": version,
                                                          "calendar": "2SHIFT"})
    assert assigned.status_code == 200 and assigned.json()["calendar_code"] == "2SHIFT"
    hours = client.get(f"{API}/equipment/WC1/available-hours",
                       params={"start": "2024-06-03", "end": "2024-06-09"}).json()
    assert Decimal(hours["hours"]) == Decimal("57.5")
    assert client.delete(f"{API}/calendars/2SHIFT").status_code == 409
    r = client.delete(f"{API}/calendars/2SHIFT/holidays/2024-06-05")
    assert r.status_code == 200 and r.json()["holidays"] == []
    hours = client.get(f"{API}/equipment/WC1/available-hours",
                       params={"start": "2024-06-03", "end": "2024-06-09"}).json()
    assert Decimal(hours["hours"]) == Decimal("74")
    r = client.delete(f"{API}/calendars/2SHIFT/shifts/LATE", params={"weekday": 3})
    assert r.status_code == 200 and len(r.json()["shifts"]) == 8
    assert client.delete(f"{API}/calendars/2SHIFT/shifts/NIGHT").status_code == 404
    cal_page = client.get(f"{API}/calendars").json()
    assert cal_page["total"] == 1 and cal_page["items"][0]["code"] == "2SHIFT"


def test_site_scoping_and_permissions(gemba, client, make_user):
    build_plant(client)
    with as_user(gemba, make_user("planner1", ("planner",), site_codes=("S1",))) as planner:
        codes = [e["code"] for e in planner.get(f"{API}/equipment").json()["items"]]
        assert codes == ["A1", "ENT", "S1", "WC1", "WU1"]
        assert planner.get(f"{API}/equipment/WC2").status_code == 404
        assert planner.get(f"{API}/equipment/WC2/history").status_code == 404
        assert planner.get(f"{API}/equipment/WC2/available-hours",
                           params={"start": "2024-06-03", "end": "2024-06-04"}
                           ).status_code == 404
        assert planner.patch(f"{API}/equipment/WC2",
                             json={"version": 1, "name": "x"}).status_code == 403
        assert planner.delete(f"{API}/equipment/WC2").status_code == 403
        denied = planner.post(f"{API}/equipment", json={"code": "N", "name": "N",
                                                        "level": "work_center", "parent": "A2"})
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"
        tree = planner.get(f"{API}/equipment/tree").json()
        assert [s["code"] for s in tree[0]["children"]] == ["S1"]
        mine = planner.post(f"{API}/equipment", json={"code": "N", "name": "N",
                                                      "level": "work_center", "parent": "A1"})
        assert mine.status_code == 201
    with as_user(gemba, make_user("viewer1", ("viewer",))) as viewer:
        assert viewer.get(f"{API}/equipment/WC2").status_code == 200
        assert viewer.post(f"{API}/equipment", json={"code": "Z", "name": "Z",
                                                     "level": "area", "parent": "S1"}
                           ).status_code == 403
        assert viewer.post(f"{API}/calendars", json={"code": "C", "name": "C"}
                           ).status_code == 403
        assert viewer.delete(f"{API}/equipment/WU1").status_code == 403
    assert client.get(f"{API}/equipment/Z").status_code == 404
