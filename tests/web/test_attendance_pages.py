"""Attendance pages: the time clock, who is in, a person's stays with hours and cost,
corrections, and the qualification expiry panel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from gemba.core.types import utcnow
from gemba.erp.equipment.hierarchy import ensure_site
from gemba.erp.personnel.attendance import clock_in, clock_out, who_is_in
from gemba.erp.personnel.employee import EmployeeIn, SkillIn, create_employee, create_skill
from gemba.erp.personnel.labour_rate import LabourRateIn, add_labour_rate
from gemba.erp.personnel.qualification import QualificationIn, grant_qualification


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def staff(gemba):
    """Anna (30.00/h, then 36.00/h from 2024-06-03, welding licence expiring in 10 days),
    Carl (no rate)."""
    with gemba.uow() as uow:
        ensure_site(uow, "S1")
        create_employee(uow, EmployeeIn(code="ANNA", name="Anna", site_code="S1"))
        create_employee(uow, EmployeeIn(code="CARL", name="Carl", site_code="S1"))
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 1, 1),
                                                  hourly_rate=Decimal("30")))
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 6, 3),
                                                  hourly_rate=Decimal("36")))
        create_skill(uow, SkillIn(code="WELD", name="Welding licence"))
        grant_qualification(uow, "ANNA", QualificationIn(
            skill="WELD", valid_until=utcnow().date() + timedelta(days=10)))
        uow.commit()
    return gemba


def test_time_clock_on_a_terminal(web, add_user, staff):
    add_user("olga", ("operator",))
    assert web.login("olga").status_code == 303
    home = web.get("/").text
    assert 'href="/erp/time-clock"' in home and 'href="/erp/attendance"' not in home
    page = web.get("/erp/time-clock")
    assert page.status_code == 200
    assert 'name="action" value="in"' in page.text and 'name="action" value="out"' in page.text
    assert "Who is in" not in page.text  # operators clock, they do not read attendance
    r = web.submit("/erp/attendance/clock", {"employee": "ANNA", "action": "in",
                                             "back": "/erp/time-clock"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/time-clock"
    assert "Anna (ANNA) clocked in at" in web.get("/erp/time-clock").text
    twice = web.submit("/erp/attendance/clock", {"employee": "ANNA", "action": "in",
                                                 "back": "/erp/time-clock"})
    assert twice.status_code == 409 and "already clocked in" in twice.text
    unknown = web.submit("/erp/attendance/clock", {"employee": "NOBODY", "action": "in"})
    assert unknown.status_code == 422 and 'id="err-employee"' in unknown.text
    assert "unknown employee" in unknown.text
    empty = web.submit("/erp/attendance/clock", {"employee": "", "action": "out"})
    assert empty.status_code == 422 and 'id="err-employee"' in empty.text
    # A page it may not read is not a way back.
    out = web.submit("/erp/attendance/clock", {"employee": "ANNA", "action": "out",
                                               "back": "/erp/attendance"},
                     follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/erp/time-clock"
    assert "Anna (ANNA) clocked out at" in web.get("/erp/time-clock").text
    assert web.get("/erp/attendance").status_code == 403
    with staff.uow() as uow:
        assert who_is_in(uow) == []


def test_clock_form_needs_the_csrf_token(admin, staff):
    r = admin.post("/erp/attendance/clock", data={"employee": "ANNA", "action": "in"})
    assert r.status_code == 403
    with staff.uow() as uow:
        assert who_is_in(uow) == []


def test_attendance_overview(admin, staff):
    with staff.uow() as uow:
        for start, end in ((at(1, 6), at(1, 14)), (at(3, 6), at(3, 13, 30))):
            clock_in(uow, "ANNA", start)
            clock_out(uow, "ANNA", end)
        clock_in(uow, "CARL", at(3, 6))
        clock_out(uow, "CARL", at(3, 8))
        uow.commit()
    page = admin.get("/erp/attendance")
    assert page.status_code == 200
    for title in ("Clock in / out", "Who is in", "Attendance by employee",
                  "Record a correction", "Qualifications expiring in the next 30 days"):
        assert title in page.text
    assert "Nobody is clocked in." in page.text
    assert 'href="/erp/employees/ANNA"' in page.text and "Welding licence" in page.text

    r = admin.submit("/erp/attendance/clock", {"employee": "CARL", "action": "in",
                                               "back": "/erp/attendance"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/attendance"
    page = admin.get("/erp/attendance").text
    assert "Carl (CARL) clocked in at" in page and "1 clocked in." in page

    report = admin.get("/erp/attendance", params={"employee": "ANNA", "start": "2024-06-01",
                                                  "end": "2024-06-30"}).text
    assert "2024-06-01 06:00:00 UTC" in report and '<td class="num">7.5</td>' in report
    assert 'id="total-hours">15.5<' in report  # 8 + 7.5
    assert 'id="total-cost">510<' in report    # 8 x 30 + 7.5 x 36
    uncosted = admin.get("/erp/attendance", params={"employee": "CARL",
                                                    "start": "2024-06-01",
                                                    "end": "2024-06-30"}).text
    assert "Not costed" in uncosted and "2024-06-03" in uncosted
    bad = admin.get("/erp/attendance", params={"employee": "ANNA", "start": "June"})
    assert bad.status_code == 422 and "must be a date" in bad.text
    backwards = admin.get("/erp/attendance", params={"employee": "ANNA",
                                                     "start": "2024-06-30",
                                                     "end": "2024-06-01"})
    assert backwards.status_code == 422 and "must not be before start" in backwards.text


def test_corrections(admin, staff):
    fix = {"employee": "ANNA", "clock_in": "2024-06-05T06:00", "clock_out": "2024-06-05T14:15",
           "note": "terminal was down"}
    r = admin.submit("/erp/attendance/correct", fix, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = admin.get(r.headers["location"]).text
    assert "Attendance of ANNA on 2024-06-05 recorded." in page
    assert "terminal was down" in page and "8.25" in page and "297" in page  # 8.25 x 36
    again = admin.submit("/erp/attendance/correct", {**fix, "note": "twice"})
    assert again.status_code == 409 and "overlaps" in again.text
    no_note = admin.submit("/erp/attendance/correct", {**fix, "note": ""})
    assert no_note.status_code == 422 and 'id="err-note"' in no_note.text
    backwards = admin.submit("/erp/attendance/correct",
                             {**fix, "clock_in": "2024-06-06T10:00",
                              "clock_out": "2024-06-06T09:00"})
    assert backwards.status_code == 422 and 'id="err-clock_out"' in backwards.text
    garbled = admin.submit("/erp/attendance/correct", {**fix, "clock_in": "soon"})
    assert garbled.status_code == 422 and 'id="err-clock_in"' in garbled.text


def test_pages_need_their_permissions(web, add_user, staff):
    add_user("vic", ("viewer",))
    web.login("vic")
    home = web.get("/").text
    assert 'href="/erp/attendance"' not in home and 'href="/erp/time-clock"' not in home
    assert web.get("/erp/attendance").status_code == 403
    assert web.get("/erp/time-clock").status_code == 403
    assert web.submit("/erp/attendance/clock", {"employee": "ANNA",
                                                "action": "in"}).status_code == 403
    add_user("acc", ("accountant",))
    web.post("/logout", data={"csrf_token": web.token()})
    web.login("acc")
    page = web.get("/erp/attendance")
    assert page.status_code == 200 and "Who is in" in page.text
    assert "Clock in / out" not in page.text and "Record a correction" not in page.text
    assert web.submit("/erp/attendance/correct", {"employee": "ANNA"}).status_code == 403
