"""Employees (ISA-95 Person), their qualifications, shift assignments and labour rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, Patch
from gemba.core.db.base import Base, IdMixin, Money, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.erp.equipment.calendar import Calendar
from gemba.erp.equipment.equipment import bool_filter, find_site, site_scope, split_filters


class Skill(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_skills"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Employee(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_employees"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    qualifications: Mapped[list[Qualification]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    shift_assignments: Mapped[list[ShiftAssignment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ShiftAssignment.valid_from")
    labour_rates: Mapped[list[LabourRate]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="LabourRate.valid_from")


class Qualification(Audited, IdMixin, Base):
    """An employee holds a skill, possibly until an expiry date (certifications)."""

    __tablename__ = "erp_qualifications"
    __table_args__ = (UniqueConstraint("employee_id", "skill_id"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_employees", self.employee_id)

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("erp_skills.id"))
    level: Mapped[str] = mapped_column(String(20), default="qualified")
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)

    skill: Mapped[Skill] = relationship(lazy="joined")

    @property
    def skill_code(self) -> str:
        return self.skill.code

    @property
    def skill_name(self) -> str:
        return self.skill.name

    def valid_on(self, day: date) -> bool:
        """An expired qualification does not count; it is valid through ``valid_until``."""
        return self.valid_until is None or day <= self.valid_until


class ShiftAssignment(Audited, IdMixin, Base):
    __tablename__ = "erp_shift_assignments"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_employees", self.employee_id)

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id"))
    shift_code: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    calendar: Mapped[Calendar] = relationship(lazy="joined")

    @property
    def calendar_code(self) -> str:
        return self.calendar.code


class LabourRate(Audited, IdMixin, Base):
    """Cost per hour from a date on; costing takes the rate valid on the work date."""

    __tablename__ = "erp_labour_rates"
    __table_args__ = (UniqueConstraint("employee_id", "valid_from"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_employees", self.employee_id)

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    hourly_rate: Mapped[Decimal] = mapped_column(Money)


# --- commands -----------------------------------------------------------------------------


class SkillIn(Command):
    code: Code
    name: Name


class SkillPatch(Patch):
    name: Name | None = None


class EmployeeIn(Command):
    code: Code
    name: Name
    site_code: Code
    active: bool = True


class EmployeePatch(Patch):
    name: Name | None = None
    site_code: Code | None = None
    active: bool | None = None


def _no_nulls(fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if value is None:
            raise ValidationFailed.on(key, "required", "must not be empty")


# --- skills -------------------------------------------------------------------------------


def get_skill(uow: UnitOfWork, code: str) -> Skill:
    uow.actor.require(Permission.PERSONNEL_READ)
    skill = uow.session.scalar(select(Skill).where(Skill.code == code))
    if skill is None:
        raise NotFound(f"skill {code!r} does not exist")
    return skill


def find_skill(uow: UnitOfWork, code: str, field: str = "skill") -> Skill:
    skill = uow.session.scalar(select(Skill).where(Skill.code == code))
    if skill is None:
        raise ValidationFailed.on(field, "unknown_skill", f"unknown skill {code!r}")
    return skill


def list_skills(uow: UnitOfWork, page: PageRequest) -> Page[Skill]:
    uow.actor.require(Permission.PERSONNEL_READ)
    return paginate(uow.session, select(Skill), page, search=[Skill.code, Skill.name],
                    filterable={"code": Skill.code}, order_by=[Skill.code])


def create_skill(uow: UnitOfWork, data: SkillIn) -> Skill:
    uow.actor.require(Permission.PERSONNEL_WRITE)
    if uow.session.scalar(select(Skill.id).where(Skill.code == data.code)):
        raise Conflict(f"skill {data.code!r} already exists")
    skill = Skill(code=data.code, name=data.name)
    uow.session.add(skill)
    uow.flush()
    return skill


def update_skill(uow: UnitOfWork, code: str, data: SkillPatch) -> Skill:
    uow.actor.require(Permission.PERSONNEL_WRITE)
    skill = get_skill(uow, code)
    check_version(skill, data.version)
    fields = data.model_dump(exclude_unset=True, exclude={"version"})
    _no_nulls(fields)
    for key, value in fields.items():
        setattr(skill, key, value)
    uow.flush()
    return skill


def delete_skill(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    uow.actor.require(Permission.PERSONNEL_WRITE)
    skill = get_skill(uow, code)
    check_version(skill, version)
    holders = uow.session.scalar(
        select(func.count()).where(Qualification.skill_id == skill.id)) or 0
    if holders:
        raise Conflict(f"skill {code!r} is held by {holders} employee(s); "
                       "revoke those qualifications first")
    uow.session.delete(skill)
    uow.flush()


# --- employees ----------------------------------------------------------------------------


def get_employee(uow: UnitOfWork, code: str) -> Employee:
    """Employees of a site the actor is not scoped to do not exist for them."""
    uow.actor.require(Permission.PERSONNEL_READ)
    emp = uow.session.scalar(select(Employee).where(Employee.code == code))
    if emp is None or not uow.actor.can_see_site(emp.site_code):
        raise NotFound(f"employee {code!r} does not exist")
    return emp


def employee_for_write(uow: UnitOfWork, code: str) -> Employee:
    uow.actor.require(Permission.PERSONNEL_WRITE)
    emp = uow.session.scalar(select(Employee).where(Employee.code == code))
    if emp is None:
        raise NotFound(f"employee {code!r} does not exist")
    uow.actor.require_site(emp.site_code)
    return emp


def list_employees(uow: UnitOfWork, page: PageRequest) -> Page[Employee]:
    """Filters: site, active, code; only employees of the actor's sites."""
    uow.actor.require(Permission.PERSONNEL_READ)
    stmt = select(Employee).where(site_scope(uow.actor, Employee.site_code))
    page, own = split_filters(page, {"active"})
    if "active" in own:
        stmt = stmt.where(Employee.active == bool_filter("active", own["active"]))
    return paginate(uow.session, stmt, page, search=[Employee.code, Employee.name],
                    filterable={"site": Employee.site_code, "code": Employee.code,
                                "active": Employee.active},
                    order_by=[Employee.code])


def create_employee(uow: UnitOfWork, data: EmployeeIn) -> Employee:
    uow.actor.require(Permission.PERSONNEL_WRITE)
    find_site(uow, data.site_code)
    uow.actor.require_site(data.site_code)
    if uow.session.scalar(select(Employee.id).where(Employee.code == data.code)):
        raise Conflict(f"employee {data.code!r} already exists")
    emp = Employee(code=data.code, name=data.name, site_code=data.site_code,
                   active=data.active)
    uow.session.add(emp)
    uow.flush()
    return emp


def update_employee(uow: UnitOfWork, code: str, data: EmployeePatch) -> Employee:
    emp = employee_for_write(uow, code)
    check_version(emp, data.version)
    fields = data.model_dump(exclude_unset=True, exclude={"version"})
    _no_nulls(fields)
    if "site_code" in fields:
        find_site(uow, fields["site_code"])
        uow.actor.require_site(fields["site_code"])
    for key, value in fields.items():
        setattr(emp, key, value)
    uow.flush()
    return emp


def delete_employee(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    """Removes the employee with their qualifications, shift assignments and rates."""
    emp = employee_for_write(uow, code)
    check_version(emp, version)
    uow.session.delete(emp)
    uow.flush()
