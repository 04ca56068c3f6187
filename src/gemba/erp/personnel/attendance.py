"""Attendance: employees clock in and out; hours worked and what they cost.

At most one open record (no ``clock_out``) per employee: a partial unique index makes the
database refuse a second one even when two terminals clock the same badge at the same moment.
Times are UTC; ``work_date`` is the UTC date of the clock-in, and the whole record (also a
night shift past midnight) counts on that date, at the labour rate in force on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import Field
from sqlalchemy import Date, ForeignKey, Index, String, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command
from gemba.core.db.base import (
    Base,
    IdMixin,
    TimestampMixin,
    UtcDateTime,
    VersionedMixin,
    enum_column,
)
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.types import quantize, utcnow
from gemba.erp.equipment.equipment import site_scope
from gemba.erp.personnel.employee import Employee
from gemba.erp.personnel.labour_rate import labour_rate_on

MAX_CLOCK_SKEW = timedelta(minutes=5)  # a terminal's clock may run a little ahead
MAX_RANGE_DAYS = 366
NOTE_LENGTH = 500
HOURS_PLACES = 2
COST_PLACES = 2
OPEN = text("clock_out IS NULL")


class AttendanceSource(StrEnum):
    TERMINAL = "terminal"
    BADGE = "badge"
    MANUAL = "manual"  # a supervisor's correction


class Attendance(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One stay at work, from clock-in to clock-out (open while ``clock_out`` is null)."""

    __tablename__ = "erp_attendance"
    __table_args__ = (
        Index("uq_erp_attendance_open_employee_id", "employee_id", unique=True,
              sqlite_where=OPEN, postgresql_where=OPEN),
        Index("ix_erp_attendance_employee_id_work_date", "employee_id", "work_date"),
    )

    employee_id: Mapped[int] = mapped_column(ForeignKey("erp_employees.id"))
    clock_in: Mapped[datetime] = mapped_column(UtcDateTime)
    clock_out: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    work_date: Mapped[date] = mapped_column(Date)
    source: Mapped[AttendanceSource] = mapped_column(enum_column(AttendanceSource))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH), nullable=True)

    employee: Mapped[Employee] = relationship(lazy="joined")

    @property
    def employee_code(self) -> str:
        return self.employee.code

    @property
    def employee_name(self) -> str:
        return self.employee.name

    @property
    def hours(self) -> Decimal | None:
        """Hours to 0.01 h (36 s); None while still clocked in."""
        if self.clock_out is None:
            return None
        micros = (self.clock_out - self.clock_in) // timedelta(microseconds=1)
        return quantize(Decimal(micros) / Decimal(3_600_000_000), HOURS_PLACES)


@dataclass(frozen=True)
class Presence:
    employee_code: str
    employee_name: str
    site_code: str | None
    since: datetime
    source: AttendanceSource


@dataclass(frozen=True)
class CostedAttendance:
    record: Attendance
    hours: Decimal
    hourly_rate: Decimal
    cost: Decimal


@dataclass(frozen=True)
class AttendanceSummary:
    """Closed records of the range with their cost; totals are sums of the lines, so a
    report adds up to the cent. Open records are counted but neither timed nor costed."""

    employee_code: str
    start: date
    end: date
    lines: list[CostedAttendance]
    open_records: int
    hours: Decimal
    labour_cost: Decimal


# --- commands (the API's bodies) -----------------------------------------------------------


class ClockIn(Command):
    employee: Code
    at: datetime | None = None  # default: now
    source: AttendanceSource = AttendanceSource.TERMINAL


class ClockOut(Command):
    employee: Code
    at: datetime | None = None


class ManualAttendance(Command):
    employee: Code
    clock_in: datetime
    clock_out: datetime
    note: str = Field(min_length=1, max_length=NOTE_LENGTH)


# --- helpers ------------------------------------------------------------------------------


def _employee(uow: UnitOfWork, code: str, *, lock: bool = False) -> Employee:
    """Employees of sites the actor is not scoped to are unknown to them. ``lock`` takes the
    employee's row lock (PostgreSQL) so one employee's attendance writes run one at a time;
    SQLite already serialises writers."""
    stmt = select(Employee).where(Employee.code == code)
    if lock:
        stmt = stmt.with_for_update()
    emp = uow.session.scalar(stmt)
    if emp is None or not uow.actor.can_see_site(emp.site_code):
        raise ValidationFailed.on("employee", "unknown_employee", f"unknown employee {code!r}")
    return emp


def _moment(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed.on(field, "timezone",
                                  "must include a time zone, e.g. 2024-06-03T06:00:00Z")
    value = value.astimezone(UTC)
    if value > utcnow() + MAX_CLOCK_SKEW:
        raise ValidationFailed.on(field, "future", "must not be in the future")
    return value


def _source(value: AttendanceSource | str) -> AttendanceSource:
    try:
        return AttendanceSource(value)
    except ValueError:
        allowed = ", ".join(s.value for s in AttendanceSource)
        raise ValidationFailed.on("source", "choice", f"must be one of {allowed}") from None


def _range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed.on("end", "range", "must not be before start")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed.on("end", "range", f"the range may span at most "
                                                  f"{MAX_RANGE_DAYS} days")


def _open_record(uow: UnitOfWork, employee_id: int) -> Attendance | None:
    return uow.session.scalar(select(Attendance).where(Attendance.employee_id == employee_id,
                                                       Attendance.clock_out.is_(None)))


def _overlapping(uow: UnitOfWork, employee_id: int, start: datetime,
                 end: datetime | None) -> Attendance | None:
    """A record of the employee sharing some time with [start, end) (end None: open)."""
    stmt = select(Attendance).where(
        Attendance.employee_id == employee_id,
        (Attendance.clock_out.is_(None)) | (Attendance.clock_out > start))
    if end is not None:
        stmt = stmt.where(Attendance.clock_in < end)
    return uow.session.scalars(stmt.order_by(Attendance.clock_in)).first()


def _when(moment: datetime | None) -> str:
    return "still open" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# --- clocking -----------------------------------------------------------------------------


def clock_in(uow: UnitOfWork, employee_code: str, at: datetime | None = None,
             source: AttendanceSource | str = AttendanceSource.TERMINAL) -> Attendance:
    uow.actor.require(Permission.ATTENDANCE_WRITE)
    moment = utcnow() if at is None else _moment(at, "at")
    kind = _source(source)
    emp = _employee(uow, employee_code, lock=True)
    if not emp.active:
        raise Conflict(f"employee {employee_code!r} is inactive and cannot clock in")
    current = _open_record(uow, emp.id)
    if current is not None:
        raise Conflict(f"employee {employee_code!r} is already clocked in "
                       f"(since {_when(current.clock_in)})")
    earlier = _overlapping(uow, emp.id, moment, None)
    if earlier is not None:
        raise Conflict(f"employee {employee_code!r} was at work until {_when(earlier.clock_out)}"
                       f"; cannot clock in at {_when(moment)}")
    record = Attendance(employee=emp, clock_in=moment, work_date=moment.date(), source=kind)
    uow.session.add(record)
    try:
        uow.flush()
    except Conflict as exc:  # the open-record index: someone clocked them in a moment ago
        raise Conflict(f"employee {employee_code!r} is already clocked in") from exc
    return record


def clock_out(uow: UnitOfWork, employee_code: str, at: datetime | None = None) -> Attendance:
    """Closes the open record; also for an employee deactivated meanwhile."""
    uow.actor.require(Permission.ATTENDANCE_WRITE)
    moment = utcnow() if at is None else _moment(at, "at")
    emp = _employee(uow, employee_code, lock=True)
    record = _open_record(uow, emp.id)
    if record is None:
        raise Conflict(f"employee {employee_code!r} is not clocked in")
    if moment <= record.clock_in:
        raise ValidationFailed.on("at", "after_clock_in",
                                  f"must be after the clock-in at {_when(record.clock_in)}")
    record.clock_out = moment
    uow.flush()
    return record


def record_attendance(uow: UnitOfWork, employee_code: str, clock_in: datetime,
                      clock_out: datetime, note: str) -> Attendance:
    """A supervisor's correction (forgotten clock-in, broken terminal): a closed record with
    the reason, which also goes into the audit trail."""
    uow.actor.require(Permission.PERSONNEL_WRITE)
    start = _moment(clock_in, "clock_in")
    end = _moment(clock_out, "clock_out")
    if end <= start:
        raise ValidationFailed.on("clock_out", "after_clock_in", "must be after clock_in")
    reason = (note or "").strip()
    if not reason:
        raise ValidationFailed.on("note", "required", "give the reason for the correction")
    if len(reason) > NOTE_LENGTH:
        raise ValidationFailed.on("note", "max_length", f"at most {NOTE_LENGTH} characters")
    emp = _employee(uow, employee_code, lock=True)
    clash = _overlapping(uow, emp.id, start, end)
    if clash is not None:
        raise Conflict(f"overlaps the attendance of {employee_code!r} from "
                       f"{_when(clash.clock_in)} to {_when(clash.clock_out)}")
    record = Attendance(employee=emp, clock_in=start, clock_out=end, work_date=start.date(),
                        source=AttendanceSource.MANUAL, note=reason)
    uow.session.add(record)
    info = uow.session.info
    given = info.get("reason")
    info["reason"] = given or f"attendance correction: {reason}"
    try:
        uow.flush()
    finally:
        info["reason"] = given
    return record


# --- reading ------------------------------------------------------------------------------


def attendance_for(uow: UnitOfWork, employee_code: str, start: date,
                   end: date) -> list[Attendance]:
    """The employee's records with a work date in [start, end], oldest first."""
    uow.actor.require(Permission.PERSONNEL_READ)
    _range(start, end)
    emp = _employee(uow, employee_code)
    return list(uow.session.scalars(
        select(Attendance).where(Attendance.employee_id == emp.id,
                                 Attendance.work_date >= start, Attendance.work_date <= end)
        .order_by(Attendance.clock_in)))


def _costed(uow: UnitOfWork, employee_code: str, records: list[Attendance]
            ) -> list[CostedAttendance]:
    rates: dict[date, Decimal | None] = {}
    lines = []
    for rec in records:
        hours = rec.hours
        if hours is None:
            continue
        if rec.work_date not in rates:
            rates[rec.work_date] = labour_rate_on(uow, employee_code, rec.work_date)
        rate = rates[rec.work_date]
        if rate is None:
            raise Conflict(f"employee {employee_code!r} has no labour rate in force on "
                           f"{rec.work_date.isoformat()}; add a rate valid from that date "
                           "or earlier")
        lines.append(CostedAttendance(rec, hours, rate, quantize(hours * rate, COST_PLACES)))
    return lines


def attendance_summary(uow: UnitOfWork, employee_code: str, start: date,
                       end: date) -> AttendanceSummary:
    """Hours and labour cost of the closed records; a record without a rate in force on its
    work date is an error naming that date (costing must not silently count it as free)."""
    records = attendance_for(uow, employee_code, start, end)
    lines = _costed(uow, employee_code, records)
    return AttendanceSummary(
        employee_code=employee_code, start=start, end=end, lines=lines,
        open_records=sum(1 for r in records if r.clock_out is None),
        hours=sum((line.hours for line in lines), Decimal(0)),
        labour_cost=sum((line.cost for line in lines), Decimal(0)))


def hours_worked(uow: UnitOfWork, employee_code: str, start: date, end: date) -> Decimal:
    """Hours of the closed records with a work date in the range (each to 0.01 h)."""
    records = attendance_for(uow, employee_code, start, end)
    total = sum((h for h in (r.hours for r in records) if h is not None), Decimal(0))
    return quantize(total, HOURS_PLACES)


def labour_cost(uow: UnitOfWork, employee_code: str, start: date, end: date) -> Decimal:
    """Sum over closed records of hours x the rate in force on the record's work date."""
    return quantize(attendance_summary(uow, employee_code, start, end).labour_cost,
                    COST_PLACES)


def who_is_in(uow: UnitOfWork) -> list[Presence]:
    """Employees of the actor's sites clocked in right now, by code."""
    uow.actor.require(Permission.PERSONNEL_READ)
    rows = uow.session.execute(
        select(Employee.code, Employee.name, Employee.site_code, Attendance.clock_in,
               Attendance.source)
        .join(Attendance, Attendance.employee_id == Employee.id)
        .where(Attendance.clock_out.is_(None), site_scope(uow.actor, Employee.site_code))
        .order_by(Employee.code)).all()
    return [Presence(employee_code=r.code, employee_name=r.name, site_code=r.site_code,
                     since=r.clock_in, source=r.source) for r in rows]
