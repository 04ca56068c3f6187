"""Personnel pages: skills, employees, qualifications, shift assignments, labour rates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gemba.erp.equipment.calendar import CalendarIn, ShiftIn, create_calendar
from gemba.erp.equipment.equipment import EquipmentIn, create_equipment
from gemba.erp.personnel.employee import get_employee


@pytest.fixture
def site(gemba):
    with gemba.uow() as uow:
        create_equipment(uow, EquipmentIn(code="ACME", name="Acme", level="enterprise"))
        create_equipment(uow, EquipmentIn(code="PLANT1", name="Plant 1", level="site",
                                          parent="ACME"))
        create_calendar(uow, CalendarIn(code="CAL", name="Cal", shifts=[
            ShiftIn(code="EARLY", weekday=0, start="06:00", end="14:00")]))
        uow.commit()


def test_employee_lifecycle(admin, gemba, site):
    assert admin.submit("/erp/skills/new", {"code": "WELD", "name": "Welding"},
                        follow_redirects=False).status_code == 303
    r = admin.submit("/erp/employees/new", {"code": "E1", "name": "Ann", "site_code": "PLANT1",
                                            "active": "on"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    bad_site = admin.submit("/erp/employees/new", {"code": "E2", "name": "Bo",
                                                   "site_code": "NOWHERE"})
    assert bad_site.status_code == 422 and 'id="err-site_code"' in bad_site.text
    url = "/erp/employees/E1/actions/"
    granted = admin.submit(url + "grant", {"skill": "WELD", "level": "expert",
                                           "valid_until": "2020-01-01"})
    assert "Qualification granted." in granted.text and "expired" in granted.text
    unknown = admin.submit(url + "grant", {"skill": "NOPE", "level": "x"})
    assert unknown.status_code == 422 and "unknown skill" in unknown.text
    assigned = admin.submit(url + "assign-shift", {"calendar": "CAL", "shift_code": "EARLY",
                                                   "valid_from": "2026-01-01"})
    assert "Shift assigned." in assigned.text
    no_shift = admin.submit(url + "assign-shift", {"calendar": "CAL", "shift_code": "LATE",
                                                   "valid_from": "2026-01-01"})
    assert no_shift.status_code == 422 and 'id="err-shift_code"' in no_shift.text
    backwards = admin.submit(url + "assign-shift", {"calendar": "CAL", "shift_code": "EARLY",
                                                    "valid_from": "2026-05-01",
                                                    "valid_to": "2026-01-01"})
    assert backwards.status_code == 422
    rate = admin.submit(url + "add-rate", {"valid_from": "2025-01-01", "hourly_rate": "31.50"})
    assert "Rate added." in rate.text and "31.5" in rate.text
    negative = admin.submit(url + "add-rate", {"valid_from": "2025-02-01",
                                               "hourly_rate": "-1"})
    assert negative.status_code == 422 and 'id="err-hourly_rate"' in negative.text
    with gemba.uow() as uow:
        e = get_employee(uow, "E1")
        assert [q.level for q in e.qualifications] == ["expert"]
        assert [r.hourly_rate for r in e.labour_rates] == [Decimal("31.5")]
        assignment = e.shift_assignments[0].id
    skill_page = admin.get("/erp/skills/WELD")
    assert 'href="/erp/employees/E1"' in skill_page.text
    blocked = admin.submit("/erp/skills/WELD/delete", {"version": "1"})
    assert "Not deleted" in blocked.text
    admin.submit(url + "revoke", {"skill": "WELD"})
    admin.submit(url + "unassign-shift", {"assignment": str(assignment)})
    admin.submit(url + "remove-rate", {"valid_from": "2025-01-01"})
    with gemba.uow() as uow:
        e = get_employee(uow, "E1")
        assert not e.qualifications and not e.shift_assignments and not e.labour_rates
    hist = admin.get("/erp/employees/E1/history").text
    assert "qualifications" in hist and "labour rates" in hist and "31.5" in hist


def test_personnel_needs_personnel_permission(web, add_user, site):
    add_user("pat", ("planner",))
    web.login("pat")
    home = web.get("/").text
    assert 'href="/erp/employees"' not in home and 'href="/erp/items"' in home
    assert web.get("/erp/employees").status_code == 403
