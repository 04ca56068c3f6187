"""Shift assignments: which calendar shift an employee works, over a period of dates."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator
from sqlalchemy import select

from gemba.core.commands import Code, Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, NotFound
from gemba.erp.equipment.calendar import Calendar
from gemba.erp.personnel.employee import (
    Employee,
    ShiftAssignment,
    employee_for_write,
    get_employee,
)


class ShiftAssignmentIn(Command):
    calendar: Code
    shift_code: Code
    valid_from: date
    valid_to: date | None = None  # inclusive; None: until further notice

    @model_validator(mode="after")
    def _period(self) -> ShiftAssignmentIn:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def assign_shift(uow: UnitOfWork, employee_code: str, data: ShiftAssignmentIn) -> Employee:
    """The shift code must exist in the calendar (on at least one weekday)."""
    emp = employee_for_write(uow, employee_code)
    issues = ErrorCollector()
    cal = uow.session.scalar(select(Calendar).where(Calendar.code == data.calendar))
    if cal is None:
        issues.add("calendar", "unknown_calendar", f"unknown calendar {data.calendar!r}")
    elif not any(s.code == data.shift_code for s in cal.shifts):
        known = ", ".join(sorted({s.code for s in cal.shifts})) or "none"
        issues.add("shift_code", "unknown_shift",
                   f"calendar {cal.code!r} has no shift {data.shift_code!r} (has: {known})")
    issues.raise_if_any()
    assert cal is not None
    for other in emp.shift_assignments:
        if (other.calendar_id == cal.id and other.shift_code == data.shift_code
                and _overlaps(other.valid_from, other.valid_to, data.valid_from, data.valid_to)):
            raise Conflict(f"employee {employee_code!r} is already assigned to shift "
                           f"{data.shift_code} of {cal.code!r} from {other.valid_from}")
    emp.shift_assignments.append(ShiftAssignment(
        calendar=cal, shift_code=data.shift_code, valid_from=data.valid_from,
        valid_to=data.valid_to))
    uow.flush()
    uow.session.expire(emp, ["shift_assignments"])  # reload in date order
    return emp


def unassign_shift(uow: UnitOfWork, employee_code: str, assignment_id: int) -> Employee:
    emp = employee_for_write(uow, employee_code)
    match = next((a for a in emp.shift_assignments if a.id == assignment_id), None)
    if match is None:
        raise NotFound(f"employee {employee_code!r} has no shift assignment {assignment_id}")
    emp.shift_assignments.remove(match)
    uow.flush()
    return emp


def shifts_on(uow: UnitOfWork, employee_code: str, day: date) -> list[ShiftAssignment]:
    """The assignments in force on ``day`` (both ends of a period included)."""
    emp = get_employee(uow, employee_code)
    return [a for a in emp.shift_assignments
            if _overlaps(a.valid_from, a.valid_to, day, day)]
