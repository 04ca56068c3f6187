"""REST resources for attendance: clock in/out (terminals), corrections, lists and cost."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query

from gemba.api.crud import Out
from gemba.api.deps import UowDep
from gemba.erp.personnel import attendance as att


class AttendanceOut(Out):
    id: int
    employee_code: str
    clock_in: datetime
    clock_out: datetime | None
    work_date: date
    source: att.AttendanceSource
    note: str | None
    hours: Decimal | None
    version: int


class PresenceOut(Out):
    employee_code: str
    employee_name: str
    site_code: str | None
    since: datetime
    source: att.AttendanceSource


class SummaryOut(Out):
    employee_code: str
    start: date
    end: date
    records: int
    open_records: int
    hours: Decimal
    labour_cost: Decimal


router = APIRouter(prefix="/attendance", tags=["attendance"])


def _done(uow: UowDep, record: att.Attendance) -> Any:
    uow.commit()
    return AttendanceOut.model_validate(record)


@router.post("/clock-in", response_model=AttendanceOut, status_code=201)
def clock_in(body: att.ClockIn, uow: UowDep) -> Any:
    """Open a stay at work; 409 if the employee is already clocked in or inactive."""
    return _done(uow, att.clock_in(uow, body.employee, body.at, body.source))


@router.post("/clock-out", response_model=AttendanceOut)
def clock_out(body: att.ClockOut, uow: UowDep) -> Any:
    """Close the open stay; 409 if the employee is not clocked in."""
    return _done(uow, att.clock_out(uow, body.employee, body.at))


@router.post("", response_model=AttendanceOut, status_code=201)
def record(body: att.ManualAttendance, uow: UowDep) -> Any:
    """A supervisor's correction: a closed stay with the reason in ``note``."""
    return _done(uow, att.record_attendance(uow, body.employee, body.clock_in,
                                            body.clock_out, body.note))


@router.get("", response_model=list[AttendanceOut])
def list_attendance(uow: UowDep, employee: str = Query(...), start: date = Query(...),
                    end: date = Query(...)) -> Any:
    """The employee's stays with a work date (UTC date of the clock-in) in [start, end]."""
    return [AttendanceOut.model_validate(r)
            for r in att.attendance_for(uow, employee, start, end)]


@router.get("/present", response_model=list[PresenceOut])
def present(uow: UowDep) -> Any:
    """Who is clocked in right now."""
    return [PresenceOut.model_validate(p) for p in att.who_is_in(uow)]


@router.get("/summary", response_model=SummaryOut)
def summary(uow: UowDep, employee: str = Query(...), start: date = Query(...),
            end: date = Query(...)) -> Any:
    """Hours and labour cost of the closed stays (each at the rate in force on its work
    date); 409 naming the date when no rate was in force."""
    s = att.attendance_summary(uow, employee, start, end)
    return SummaryOut(employee_code=s.employee_code, start=s.start, end=s.end,
                      records=len(s.lines) + s.open_records, open_records=s.open_records,
                      hours=s.hours, labour_cost=s.labour_cost)
