"""Working calendars: weekly shifts and holidays, used for capacity and scheduling.

Shift times are wall-clock times in the calendar's IANA timezone. A shift whose end is
before its start runs overnight into the next day; the shifts of one calendar never overlap,
including an overnight shift spilling into the next morning (and Sunday night into Monday).
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator, model_validator
from sqlalchemy import Date, ForeignKey, Integer, String, Time, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, Patch
from gemba.core.db.base import Base, IdMixin, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_MIN = 24 * 60
WEEK_MIN = 7 * DAY_MIN


class Calendar(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_calendars"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")  # IANA name

    shifts: Mapped[list[Shift]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                               order_by="(Shift.weekday, Shift.start_time)")
    holidays: Mapped[list[Holiday]] = relationship(cascade="all, delete-orphan",
                                                   lazy="selectin", order_by="Holiday.day")


class Shift(Audited, IdMixin, Base):
    """A weekly recurring shift; ``end_time`` before ``start_time`` means it ends next day."""

    __tablename__ = "erp_shifts"
    __table_args__ = (UniqueConstraint("calendar_id", "code", "weekday"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_calendars", self.calendar_id)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id",
                                                        ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # e.g. EARLY, LATE, NIGHT
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday (ISO weekday - 1)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    @property
    def start(self) -> time:
        return self.start_time

    @property
    def end(self) -> time:
        return self.end_time

    @property
    def minutes(self) -> int:
        """Nominal length (wall clock); DST nights are handled by capacity.working_minutes."""
        return shift_length(self.start_time, self.end_time)


class Holiday(Audited, IdMixin, Base):
    __tablename__ = "erp_holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_calendars", self.calendar_id)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id",
                                                        ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {name!r} (e.g. Europe/Berlin, UTC)") from None
    return name


Timezone = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(_check_timezone)]


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def shift_length(start: time, end: time) -> int:
    """Minutes from start to end on the wall clock; an earlier end means the next day."""
    length = _minute_of_day(end) - _minute_of_day(start)
    return length if length > 0 else length + DAY_MIN


class ShiftIn(Command):
    code: Code
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    start: time
    end: time

    @field_validator("start", "end")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a wall-clock time without offset; the calendar has the zone")
        if value.second or value.microsecond:
            raise ValueError("shift times are whole minutes (HH:MM)")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> ShiftIn:
        if self.start == self.end:
            raise ValueError("start and end are equal; for round-the-clock work use two "
                             "shifts such as 06:00-18:00 and 18:00-06:00")
        return self


class HolidayIn(Command):
    day: date
    name: Name


class CalendarIn(Command):
    code: Code
    name: Name
    timezone: Timezone = "UTC"
    shifts: list[ShiftIn] = Field(default_factory=list, max_length=500)
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=5000)


class CalendarPatch(Patch):
    name: Name | None = None
    timezone: Timezone | None = None


def _label(code: str, weekday: int, start: time, end: time) -> str:
    return f"{code} on {WEEKDAYS[weekday]} {start:%H:%M}-{end:%H:%M}"


def check_no_overlap(shifts: list[tuple[str, int, time, time]]) -> None:
    """Shifts are intervals on a circular week; any two sharing a minute is an error (422)."""
    spans = []
    for code, weekday, start, end in shifts:
        begin = weekday * DAY_MIN + _minute_of_day(start)
        spans.append((begin, begin + shift_length(start, end), (code, weekday, start, end)))
    for i, (a0, a1, a) in enumerate(spans):
        for b0, b1, b in spans[i + 1:]:
            if any(a0 < b1 + k and b0 + k < a1 for k in (-WEEK_MIN, 0, WEEK_MIN)):
                raise ValidationFailed.on("shifts", "overlap",
                                          f"shift {_label(*b)} overlaps shift {_label(*a)}")


def _check_unique_holidays(holidays: list[HolidayIn]) -> None:
    seen: set[date] = set()
    for h in holidays:
        if h.day in seen:
            raise ValidationFailed.on("holidays", "duplicate", f"{h.day} is listed twice")
        seen.add(h.day)


def _check_unique_shifts(shifts: list[ShiftIn]) -> None:
    seen: set[tuple[str, int]] = set()
    for s in shifts:
        if (s.code, s.weekday) in seen:
            raise ValidationFailed.on("shifts", "duplicate",
                                      f"shift {s.code} is given twice on {WEEKDAYS[s.weekday]}")
        seen.add((s.code, s.weekday))


def _find(uow: UnitOfWork, code: str) -> Calendar | None:
    return uow.session.scalar(select(Calendar).where(Calendar.code == code))


def get_calendar(uow: UnitOfWork, code: str) -> Calendar:
    uow.actor.require(Permission.MASTERDATA_READ)
    cal = _find(uow, code)
    if cal is None:
        raise NotFound(f"calendar {code!r} does not exist")
    return cal


def _for_write(uow: UnitOfWork, code: str) -> Calendar:
    uow.actor.require(Permission.EQUIPMENT_WRITE)
    return get_calendar(uow, code)


def list_calendars(uow: UnitOfWork, page: PageRequest) -> Page[Calendar]:
    uow.actor.require(Permission.MASTERDATA_READ)
    return paginate(uow.session, select(Calendar), page, search=[Calendar.code, Calendar.name],
                    filterable={"code": Calendar.code, "timezone": Calendar.timezone},
                    order_by=[Calendar.code])


def create_calendar(uow: UnitOfWork, data: CalendarIn) -> Calendar:
    uow.actor.require(Permission.EQUIPMENT_WRITE)
    _check_unique_shifts(data.shifts)
    check_no_overlap([(s.code, s.weekday, s.start, s.end) for s in data.shifts])
    _check_unique_holidays(data.holidays)
    if _find(uow, data.code) is not None:
        raise Conflict(f"calendar {data.code!r} already exists")
    cal = Calendar(code=data.code, name=data.name, timezone=data.timezone,
                   shifts=[Shift(code=s.code, weekday=s.weekday, start_time=s.start,
                                 end_time=s.end) for s in data.shifts],
                   holidays=[Holiday(day=h.day, name=h.name) for h in data.holidays])
    uow.session.add(cal)
    uow.flush()
    return cal


def update_calendar(uow: UnitOfWork, code: str, data: CalendarPatch) -> Calendar:
    cal = _for_write(uow, code)
    check_version(cal, data.version)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        if value is None:
            raise ValidationFailed.on(key, "required", "must not be empty")
        setattr(cal, key, value)
    uow.flush()
    return cal


def delete_calendar(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    cal = _for_write(uow, code)
    check_version(cal, version)
    uow.session.delete(cal)
    try:
        uow.flush()
    except Conflict as exc:
        raise Conflict(f"calendar {code!r} is still used by equipment or shift assignments; "
                       "assign another calendar first") from exc


def _touch(cal: Calendar) -> None:
    """Changing shifts or holidays changes the calendar: its version moves on too."""
    cal.updated_at = utcnow()


def add_shift(uow: UnitOfWork, code: str, data: ShiftIn) -> Calendar:
    cal = _for_write(uow, code)
    if any(s.code == data.code and s.weekday == data.weekday for s in cal.shifts):
        raise Conflict(f"calendar {code!r} already has shift {data.code} on "
                       f"{WEEKDAYS[data.weekday]}")
    check_no_overlap([(s.code, s.weekday, s.start_time, s.end_time) for s in cal.shifts]
                     + [(data.code, data.weekday, data.start, data.end)])
    cal.shifts.append(Shift(code=data.code, weekday=data.weekday, start_time=data.start,
                            end_time=data.end))
    _touch(cal)
    uow.flush()
    uow.session.expire(cal, ["shifts"])  # reload in weekday/start order
    return cal


def remove_shift(uow: UnitOfWork, code: str, shift_code: str,
                 weekday: int | None = None) -> Calendar:
    """Remove one shift on one weekday, or on every weekday when ``weekday`` is None."""
    cal = _for_write(uow, code)
    doomed = [s for s in cal.shifts
              if s.code == shift_code and (weekday is None or s.weekday == weekday)]
    if not doomed:
        on = f" on {WEEKDAYS[weekday]}" if weekday is not None and 0 <= weekday <= 6 else ""
        raise NotFound(f"calendar {code!r} has no shift {shift_code!r}{on}")
    for s in doomed:
        cal.shifts.remove(s)
    _touch(cal)
    uow.flush()
    return cal


def add_holiday(uow: UnitOfWork, code: str, data: HolidayIn) -> Calendar:
    cal = _for_write(uow, code)
    if any(h.day == data.day for h in cal.holidays):
        raise Conflict(f"calendar {code!r} already has a holiday on {data.day}")
    cal.holidays.append(Holiday(day=data.day, name=data.name))
    _touch(cal)
    uow.flush()
    uow.session.expire(cal, ["holidays"])
    return cal


def remove_holiday(uow: UnitOfWork, code: str, day: date) -> Calendar:
    cal = _for_write(uow, code)
    match = next((h for h in cal.holidays if h.day == day), None)
    if match is None:
        raise NotFound(f"calendar {code!r} has no holiday on {day}")
    cal.holidays.remove(match)
    _touch(cal)
    uow.flush()
    return cal
