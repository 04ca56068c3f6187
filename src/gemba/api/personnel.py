"""REST resources: skills, employees and their qualifications, shifts and labour rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query

from gemba.api.crud import CodeResource, Out, code_router
from gemba.api.deps import UowDep
from gemba.core.errors import NotFound
from gemba.erp.personnel import employee, labour_rate, qualification, shift_assignment


class SkillOut(Out):
    id: int
    code: str
    name: str
    version: int
    updated_at: datetime


class QualificationOut(Out):
    skill_code: str
    skill_name: str
    level: str
    valid_until: date | None


class ShiftAssignmentOut(Out):
    id: int
    calendar_code: str
    shift_code: str
    valid_from: date
    valid_to: date | None


class LabourRateOut(Out):
    valid_from: date
    hourly_rate: Decimal


class EmployeeOut(Out):
    id: int
    code: str
    name: str
    site_code: str | None
    active: bool
    qualifications: list[QualificationOut]
    shift_assignments: list[ShiftAssignmentOut]
    labour_rates: list[LabourRateOut]
    version: int
    updated_at: datetime


class ExpiringQualificationOut(Out):
    employee_code: str
    employee_name: str
    site_code: str | None
    skill_code: str
    skill_name: str
    valid_until: date
    days_left: int


class QualifiedOut(Out):
    employee_code: str
    skill_code: str
    on: date
    qualified: bool


class RateOnOut(Out):
    employee_code: str
    on: date
    hourly_rate: Decimal


router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/skills", tag="personnel", record_type="erp_skills", out=SkillOut,
    create_in=employee.SkillIn, patch_in=employee.SkillPatch, list_fn=employee.list_skills,
    get_fn=employee.get_skill, create_fn=employee.create_skill,
    update_fn=employee.update_skill, delete_fn=employee.delete_skill, filters=["code"])))

# Fixed paths first: /employees/expiring-qualifications is not an employee code.
fixed = APIRouter(prefix="/employees", tags=["personnel"])


@fixed.get("/expiring-qualifications", response_model=list[ExpiringQualificationOut])
def expiring_qualifications(uow: UowDep, within_days: int = Query(30, ge=0, le=3660),
                            today: date | None = None) -> Any:
    """Qualifications still valid today that expire within ``within_days`` days."""
    rows = qualification.expiring_qualifications(uow, within_days, today)
    return [ExpiringQualificationOut.model_validate(r) for r in rows]


router.include_router(fixed)
router.include_router(code_router(CodeResource(
    path="/employees", tag="personnel", record_type="erp_employees", out=EmployeeOut,
    create_in=employee.EmployeeIn, patch_in=employee.EmployeePatch,
    list_fn=employee.list_employees, get_fn=employee.get_employee,
    create_fn=employee.create_employee, update_fn=employee.update_employee,
    delete_fn=employee.delete_employee, filters=["site", "active", "code"])))
sub = APIRouter(prefix="/employees/{code}", tags=["personnel"])


def _done(uow: UowDep, record: employee.Employee) -> Any:
    uow.commit()
    return EmployeeOut.model_validate(record)


@sub.post("/qualifications", response_model=EmployeeOut, status_code=201)
def grant(code: str, body: qualification.QualificationIn, uow: UowDep) -> Any:
    return _done(uow, qualification.grant_qualification(uow, code, body))


@sub.patch("/qualifications/{skill}", response_model=EmployeeOut)
def renew(code: str, skill: str, body: qualification.QualificationPatch, uow: UowDep) -> Any:
    return _done(uow, qualification.update_qualification(uow, code, skill, body))


@sub.delete("/qualifications/{skill}", response_model=EmployeeOut)
def revoke(code: str, skill: str, uow: UowDep) -> Any:
    return _done(uow, qualification.revoke_qualification(uow, code, skill))


@sub.get("/qualified", response_model=QualifiedOut)
def qualified(code: str, uow: UowDep, skill: str = Query(...), on: date = Query(...)) -> Any:
    """Whether the employee holds ``skill`` on ``on`` (expired qualifications do not count)."""
    ok = qualification.is_qualified(uow, code, skill, on)
    return QualifiedOut(employee_code=code, skill_code=skill, on=on, qualified=ok)


@sub.post("/shift-assignments", response_model=EmployeeOut, status_code=201)
def assign(code: str, body: shift_assignment.ShiftAssignmentIn, uow: UowDep) -> Any:
    return _done(uow, shift_assignment.assign_shift(uow, code, body))


@sub.delete("/shift-assignments/{assignment_id}", response_model=EmployeeOut)
def unassign(code: str, assignment_id: int, uow: UowDep) -> Any:
    return _done(uow, shift_assignment.unassign_shift(uow, code, assignment_id))


@sub.post("/labour-rates", response_model=EmployeeOut, status_code=201)
def add_rate(code: str, body: labour_rate.LabourRateIn, uow: UowDep) -> Any:
    return _done(uow, labour_rate.add_labour_rate(uow, code, body))


@sub.delete("/labour-rates/{valid_from}", response_model=EmployeeOut)
def remove_rate(code: str, valid_from: date, uow: UowDep) -> Any:
    return _done(uow, labour_rate.remove_labour_rate(uow, code, valid_from))


@sub.get("/labour-rate", response_model=RateOnOut)
def rate_on(code: str, uow: UowDep, on: date = Query(...)) -> Any:
    """The hourly rate in force on ``on``; 404 before the employee's first rate."""
    rate = labour_rate.labour_rate_on(uow, code, on)
    if rate is None:
        raise NotFound(f"employee {code!r} has no labour rate on {on}")
    return RateOnOut(employee_code=code, on=on, hourly_rate=rate)


router.include_router(sub)
