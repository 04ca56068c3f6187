"""Attendance pages: a touch-friendly time clock for shop-floor terminals, and the overview for
supervisors and costing (who is in, a person's stays with hours and cost, corrections, and
qualifications about to expire)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.personnel import attendance as att
from gemba.erp.personnel import employee as emp
from gemba.erp.personnel.qualification import expiring_qualifications
from gemba.web.context import Ctx, Form, WebContext, WebRoute
from gemba.web.forms import REQUIRED, FormState, add_issues
from gemba.web.nav import NavEntry, register

P = Permission
BASE = "/erp/attendance"
CLOCK = "/erp/time-clock"
EXPIRY_DAYS = 30
DEFAULT_DAYS = 7
FORM_ERRORS = (ValidationFailed, Conflict)

router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("erp", "Attendance", BASE, P.PERSONNEL_READ, order=65))
register(NavEntry("erp", "Time clock", CLOCK, P.ATTENDANCE_WRITE, order=66))


@dataclass(frozen=True)
class Report:
    """One employee's stays in a date range; ``lines`` maps record id -> its costed line."""

    employee: str
    start: str
    end: str
    records: list[att.Attendance]
    lines: dict[int, att.CostedAttendance]
    summary: att.AttendanceSummary | None
    error: str | None = None  # the range or employee is wrong: nothing listed
    cost_error: str | None = None  # listed, but not costed (no labour rate in force)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _day(raw: str, default: date, field: str) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(field, "date", "must be a date (YYYY-MM-DD)") from None


def _utc(raw: str, field: str) -> datetime:
    """A ``datetime-local`` input, read as UTC (the page says so)."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(field, "datetime", "must be a date and time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def employee_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    return [(e.code, f"{e.code} — {e.name}")
            for e in emp.list_employees(uow, PageRequest(limit=500)).items]


def build_report(uow: UnitOfWork, query: Mapping[str, str]) -> Report:
    today = utcnow().date()
    code = query.get("employee", "").strip()
    raw_start, raw_end = query.get("start", "").strip(), query.get("end", "").strip()
    empty = Report(code, raw_start, raw_end, [], {}, None)
    try:
        end = _day(raw_end, today, "end")
        start = _day(raw_start, end - timedelta(days=DEFAULT_DAYS - 1), "start")
        empty = Report(code, start.isoformat(), end.isoformat(), [], {}, None)
        if not code:
            return empty
        records = att.attendance_for(uow, code, start, end)
    except ValidationFailed as exc:
        return replace(empty, error=exc.message)
    try:
        summary = att.attendance_summary(uow, code, start, end)
    except Conflict as exc:
        return replace(empty, records=records, cost_error=exc.message)
    lines = {line.record.id: line for line in summary.lines}
    return replace(empty, records=records, lines=lines, summary=summary)


def render_overview(ctx: WebContext, uow: UnitOfWork, query: Mapping[str, str],
                    clock_state: FormState | None = None, fix_state: FormState | None = None,
                    status: int = 200) -> Response:
    report = build_report(uow, query)
    if report.error and status == 200:
        status = 422
    can_fix = ctx.can(P.PERSONNEL_WRITE)
    return ctx.render(
        "erp/attendance/index.html", status, report=report, present=att.who_is_in(uow),
        expiring=expiring_qualifications(uow, EXPIRY_DAYS), expiry_days=EXPIRY_DAYS,
        employees=employee_choices(uow), can_clock=ctx.can(P.ATTENDANCE_WRITE),
        can_fix=can_fix, clock_state=clock_state or FormState(),
        fix_state=fix_state or FormState(values={"employee": report.employee}), back=BASE)


def render_clock(ctx: WebContext, uow: UnitOfWork, state: FormState | None = None,
                 status: int = 200) -> Response:
    present = att.who_is_in(uow) if ctx.can(P.PERSONNEL_READ) else None
    return ctx.render("erp/attendance/clock.html", status, clock_state=state or FormState(),
                      present=present, back=CLOCK)


@router.get(CLOCK)
def time_clock(ctx: Ctx) -> Response:
    ctx.actor.require(P.ATTENDANCE_WRITE)
    with ctx.uow() as uow:
        return render_clock(ctx, uow)


@router.get(BASE)
def overview(ctx: Ctx, request: Request) -> Response:
    ctx.actor.require(P.PERSONNEL_READ)
    with ctx.uow() as uow:
        return render_overview(ctx, uow, request.query_params)


@router.post(BASE + "/clock")
def clock(ctx: Ctx, form: Form) -> Response:
    """Clock in or out (which button was pressed), then back to the page it came from."""
    ctx.actor.require(P.ATTENDANCE_WRITE)
    back = BASE if _text(form, "back") == BASE and ctx.can(P.PERSONNEL_READ) else CLOCK
    code, action = _text(form, "employee"), _text(form, "action")
    state = FormState(values={"employee": code})
    status = 422
    with ctx.uow() as uow:
        if not code:
            state.errors["employee"] = REQUIRED
        elif action not in ("in", "out"):
            state.messages.append("Press Clock in or Clock out.")
        else:
            try:
                record = (att.clock_in(uow, code) if action == "in"
                          else att.clock_out(uow, code))
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                add_issues(state, exc, {"employee"})
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                moment = record.clock_in if action == "in" else record.clock_out
                assert moment is not None
                done = "in" if action == "in" else "out"
                return ctx.redirect(back, f"{record.employee_name} ({record.employee_code}) "
                                          f"clocked {done} at {moment:%H:%M} UTC.")
        if back == BASE:
            return render_overview(ctx, uow, {}, clock_state=state, status=status)
        return render_clock(ctx, uow, state, status)


FIX_FIELDS = ("employee", "clock_in", "clock_out", "note")


@router.post(BASE + "/correct")
def correct(ctx: Ctx, form: Form) -> Response:
    """A supervisor's manual record (times in UTC, reason required)."""
    ctx.actor.require(P.PERSONNEL_WRITE)
    state = FormState(values={name: _text(form, name) for name in FIX_FIELDS})
    for name in FIX_FIELDS:
        if not state.values[name]:
            state.errors[name] = REQUIRED
    status = 422
    with ctx.uow() as uow:
        if state.ok:
            try:
                v = state.values
                record = att.record_attendance(uow, v["employee"],
                                               _utc(v["clock_in"], "clock_in"),
                                               _utc(v["clock_out"], "clock_out"), v["note"])
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                add_issues(state, exc, set(FIX_FIELDS))
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                day = record.work_date.isoformat()
                target = urlencode({"employee": record.employee_code, "start": day, "end": day})
                return ctx.redirect(f"{BASE}?{target}#records",
                                    f"Attendance of {record.employee_code} on {day} recorded.")
        query = {"employee": state.values["employee"]}
        return render_overview(ctx, uow, query, fix_state=state, status=status)
