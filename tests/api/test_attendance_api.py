"""Attendance over REST: clocking, corrections, lists, summary, problem+json errors, roles."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from gemba.api.app import create_app

API = "/api/v1"
ATT = f"{API}/attendance"
PROBLEM = "application/problem+json"


def setup_people(client) -> None:
    for body in ({"code": "ENT", "name": "Acme", "level": "enterprise"},
                 {"code": "S1", "name": "Berlin", "level": "site", "parent": "ENT"}):
        assert client.post(f"{API}/equipment", json=body).status_code == 201
    for code in ("ANNA", "CARL"):
        r = client.post(f"{API}/employees", json={"code": code, "name": code.title(),
                                                  "site_code": "S1"})
        assert r.status_code == 201, r.text
    for valid_from, rate in (("2024-01-01", "30.00"), ("2024-06-03", "36.00")):
        r = client.post(f"{API}/employees/ANNA/labour-rates",
                        json={"valid_from": valid_from, "hourly_rate": rate})
        assert r.status_code == 201, r.text


def as_user(gemba, token: str) -> TestClient:
    return TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"})


def field_of(response) -> str:
    assert response.headers["content-type"] == PROBLEM, response.text
    return response.json()["errors"][0]["field"]


def test_clock_in_out_list_and_summary(client):
    setup_people(client)
    r = client.post(f"{ATT}/clock-in", json={"employee": "ANNA", "at": "2024-05-31T06:00:00Z"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["employee_code"], body["work_date"], body["source"], body["clock_out"],
            body["hours"]) == ("ANNA", "2024-05-31", "terminal", None, None)
    again = client.post(f"{ATT}/clock-in", json={"employee": "ANNA",
                                                 "at": "2024-05-31T07:00:00Z"})
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert "already clocked in" in again.json()["detail"]
    assert [p["employee_code"] for p in client.get(f"{ATT}/present").json()] == ["ANNA"]
    out = client.post(f"{ATT}/clock-out", json={"employee": "ANNA",
                                                "at": "2024-05-31T14:00:00+00:00"})
    assert out.status_code == 200 and Decimal(out.json()["hours"]) == Decimal("8")
    assert client.get(f"{ATT}/present").json() == []
    # After the rate change on 2024-06-03: a shift at 36.00 (Berlin time in, UTC out).
    assert client.post(f"{ATT}/clock-in", json={"employee": "ANNA", "source": "badge",
                                                "at": "2024-06-03T08:00:00+02:00"}
                       ).status_code == 201
    assert client.post(f"{ATT}/clock-out", json={"employee": "ANNA",
                                                 "at": "2024-06-03T13:30:00Z"}
                       ).status_code == 200
    rows = client.get(ATT, params={"employee": "ANNA", "start": "2024-05-01",
                                   "end": "2024-06-30"}).json()
    assert [(r["work_date"], r["source"], Decimal(r["hours"])) for r in rows] == [
        ("2024-05-31", "terminal", Decimal(8)), ("2024-06-03", "badge", Decimal("7.5"))]
    assert rows[1]["clock_in"].startswith("2024-06-03T06:00:00")
    s = client.get(f"{ATT}/summary", params={"employee": "ANNA", "start": "2024-05-01",
                                             "end": "2024-06-30"}).json()
    assert (Decimal(s["hours"]), Decimal(s["labour_cost"]), s["records"]) == (
        Decimal("15.5"), Decimal("510"), 2)  # 8 x 30 + 7.5 x 36

    fix = client.post(ATT, json={"employee": "CARL", "clock_in": "2024-06-03T06:00:00Z",
                                 "clock_out": "2024-06-03T10:00:00Z",
                                 "note": "forgot to clock in"})
    assert fix.status_code == 201 and fix.json()["source"] == "manual"
    assert fix.json()["note"] == "forgot to clock in"
    overlap = client.post(ATT, json={"employee": "CARL", "clock_in": "2024-06-03T09:00:00Z",
                                     "clock_out": "2024-06-03T11:00:00Z", "note": "again"})
    assert overlap.status_code == 409 and "overlaps" in overlap.json()["detail"]
    no_rate = client.get(f"{ATT}/summary", params={"employee": "CARL", "start": "2024-06-01",
                                                   "end": "2024-06-30"})
    assert no_rate.status_code == 409 and no_rate.headers["content-type"] == PROBLEM
    assert "2024-06-03" in no_rate.json()["detail"]


def test_errors_are_problems_naming_the_field(client):
    setup_people(client)
    naive = client.post(f"{ATT}/clock-in", json={"employee": "ANNA",
                                                 "at": "2024-06-03T06:00:00"})
    assert naive.status_code == 422 and field_of(naive) == "at"
    assert "time zone" in naive.json()["detail"]
    future = client.post(f"{ATT}/clock-in", json={"employee": "ANNA",
                                                  "at": "2999-01-01T00:00:00Z"})
    assert future.status_code == 422 and field_of(future) == "at"
    missing = client.post(f"{ATT}/clock-in", json={})
    assert missing.status_code == 422 and field_of(missing) == "employee"
    unknown = client.post(f"{ATT}/clock-in", json={"employee": "NOBODY"})
    assert unknown.status_code == 422 and field_of(unknown) == "employee"
    bad_source = client.post(f"{ATT}/clock-in", json={"employee": "ANNA", "source": "fax"})
    assert bad_source.status_code == 422 and field_of(bad_source) == "source"
    extra = client.post(f"{ATT}/clock-in", json={"employee": "ANNA", "badge": "x"})
    assert extra.status_code == 422 and field_of(extra) == "badge"
    not_in = client.post(f"{ATT}/clock-out", json={"employee": "ANNA"})
    assert not_in.status_code == 409 and not_in.headers["content-type"] == PROBLEM
    assert client.post(f"{ATT}/clock-in", json={"employee": "ANNA",
                                                "at": "2024-06-03T06:00:00Z"}
                       ).status_code == 201
    early = client.post(f"{ATT}/clock-out", json={"employee": "ANNA",
                                                  "at": "2024-06-03T05:00:00Z"})
    assert early.status_code == 422 and field_of(early) == "at"
    no_start = client.get(ATT, params={"employee": "ANNA", "end": "2024-06-30"})
    assert no_start.status_code == 422 and field_of(no_start) == "start"
    backwards = client.get(f"{ATT}/summary", params={"employee": "ANNA",
                                                     "start": "2024-06-30", "end": "2024-06-01"})
    assert backwards.status_code == 422 and field_of(backwards) == "end"
    no_note = client.post(ATT, json={"employee": "ANNA", "clock_in": "2024-06-01T06:00:00Z",
                                     "clock_out": "2024-06-01T07:00:00Z", "note": ""})
    assert no_note.status_code == 422 and field_of(no_note) == "note"
    reversed_ = client.post(ATT, json={"employee": "ANNA",
                                       "clock_in": "2024-06-01T08:00:00Z",
                                       "clock_out": "2024-06-01T07:00:00Z", "note": "x"})
    assert reversed_.status_code == 422 and field_of(reversed_) == "clock_out"


def test_roles(gemba, client, make_user):
    setup_people(client)
    with as_user(gemba, make_user("olga", ("operator",))) as op:
        r = op.post(f"{ATT}/clock-in", json={"employee": "ANNA"})
        assert r.status_code == 201, r.text
        assert op.get(f"{ATT}/present").status_code == 403
        assert op.post(ATT, json={"employee": "ANNA", "clock_in": "2024-06-01T06:00:00Z",
                                  "clock_out": "2024-06-01T07:00:00Z", "note": "x"}
                       ).status_code == 403
        assert op.post(f"{ATT}/clock-out", json={"employee": "ANNA"}).status_code == 200
    with as_user(gemba, make_user("vic", ("viewer",))) as viewer:
        denied = viewer.post(f"{ATT}/clock-in", json={"employee": "ANNA"})
        assert denied.status_code == 403 and denied.headers["content-type"] == PROBLEM
        assert viewer.get(f"{ATT}/present").status_code == 403
    with as_user(gemba, make_user("acc", ("accountant",))) as acc:
        assert acc.get(f"{ATT}/present").json() == []
        assert acc.post(f"{ATT}/clock-in", json={"employee": "ANNA"}).status_code == 403
