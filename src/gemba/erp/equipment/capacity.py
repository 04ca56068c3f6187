"""Available time of a work center, from its calendar: what capacity planning consumes.

A shift counts on the day it starts (an overnight shift belongs wholly to its start day) and
a holiday cancels the shifts starting on it. Lengths are real elapsed time in the calendar's
timezone, so the night the clocks change has one hour more or less.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import QTY_PLACES, quantize
from gemba.erp.equipment.calendar import Calendar, Shift
from gemba.erp.equipment.equipment import EquipmentLevel, get_equipment

MAX_RANGE_DAYS = 3660
WORKWEEK = range(0, 5)  # Monday to Friday, for work centers without a calendar


def _elapsed_minutes(shift: Shift, day: date, zone: ZoneInfo) -> int:
    start = datetime.combine(day, shift.start_time, tzinfo=zone)
    end_day = day + timedelta(days=1) if shift.end_time <= shift.start_time else day
    end = datetime.combine(end_day, shift.end_time, tzinfo=zone)
    # Aware datetimes of one tzinfo subtract as wall clock; go through UTC for real time.
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()) // 60


def _minutes_on(shifts: Iterable[Shift], holidays: set[date], zone: ZoneInfo,
                day: date) -> int:
    if day in holidays:
        return 0
    return sum(_elapsed_minutes(s, day, zone) for s in shifts if s.weekday == day.weekday())


def working_minutes(calendar: Calendar, day: date) -> int:
    """Minutes of the shifts starting on ``day`` (0 on a holiday)."""
    holidays = {h.day for h in calendar.holidays}
    return _minutes_on(calendar.shifts, holidays, ZoneInfo(calendar.timezone), day)


def _days(start: date, end: date) -> list[date]:
    if end < start:
        raise ValidationFailed.on("end", "before_start", f"{end} is before the start {start}")
    count = (end - start).days + 1
    if count > MAX_RANGE_DAYS:
        raise ValidationFailed.on("end", "range_too_long",
                                  f"at most {MAX_RANGE_DAYS} days at a time (asked {count})")
    return [start + timedelta(days=i) for i in range(count)]


def calendar_minutes(calendar: Calendar, start_date: date, end_date: date) -> int:
    """Working minutes of a calendar from ``start_date`` to ``end_date``, both included."""
    holidays = {h.day for h in calendar.holidays}
    zone = ZoneInfo(calendar.timezone)
    shifts = list(calendar.shifts)
    return sum(_minutes_on(shifts, holidays, zone, d) for d in _days(start_date, end_date))


def minutes_to_hours(minutes: int) -> Decimal:
    """Exact for whole quarter hours; otherwise rounded half-up to the quantity precision."""
    return quantize(Decimal(minutes) / Decimal(60), QTY_PLACES)


def available_hours(uow: UnitOfWork, work_center_code: str, start_date: date,
                    end_date: date) -> Decimal:
    """Hours a work center can work from ``start_date`` to ``end_date`` (both included).

    With a calendar: its shifts minus its holidays. Without: ``hours_per_day`` on each
    Monday to Friday (0 when that is not set either).
    """
    wc = get_equipment(uow, work_center_code)
    if wc.level != EquipmentLevel.WORK_CENTER:
        raise ValidationFailed.on("work_center", "not_a_work_center",
                                  f"{wc.code!r} is a {wc.level.value}, not a work center")
    days = _days(start_date, end_date)
    if wc.calendar is not None:
        return minutes_to_hours(calendar_minutes(wc.calendar, start_date, end_date))
    per_day = wc.hours_per_day or Decimal(0)
    workdays = sum(1 for d in days if d.weekday() in WORKWEEK)
    return quantize(per_day * workdays, QTY_PLACES)
