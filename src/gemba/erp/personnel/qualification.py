"""Qualifications: which employee holds which skill, and until when (certifications expire).

Dispatching in the MES asks ``is_qualified``; supervisors watch ``expiring_qualifications``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.equipment.equipment import site_scope
from gemba.erp.personnel.employee import (
    Employee,
    Qualification,
    Skill,
    employee_for_write,
    find_skill,
    get_employee,
)

MAX_WINDOW_DAYS = 3660
Level = Field(default="qualified", min_length=1, max_length=20)


class QualificationIn(Command):
    skill: Code
    level: str = Level
    valid_until: date | None = None


class QualificationPatch(Command):
    """Renew (new ``valid_until``, or null for no expiry) or change the level."""

    level: str | None = Field(default=None, min_length=1, max_length=20)
    valid_until: date | None = None


@dataclass(frozen=True)
class ExpiringQualification:
    employee_code: str
    employee_name: str
    site_code: str | None
    skill_code: str
    skill_name: str
    valid_until: date
    days_left: int


def _held(emp: Employee, skill_code: str) -> Qualification | None:
    return next((q for q in emp.qualifications if q.skill.code == skill_code), None)


def grant_qualification(uow: UnitOfWork, employee_code: str,
                        data: QualificationIn) -> Employee:
    emp = employee_for_write(uow, employee_code)
    skill = find_skill(uow, data.skill)
    if _held(emp, skill.code) is not None:
        raise Conflict(f"employee {employee_code!r} already holds skill {skill.code!r}; "
                       "update that qualification instead")
    emp.qualifications.append(Qualification(skill=skill, level=data.level,
                                            valid_until=data.valid_until))
    uow.flush()
    return emp


def update_qualification(uow: UnitOfWork, employee_code: str, skill_code: str,
                         data: QualificationPatch) -> Employee:
    emp = employee_for_write(uow, employee_code)
    qual = _held(emp, skill_code)
    if qual is None:
        raise NotFound(f"employee {employee_code!r} does not hold skill {skill_code!r}")
    fields = data.model_dump(exclude_unset=True)
    if "level" in fields and fields["level"] is None:
        raise ValidationFailed.on("level", "required", "must not be empty")
    for key, value in fields.items():
        setattr(qual, key, value)
    uow.flush()
    return emp


def revoke_qualification(uow: UnitOfWork, employee_code: str, skill_code: str) -> Employee:
    emp = employee_for_write(uow, employee_code)
    qual = _held(emp, skill_code)
    if qual is None:
        raise NotFound(f"employee {employee_code!r} does not hold skill {skill_code!r}")
    emp.qualifications.remove(qual)
    uow.flush()
    return emp


def is_qualified(uow: UnitOfWork, employee_code: str, skill_code: str, on: date) -> bool:
    """True if the employee holds the skill on that day; an expired one does not count."""
    emp = get_employee(uow, employee_code)
    if uow.session.scalar(select(Skill.id).where(Skill.code == skill_code)) is None:
        raise NotFound(f"skill {skill_code!r} does not exist")
    qual = _held(emp, skill_code)
    return qual is not None and qual.valid_on(on)


def expiring_qualifications(uow: UnitOfWork, within_days: int,
                            today: date | None = None) -> list[ExpiringQualification]:
    """Qualifications still valid today that expire within ``within_days`` days (inclusive),
    of active employees of the actor's sites, soonest first."""
    uow.actor.require(Permission.PERSONNEL_READ)
    if not 0 <= within_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed.on("within_days", "range",
                                  f"must be between 0 and {MAX_WINDOW_DAYS}")
    today = today or utcnow().date()
    until = today + timedelta(days=within_days)
    rows = uow.session.execute(
        select(Employee.code, Employee.name, Employee.site_code, Skill.code.label("skill_code"),
               Skill.name.label("skill_name"), Qualification.valid_until)
        .join(Qualification, Qualification.employee_id == Employee.id)
        .join(Skill, Skill.id == Qualification.skill_id)
        .where(Qualification.valid_until.is_not(None), Qualification.valid_until >= today,
               Qualification.valid_until <= until, Employee.active.is_(True),
               site_scope(uow.actor, Employee.site_code))
        .order_by(Qualification.valid_until, Employee.code, Skill.code)).all()
    return [ExpiringQualification(
        employee_code=r.code, employee_name=r.name, site_code=r.site_code,
        skill_code=r.skill_code, skill_name=r.skill_name, valid_until=r.valid_until,
        days_left=(r.valid_until - today).days) for r in rows]
