"""Personnel over REST: skills, employees, qualifications, shifts, rates, site scoping."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from gemba.api.app import create_app

API = "/api/v1"


def setup_people(client) -> None:
    for body in ({"code": "ENT", "name": "Acme", "level": "enterprise"},
                 {"code": "S1", "name": "Berlin", "level": "site", "parent": "ENT"},
                 {"code": "S2", "name": "Munich", "level": "site", "parent": "ENT"}):
        assert client.post(f"{API}/equipment", json=body).status_code == 201
    assert client.post(f"{API}/skills", json={"code": "WELD", "name": "Welding"}
                       ).status_code == 201
    for code, site in (("ANNA", "S1"), ("CARL", "S2")):
        r = client.post(f"{API}/employees", json={"code": code, "name": code.title(),
                                                  "site_code": site})
        assert r.status_code == 201, r.text
    assert client.post(f"{API}/calendars", json={"code": "CAL", "name": "Cal", "shifts": [
        {"code": "EARLY", "weekday": 0, "start": "06:00", "end": "14:00"}]}).status_code == 201


def as_user(gemba, token: str) -> TestClient:
    return TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"})


def test_employee_master_data(client):
    setup_people(client)
    assert client.post(f"{API}/skills", json={"code": "WELD", "name": "X"}).status_code == 409
    bad_site = client.post(f"{API}/employees", json={"code": "X", "name": "X",
                                                     "site_code": "MARS"})
    assert bad_site.status_code == 422 and bad_site.json()["errors"][0]["field"] == "site_code"
    assert client.post(f"{API}/employees", json={"code": "X", "name": "X"}).status_code == 422
    assert client.patch(f"{API}/employees/ANNA", json={"version": 1, "name": "Anna B"}
                        ).status_code == 200
    assert client.patch(f"{API}/employees/ANNA", json={"version": 1, "name": "Anna C"}
                        ).status_code == 409
    assert [h["action"] for h in client.get(f"{API}/employees/ANNA/history").json()] == [
        "create", "update"]

    r = client.post(f"{API}/employees/ANNA/qualifications",
                    json={"skill": "WELD", "valid_until": "2024-06-20"})
    assert r.status_code == 201
    assert r.json()["qualifications"] == [{"skill_code": "WELD", "skill_name": "Welding",
                                           "level": "qualified", "valid_until": "2024-06-20"}]
    assert client.post(f"{API}/employees/ANNA/qualifications",
                       json={"skill": "WELD"}).status_code == 409
    unknown = client.post(f"{API}/employees/ANNA/qualifications", json={"skill": "SING"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "skill"
    exp = client.get(f"{API}/employees/expiring-qualifications",
                     params={"within_days": 30, "today": "2024-06-01"}).json()
    assert [(e["employee_code"], e["days_left"]) for e in exp] == [("ANNA", 19)]
    assert client.get(f"{API}/employees/expiring-qualifications",
                      params={"within_days": 5, "today": "2024-06-01"}).json() == []
    q = client.get(f"{API}/employees/ANNA/qualified", params={"skill": "WELD",
                                                             "on": "2024-06-21"}).json()
    assert q["qualified"] is False
    renewed = client.patch(f"{API}/employees/ANNA/qualifications/WELD",
                           json={"valid_until": "2025-06-20"})
    assert renewed.json()["qualifications"][0]["valid_until"] == "2025-06-20"
    assert client.delete(f"{API}/skills/WELD").status_code == 409

    shift = client.post(f"{API}/employees/ANNA/shift-assignments",
                        json={"calendar": "CAL", "shift_code": "EARLY",
                              "valid_from": "2024-01-01"})
    assert shift.status_code == 201
    assignment_id = shift.json()["shift_assignments"][0]["id"]
    bad = client.post(f"{API}/employees/ANNA/shift-assignments",
                      json={"calendar": "CAL", "shift_code": "NIGHT", "valid_from": "2024-01-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "shift_code"
    backwards = client.post(f"{API}/employees/ANNA/shift-assignments",
                            json={"calendar": "CAL", "shift_code": "EARLY",
                                  "valid_from": "2024-02-01", "valid_to": "2024-01-01"})
    assert backwards.status_code == 422
    assert client.delete(f"{API}/employees/ANNA/shift-assignments/{assignment_id}"
                         ).status_code == 200

    for day, rate in (("2024-01-01", "30.25"), ("2024-07-01", "31.50")):
        assert client.post(f"{API}/employees/ANNA/labour-rates",
                           json={"valid_from": day, "hourly_rate": rate}).status_code == 201
    assert client.post(f"{API}/employees/ANNA/labour-rates",
                       json={"valid_from": "2024-01-01", "hourly_rate": "1"}).status_code == 409
    neg = client.post(f"{API}/employees/ANNA/labour-rates",
                      json={"valid_from": "2024-03-01", "hourly_rate": "-5"})
    assert neg.status_code == 422 and neg.json()["errors"][0]["field"] == "hourly_rate"
    on = client.get(f"{API}/employees/ANNA/labour-rate", params={"on": "2024-06-30"})
    assert Decimal(on.json()["hourly_rate"]) == Decimal("30.25")
    assert client.get(f"{API}/employees/ANNA/labour-rate",
                      params={"on": "2023-01-01"}).status_code == 404
    assert client.delete(f"{API}/employees/ANNA/labour-rates/2024-07-01").status_code == 200
    page = client.get(f"{API}/employees", params={"site": "S1"}).json()
    assert page["total"] == 1 and len(page["items"][0]["labour_rates"]) == 1


def test_employee_scoping_and_permissions(gemba, client, make_user):
    setup_people(client)
    with as_user(gemba, make_user("super1", ("supervisor",), site_codes=("S1",))) as sup:
        assert [e["code"] for e in sup.get(f"{API}/employees").json()["items"]] == ["ANNA"]
        assert sup.get(f"{API}/employees/CARL").status_code == 404
        assert sup.patch(f"{API}/employees/CARL",
                         json={"version": 1, "name": "x"}).status_code == 403
        assert sup.delete(f"{API}/employees/CARL").status_code == 403
        assert sup.post(f"{API}/employees", json={"code": "N", "name": "N",
                                                  "site_code": "S2"}).status_code == 403
        assert sup.post(f"{API}/employees/CARL/qualifications",
                        json={"skill": "WELD"}).status_code == 403
        assert sup.post(f"{API}/employees", json={"code": "N", "name": "N",
                                                  "site_code": "S1"}).status_code == 201
    with as_user(gemba, make_user("viewer1", ("viewer",))) as viewer:
        assert viewer.get(f"{API}/employees").status_code == 403  # personnel.read
        assert viewer.post(f"{API}/skills", json={"code": "X", "name": "X"}).status_code == 403
    with as_user(gemba, make_user("planner1", ("planner",))) as planner:
        assert planner.post(f"{API}/employees", json={"code": "Y", "name": "Y",
                                                      "site_code": "S1"}).status_code == 403
