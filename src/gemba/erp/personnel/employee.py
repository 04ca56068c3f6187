"""Employees (ISA-95 Person), their qualifications, shift assignments and labour rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, Money, TimestampMixin, VersionedMixin
from gemba.erp.equipment.calendar import Calendar


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

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("erp_skills.id"))
    level: Mapped[str] = mapped_column(String(20), default="qualified")
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)

    skill: Mapped[Skill] = relationship(lazy="joined")


class ShiftAssignment(Audited, IdMixin, Base):
    __tablename__ = "erp_shift_assignments"

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id"))
    shift_code: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    calendar: Mapped[Calendar] = relationship(lazy="joined")


class LabourRate(Audited, IdMixin, Base):
    """Cost per hour from a date on; costing takes the rate valid on the work date."""

    __tablename__ = "erp_labour_rates"
    __table_args__ = (UniqueConstraint("employee_id", "valid_from"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id",
                                                        ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
