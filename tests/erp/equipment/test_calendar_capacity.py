"""Calendars (shifts, holidays, no overlaps) and the available hours capacity planning uses."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.erp.equipment.calendar import (
    CalendarIn,
    CalendarPatch,
    HolidayIn,
    ShiftIn,
    add_holiday,
    add_shift,
    check_no_overlap,
    create_calendar,
    delete_calendar,
    get_calendar,
    remove_holiday,
    remove_shift,
    update_calendar,
)
from gemba.erp.equipment.capacity import available_hours, working_minutes
from gemba.erp.equipment.equipment import EquipmentPatch, update_equipment
from gemba.erp.equipment.hierarchy import ensure_work_center

MONDAY = date(2024, 6, 3)  # a Monday; Wednesday 2024-06-05 is our holiday


def shift(code: str, weekday: int, start: str, end: str) -> ShiftIn:
    return ShiftIn(code=code, weekday=weekday, start=time.fromisoformat(start),
                   end=time.fromisoformat(end))


def two_shift_calendar(code: str = "2SHIFT", tz: str = "Europe/Berlin") -> CalendarIn:
    shifts = [shift("EARLY", d, "06:00", "14:00") for d in range(5)]
    shifts += [shift("LATE", d, "14:00", "22:30") for d in range(4)]
    return CalendarIn(code=code, name="Two shifts", timezone=tz, shifts=shifts,
                      holidays=[HolidayIn(day=date(2024, 6, 5), name="Plant holiday")])


def test_calendar_create_and_read(gemba):
    with gemba.uow() as uow:
        cal = create_calendar(uow, two_shift_calendar())
        uow.commit()
    with gemba.uow() as uow:
        cal = get_calendar(uow, "2SHIFT")
        assert cal.timezone == "Europe/Berlin"
        assert [(s.code, s.weekday) for s in cal.shifts][:3] == [
            ("EARLY", 0), ("LATE", 0), ("EARLY", 1)]
        assert cal.shifts[1].minutes == 510
        assert [h.day for h in cal.holidays] == [date(2024, 6, 5)]
    with gemba.uow() as uow, pytest.raises(Conflict):
        create_calendar(uow, two_shift_calendar())


def test_bad_calendar_input():
    with pytest.raises(ValidationError, match="timezone"):
        CalendarIn(code="X", name="X", timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="weekday"):
        shift("A", 7, "06:00", "14:00")
    with pytest.raises(ValidationError, match="equal"):
        shift("A", 0, "06:00", "06:00")
    with pytest.raises(ValidationError, match="whole minutes"):
        shift("A", 0, "06:00:30", "14:00")


@pytest.mark.parametrize("shifts", [
    [("A", 0, "06:00", "14:00"), ("B", 0, "13:00", "21:00")],
    [("N", 0, "22:00", "06:00"), ("E", 1, "05:30", "14:00")],   # overnight into Tuesday
    [("N", 6, "22:00", "06:00"), ("E", 0, "05:00", "13:00")],   # Sunday night into Monday
    [("A", 2, "08:00", "12:00"), ("B", 2, "09:00", "10:00")],   # contained
])
def test_overlapping_shifts_are_rejected(gemba, shifts):
    data = CalendarIn(code="OV", name="Overlap", shifts=[shift(*s) for s in shifts])
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        create_calendar(uow, data)
    assert err.value.issues[0].field == "shifts"
    assert err.value.issues[0].rule == "overlap"


def test_adjacent_shifts_and_shift_changes(gemba):
    with gemba.uow() as uow:
        create_calendar(uow, CalendarIn(code="C", name="C", shifts=[
            shift("E", 0, "06:00", "14:00"), shift("N", 0, "22:00", "06:00")]))
        uow.commit()
    with gemba.uow() as uow:
        cal = add_shift(uow, "C", shift("L", 0, "14:00", "22:00"))
        assert [s.code for s in cal.shifts] == ["E", "L", "N"]
        with pytest.raises(ValidationFailed) as err:
            add_shift(uow, "C", shift("X", 1, "05:00", "07:00"))  # clashes with Monday night
        assert err.value.issues[0].field == "shifts"
        uow.commit()
    with gemba.uow() as uow:
        assert get_calendar(uow, "C").version == 2  # shift changes move the version on
        with pytest.raises(Conflict):
            add_shift(uow, "C", shift("E", 0, "15:00", "16:00"))
        remove_shift(uow, "C", "N")
        cal = add_holiday(uow, "C", HolidayIn(day=MONDAY, name="Whit Monday"))
        with pytest.raises(Conflict):
            add_holiday(uow, "C", HolidayIn(day=MONDAY, name="Again"))
        assert working_minutes(cal, MONDAY) == 0
        cal = remove_holiday(uow, "C", MONDAY)
        assert working_minutes(cal, MONDAY) == 16 * 60
        with pytest.raises(NotFound):
            remove_holiday(uow, "C", MONDAY)
        with pytest.raises(NotFound):
            remove_shift(uow, "C", "N")


def test_available_hours_over_a_week_with_a_holiday(gemba):
    with gemba.uow() as uow:
        create_calendar(uow, two_shift_calendar())
        wc = ensure_work_center(uow, "LINE1", "Line 1", "S1", Decimal(8))
        update_equipment(uow, "LINE1", EquipmentPatch(version=wc.version, calendar="2SHIFT"))
        ensure_work_center(uow, "LINE2", "Line 2", "S1", Decimal("7.25"))
        uow.commit()
    with gemba.uow() as uow:
        sunday = date(2024, 6, 9)
        # Mon, Tue, Thu: 8 + 8.5; Wed holiday; Fri: 8 only; weekend nothing.
        assert available_hours(uow, "LINE1", MONDAY, sunday) == Decimal("57.5")
        assert available_hours(uow, "LINE1", date(2024, 6, 5), date(2024, 6, 5)) == 0
        # No calendar: hours_per_day on Monday-Friday, two weeks.
        assert available_hours(uow, "LINE2", MONDAY, date(2024, 6, 16)) == Decimal("72.5")
        with pytest.raises(ValidationFailed) as err:
            available_hours(uow, "LINE1", sunday, MONDAY)
        assert err.value.issues[0].field == "end"
        with pytest.raises(ValidationFailed) as err:
            available_hours(uow, "S1-MAIN", MONDAY, sunday)
        assert err.value.issues[0].field == "work_center"
        with pytest.raises(NotFound):
            available_hours(uow, "NOPE", MONDAY, sunday)


def test_night_shift_on_the_night_clocks_change(gemba):
    with gemba.uow() as uow:
        cal = create_calendar(uow, CalendarIn(code="NIGHT", name="Nights",
                                              timezone="Europe/Berlin", shifts=[
            shift("N", d, "22:00", "06:00") for d in range(7)]))
        assert working_minutes(cal, date(2024, 3, 29)) == 480
        assert working_minutes(cal, date(2024, 3, 30)) == 420   # spring forward
        assert working_minutes(cal, date(2024, 10, 26)) == 540  # fall back


def test_calendar_in_use_cannot_be_deleted(gemba):
    with gemba.uow() as uow:
        create_calendar(uow, two_shift_calendar())
        ensure_work_center(uow, "LINE1", "Line 1", "S1", None)
        uow.commit()
    with gemba.uow() as uow:
        update_equipment(uow, "LINE1", EquipmentPatch(version=1, calendar="2SHIFT"))
        uow.commit()
    with gemba.uow() as uow, pytest.raises(Conflict, match="still used"):
        delete_calendar(uow, "2SHIFT")
    with gemba.uow() as uow:
        update_calendar(uow, "2SHIFT", CalendarPatch(version=1, timezone="America/Chicago"))
        uow.commit()
    with gemba.uow() as uow, pytest.raises(Conflict, match="stale"):
        update_calendar(uow, "2SHIFT", CalendarPatch(version=1, name="x"))
    with gemba.uow() as uow:
        update_equipment(uow, "LINE1", EquipmentPatch(version=2, calendar=None))
        delete_calendar(uow, "2SHIFT", version=2)
        uow.commit()


def test_calendar_writes_need_permission(gemba):
    viewer = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))
    with gemba.uow(viewer) as uow, pytest.raises(PermissionDenied):
        create_calendar(uow, two_shift_calendar())


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 1439)),
                max_size=6))
def test_overlap_check_agrees_with_minute_sets(raw):
    """Property: the check fails exactly when two shifts share a minute of the week."""
    shifts, taken, clash = [], set(), False
    for i, (weekday, start, length) in enumerate(raw):
        end = (start + length) % 1440
        shifts.append((f"S{i}", weekday, time(start // 60, start % 60),
                       time(end // 60, end % 60)))
        minutes = {(weekday * 1440 + start + k) % (7 * 1440) for k in range(length)}
        clash = clash or bool(minutes & taken)
        taken |= minutes
    if clash:
        with pytest.raises(ValidationFailed):
            check_no_overlap(shifts)
    else:
        check_no_overlap(shifts)
