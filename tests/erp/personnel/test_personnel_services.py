"""Personnel services: skills, employees, qualifications with expiry, shifts, labour rates."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.equipment.calendar import CalendarIn, ShiftIn, create_calendar
from gemba.erp.equipment.equipment import delete_equipment
from gemba.erp.equipment.hierarchy import ensure_site, ensure_work_center
from gemba.erp.personnel.employee import (
    EmployeeIn,
    EmployeePatch,
    SkillIn,
    create_employee,
    create_skill,
    delete_employee,
    delete_skill,
    get_employee,
    list_employees,
    update_employee,
)
from gemba.erp.personnel.labour_rate import LabourRateIn, add_labour_rate, labour_rate_on
from gemba.erp.personnel.qualification import (
    QualificationIn,
    QualificationPatch,
    expiring_qualifications,
    grant_qualification,
    is_qualified,
    revoke_qualification,
    update_qualification,
)
from gemba.erp.personnel.shift_assignment import (
    ShiftAssignmentIn,
    assign_shift,
    shifts_on,
    unassign_shift,
)

TODAY = date(2024, 6, 1)
SUPERVISOR_S1 = Actor(user_id=None, username="s", roles=frozenset({Role.SUPERVISOR}),
                      site_codes=frozenset({"S1"}))


@pytest.fixture
def staff(gemba):
    """Sites S1 and S2, skills WELD and FORK, Anna (S1), Bert (S1, inactive), Carl (S2)."""
    with gemba.uow() as uow:
        ensure_site(uow, "S1")
        ensure_site(uow, "S2")
        ensure_work_center(uow, "WC1", "Weld cell", "S1", Decimal(8))
        create_skill(uow, SkillIn(code="WELD", name="Welding"))
        create_skill(uow, SkillIn(code="FORK", name="Forklift licence"))
        create_employee(uow, EmployeeIn(code="ANNA", name="Anna", site_code="S1"))
        create_employee(uow, EmployeeIn(code="BERT", name="Bert", site_code="S1", active=False))
        create_employee(uow, EmployeeIn(code="CARL", name="Carl", site_code="S2"))
        create_calendar(uow, CalendarIn(code="CAL", name="Cal", shifts=[
            ShiftIn(code="EARLY", weekday=d, start=time(6), end=time(14)) for d in range(5)]))
        uow.commit()
    return gemba


def test_employee_needs_an_existing_site(staff):
    with staff.uow() as uow:
        for site in ("NOPE", "S1-MAIN", "WC1"):
            with pytest.raises(ValidationFailed) as err:
                create_employee(uow, EmployeeIn(code="X", name="X", site_code=site))
            assert err.value.issues[0].field == "site_code"
        with pytest.raises(Conflict):
            create_employee(uow, EmployeeIn(code="ANNA", name="Anna 2", site_code="S1"))
        with pytest.raises(Conflict):
            create_skill(uow, SkillIn(code="WELD", name="Again"))
    with pytest.raises(ValidationError):
        EmployeeIn(code="X", name="X")
    with staff.uow() as uow:
        emp = update_employee(uow, "ANNA", EmployeePatch(version=1, site_code="S2"))
        assert emp.site_code == "S2"
        with pytest.raises(ValidationFailed):
            update_employee(uow, "ANNA", EmployeePatch(version=2, site_code="ZZ"))
        uow.commit()
    with staff.uow() as uow, pytest.raises(Conflict, match="stale"):
        update_employee(uow, "ANNA", EmployeePatch(version=1, name="A"))
    with staff.uow() as uow, pytest.raises(Conflict, match="employee"):
        delete_equipment(uow, "S2")


def test_qualifications_and_expiry(staff):
    with staff.uow() as uow:
        grant_qualification(uow, "ANNA", QualificationIn(skill="WELD",
                                                          valid_until=date(2024, 6, 20)))
        grant_qualification(uow, "ANNA", QualificationIn(skill="FORK"))  # never expires
        grant_qualification(uow, "BERT", QualificationIn(skill="WELD",
                                                          valid_until=date(2024, 6, 10)))
        grant_qualification(uow, "CARL", QualificationIn(skill="FORK",
                                                          valid_until=date(2024, 6, 5)))
        grant_qualification(uow, "CARL", QualificationIn(skill="WELD",
                                                          valid_until=date(2024, 5, 31)))
        with pytest.raises(Conflict):
            grant_qualification(uow, "ANNA", QualificationIn(skill="WELD"))
        with pytest.raises(ValidationFailed) as err:
            grant_qualification(uow, "ANNA", QualificationIn(skill="SING"))
        assert err.value.issues[0].field == "skill"
        uow.commit()
    with staff.uow() as uow:
        assert is_qualified(uow, "ANNA", "WELD", date(2024, 6, 20))      # last valid day
        assert not is_qualified(uow, "ANNA", "WELD", date(2024, 6, 21))  # expired
        assert is_qualified(uow, "ANNA", "FORK", date(2099, 1, 1))
        assert not is_qualified(uow, "CARL", "WELD", TODAY)
        assert not is_qualified(uow, "BERT", "FORK", TODAY)
        with pytest.raises(NotFound):
            is_qualified(uow, "ANNA", "SING", TODAY)
        soon = expiring_qualifications(uow, 30, TODAY)
        # Carl's WELD has already expired, Bert is inactive, Anna's FORK never expires.
        assert [(q.employee_code, q.skill_code, q.days_left) for q in soon] == [
            ("CARL", "FORK", 4), ("ANNA", "WELD", 19)]
        assert [q.skill_code for q in expiring_qualifications(uow, 4, TODAY)] == ["FORK"]
        assert expiring_qualifications(uow, 3, TODAY) == []
        with pytest.raises(ValidationFailed):
            expiring_qualifications(uow, -1, TODAY)
    with staff.uow(SUPERVISOR_S1) as uow:
        assert [q.employee_code for q in expiring_qualifications(uow, 30, TODAY)] == ["ANNA"]
    with staff.uow() as uow:
        update_qualification(uow, "ANNA", "WELD", QualificationPatch(valid_until=None))
        assert is_qualified(uow, "ANNA", "WELD", date(2030, 1, 1))
        revoke_qualification(uow, "ANNA", "WELD")
        assert not is_qualified(uow, "ANNA", "WELD", TODAY)
        with pytest.raises(NotFound):
            revoke_qualification(uow, "ANNA", "WELD")
        with pytest.raises(Conflict, match="held by"):
            delete_skill(uow, "FORK")


def test_shift_assignments(staff):
    with staff.uow() as uow:
        emp = assign_shift(uow, "ANNA", ShiftAssignmentIn(
            calendar="CAL", shift_code="EARLY", valid_from=date(2024, 1, 1),
            valid_to=date(2024, 6, 30)))
        assert [(a.calendar_code, a.shift_code) for a in emp.shift_assignments] == [
            ("CAL", "EARLY")]
        with pytest.raises(ValidationFailed) as err:
            assign_shift(uow, "ANNA", ShiftAssignmentIn(calendar="CAL", shift_code="NIGHT",
                                                        valid_from=TODAY))
        assert err.value.issues[0].field == "shift_code"
        with pytest.raises(ValidationFailed) as err:
            assign_shift(uow, "ANNA", ShiftAssignmentIn(calendar="NOCAL", shift_code="EARLY",
                                                        valid_from=TODAY))
        assert err.value.issues[0].field == "calendar"
        with pytest.raises(Conflict):
            assign_shift(uow, "ANNA", ShiftAssignmentIn(calendar="CAL", shift_code="EARLY",
                                                        valid_from=date(2024, 6, 30)))
        assert len(shifts_on(uow, "ANNA", date(2024, 6, 30))) == 1
        assert shifts_on(uow, "ANNA", date(2024, 7, 1)) == []
        emp = unassign_shift(uow, "ANNA", emp.shift_assignments[0].id)
        assert emp.shift_assignments == []
        with pytest.raises(NotFound):
            unassign_shift(uow, "ANNA", 999999)
    with pytest.raises(ValidationError, match="valid_to"):
        ShiftAssignmentIn(calendar="CAL", shift_code="EARLY", valid_from=date(2024, 2, 1),
                          valid_to=date(2024, 1, 31))


def test_labour_rates(staff):
    with pytest.raises(ValidationError):
        LabourRateIn(valid_from=TODAY, hourly_rate=Decimal("-0.01"))
    with staff.uow() as uow:
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 7, 1),
                                                  hourly_rate=Decimal("31.50")))
        emp = add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 1, 1),
                                                        hourly_rate=Decimal("30.25")))
        assert [r.valid_from.month for r in emp.labour_rates] == [1, 7]
        with pytest.raises(Conflict):
            add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 1, 1),
                                                      hourly_rate=Decimal(1)))
        uow.commit()
    with staff.uow() as uow:
        assert labour_rate_on(uow, "ANNA", date(2023, 12, 31)) is None
        assert labour_rate_on(uow, "ANNA", date(2024, 1, 1)) == Decimal("30.25")
        assert labour_rate_on(uow, "ANNA", date(2024, 6, 30)) == Decimal("30.25")
        assert labour_rate_on(uow, "ANNA", date(2024, 7, 1)) == Decimal("31.50")


def test_site_scoping_for_employees(staff):
    with staff.uow(SUPERVISOR_S1) as uow:
        page = list_employees(uow, PageRequest())
        assert [e.code for e in page.items] == ["ANNA", "BERT"] and page.total == 2
        assert [e.code for e in list_employees(
            uow, PageRequest(filters=(("active", "false"),))).items] == ["BERT"]
        with pytest.raises(NotFound):
            get_employee(uow, "CARL")
        with pytest.raises(NotFound):
            labour_rate_on(uow, "CARL", TODAY)
    attempts = [
        lambda uow: update_employee(uow, "CARL", EmployeePatch(version=1, name="x")),
        lambda uow: delete_employee(uow, "CARL"),
        lambda uow: create_employee(uow, EmployeeIn(code="NEW", name="N", site_code="S2")),
        lambda uow: update_employee(uow, "ANNA", EmployeePatch(version=1, site_code="S2")),
        lambda uow: grant_qualification(uow, "CARL", QualificationIn(skill="WELD")),
        lambda uow: add_labour_rate(uow, "CARL", LabourRateIn(valid_from=TODAY,
                                                              hourly_rate=Decimal(1))),
    ]
    for attempt in attempts:
        with staff.uow(SUPERVISOR_S1) as uow, pytest.raises(PermissionDenied):
            attempt(uow)
    with staff.uow(SUPERVISOR_S1) as uow:
        create_employee(uow, EmployeeIn(code="NEW", name="N", site_code="S1"))
        delete_employee(uow, "BERT")
        uow.commit()


def test_personnel_permissions(staff):
    planner = Actor(user_id=None, username="p", roles=frozenset({Role.PLANNER}))
    with staff.uow(planner) as uow:
        with pytest.raises(PermissionDenied):
            get_employee(uow, "ANNA")
        with pytest.raises(PermissionDenied):
            create_skill(uow, SkillIn(code="X", name="X"))
    accountant = Actor(user_id=None, username="a", roles=frozenset({Role.ACCOUNTANT}))
    with staff.uow(accountant) as uow:
        assert labour_rate_on(uow, "ANNA", TODAY) is None
        with pytest.raises(PermissionDenied):
            add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=TODAY, hourly_rate=Decimal(1)))
