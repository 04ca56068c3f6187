"""The operator terminal: a touch screen (and a barcode scanner that types like a keyboard)
at a work station. The station is logged in with a normal Gemba login; the OPERATOR signs on
with a badge scan and every action is done in their name. Pick the work center, the job
from its dispatch list, then start / pause / resume / complete it, scan component lots to
consume, name the output lot and print its label.

Plain forms, redirect after a successful POST. A refused action (the services'
ValidationFailed / Conflict / NotFound) draws the same page again with the message in a
banner, so the operator never leaves the terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, GembaError, NotFound, ValidationFailed
from gemba.core.types import utcnow
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.personnel import person_by_badge
from gemba.web.context import Ctx, Form, WebContext, WebRoute, safe_next
from gemba.web.forms import issues_of
from gemba.web.labels import Label, label_svg
from gemba.web.nav import NavEntry, register
from gemba.web.pages import terminal_views as tv
from gemba.web.templating import display, humanize

P = Permission
BASE = "/mes/terminal"
ZERO = Decimal(0)
REFUSED = (ValidationFailed, Conflict, NotFound)
T = "mes/terminal/"

router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("mes", "Terminal", BASE, P.MES_EXECUTE, order=5))


def job_url(number: str, seq: int, **query: str) -> str:
    url = f"{BASE}/jobs/{quote(number, safe='')}/{seq}"
    return url + ("?" + urlencode(query) if query else "")


def label_url(item: str, code: str, suffix: str = "", **query: str) -> str:
    url = f"{BASE}/labels/{quote(item, safe='')}/{quote(code, safe='')}{suffix}"
    return url + ("?" + urlencode(query) if query else "")


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _qty(form: Mapping[str, Any], name: str) -> Decimal:
    """A quantity typed on a touch keypad: empty is 0; a comma is a decimal point."""
    raw = _text(form, name).replace(",", ".")
    if not raw:
        return ZERO
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed.on(name, "number", f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValidationFailed.on(name, "number", f"{raw!r} is not a number")
    return value


def _choice(value: str, choices: tuple[tuple[str, str], ...], name: str) -> str:
    if value not in {v for v, _ in choices}:
        allowed = ", ".join(v for v, _ in choices)
        raise ValidationFailed.on(name, "choice", f"pick one of: {allowed}")
    return value


def banner(exc: GembaError) -> list[str]:
    """The lines of the red banner: each issue as "Field: message"."""
    lines = []
    for name, message in issues_of(exc):
        text = message[:1].upper() + message[1:]
        lines.append(f"{humanize(name)}: {message}" if name else text)
    return lines


def page(ctx: WebContext, template: str, status: int = 200, **context: Any) -> Response:
    return ctx.render(T + template, status, operator=tv.session_operator(ctx.request.session),
                      base=BASE, job_url=job_url, label_url=label_url, **context)


def _operator(ctx: WebContext, uow: UnitOfWork) -> tv.Operator | None:
    """The signed-on operator, dropped when the ERP deactivated them meanwhile."""
    operator = tv.session_operator(ctx.request.session)
    if operator is not None and not tv.still_active(uow, operator):
        tv.sign_off(ctx.request.session)
        return None
    return operator


def badge_page(ctx: WebContext, next_url: str, status: int = 200,
               errors: list[str] | None = None, badge: str = "") -> Response:
    return page(ctx, "badge.html", status, next_url=next_url, errors=errors or [],
                badge=badge)


# --- signing on and off ---------------------------------------------------------------------


@router.get(BASE)
def terminal_home(ctx: Ctx) -> Response:
    """The badge prompt, or (signed on) the work centers that have work."""
    ctx.actor.require(P.MES_EXECUTE)
    with ctx.uow() as uow:
        if _operator(ctx, uow) is None:
            return badge_page(ctx, BASE)
        return page(ctx, "work_centers.html", cards=tv.work_centers(uow),
                    last=ctx.request.session.get("terminal_work_center"))


@router.post(BASE + "/badge")
def badge_scan(ctx: Ctx, form: Form) -> Response:
    ctx.actor.require(P.MES_EXECUTE)
    badge, target = _text(form, "badge"), safe_next(_text(form, "next") or BASE)
    with ctx.uow() as uow:
        try:
            person = person_by_badge(uow, badge)
        except REFUSED as exc:
            return badge_page(ctx, target, exc.status, banner(exc), badge)
        operator = tv.sign_on(ctx.request.session, person)
    return ctx.redirect(target, f"Signed on: {operator.name} ({operator.person_id}).")


@router.post(BASE + "/sign-off")
def sign_off(ctx: Ctx, form: Form) -> Response:
    operator = tv.session_operator(ctx.request.session)
    tv.sign_off(ctx.request.session)
    return ctx.redirect(BASE, f"{operator.name} signed off." if operator else None)


# --- dispatch list and job ------------------------------------------------------------------


@router.get(BASE + "/work-centers/{work_center}")
def dispatch(ctx: Ctx, work_center: str) -> Response:
    ctx.actor.require(P.MES_EXECUTE)
    with ctx.uow() as uow:
        if _operator(ctx, uow) is None:
            return badge_page(ctx, ctx.request.url.path)
        ctx.request.session["terminal_work_center"] = work_center
        return page(ctx, "dispatch.html", work_center=work_center,
                    entries=wo_.dispatch_list(uow, work_center))


def render_job(ctx: WebContext, uow: UnitOfWork, number: str, seq: int, status: int = 200,
               errors: list[str] | None = None, scan: str = "",
               values: Mapping[str, str] | None = None) -> Response:
    """The job page; a failed action comes back here with its banner and typed values."""
    operator = tv.session_operator(ctx.request.session)
    try:
        job = tv.job_view(uow, number, seq, operator)
    except NotFound as exc:
        return page(ctx, "missing.html", 404, errors=banner(exc),
                    work_center=ctx.request.session.get("terminal_work_center"))
    scanned = tv.resolve_scan(uow, job, scan) if scan else None
    return page(ctx, "job.html", status, job=job, scanned=scanned, errors=errors or [],
                values=values or {}, pause_reasons=tv.PAUSE_REASONS,
                scrap_reasons=tv.SCRAP_REASONS, work_center=job.op.work_center,
                today=utcnow().date())


@router.get(BASE + "/jobs/{number}/{seq}")
def job(ctx: Ctx, number: str, seq: int, request: Request) -> Response:
    ctx.actor.require(P.MES_EXECUTE)
    with ctx.uow() as uow:
        if _operator(ctx, uow) is None:
            return badge_page(ctx, ctx.request.url.path)
        return render_job(ctx, uow, number, seq, scan=request.query_params.get("scan", ""))


Action = Callable[[UnitOfWork, tv.Operator], str]


def act(ctx: WebContext, form: Mapping[str, Any], number: str, seq: int, action: Action,
        scan: str = "") -> Response:
    """Run one operator action in its own transaction: done -> back to the job with a
    message; refused -> the job page again with the service's message in a banner."""
    ctx.actor.require(P.MES_EXECUTE)
    with ctx.uow() as uow:
        operator = _operator(ctx, uow)
        if operator is None:
            return badge_page(ctx, job_url(number, seq), 409,
                              ["Scan your badge first: the terminal works in your name."])
        try:
            done = action(uow, operator)
            uow.commit()
        except REFUSED as exc:
            uow.rollback()
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
            return render_job(ctx, uow, number, seq, exc.status, banner(exc), scan, values)
    return ctx.redirect(job_url(number, seq), done)


@router.post(BASE + "/jobs/{number}/{seq}/start")
def start(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        ex.start_operation(uow, number, seq, who.person_id)
        return f"Operation {seq} started by {who.name}."
    return act(ctx, form, number, seq, run)


@router.post(BASE + "/jobs/{number}/{seq}/pause")
def pause(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        reason = _choice(_text(form, "reason"), tv.PAUSE_REASONS, "reason")
        note = _text(form, "note")
        if reason == "other" and not note:
            raise ValidationFailed.on("note", "required", "say what the other reason is")
        full = f"{reason}: {note}" if note else reason
        ex.pause_operation(uow, number, seq, full, who.person_id)
        return f"Operation {seq} paused ({full})."
    return act(ctx, form, number, seq, run)


@router.post(BASE + "/jobs/{number}/{seq}/resume")
def resume(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        ex.resume_operation(uow, number, seq, who.person_id)
        return f"Operation {seq} resumed by {who.name}."
    return act(ctx, form, number, seq, run)


@router.post(BASE + "/jobs/{number}/{seq}/complete")
def complete(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        good, scrap, rework = _qty(form, "good"), _qty(form, "scrap"), _qty(form, "rework")
        reason = _text(form, "scrap_reason")
        if reason:
            _choice(reason, tv.SCRAP_REASONS, "scrap_reason")
        op = ex.complete_operation(uow, number, seq, good, scrap, reason or None, rework,
                                   who.person_id, backflush="backflush" in form)
        parts = [f"{display(good)} good"]
        if scrap:
            parts.append(f"{display(scrap)} scrap ({reason})")
        if rework:
            parts.append(f"{display(rework)} rework")
        done = " It is done." if op.status == wo_.OperationStatus.DONE else ""
        flushed = " Components backflushed." if "backflush" in form else ""
        return f"Operation {seq}: reported {', '.join(parts)}.{flushed}{done}"
    return act(ctx, form, number, seq, run)


@router.post(BASE + "/jobs/{number}/{seq}/consume")
def consume(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    item, lot = _text(form, "item"), _text(form, "lot")

    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        qty = _qty(form, "qty")
        event = ex.consume(uow, number, seq, item, lot or None, qty, who.person_id)
        source = f" from lot {event.lot}" if event.lot else ""
        return f"Consumed {display(event.qty)} {item}{source}."
    return act(ctx, form, number, seq, run, scan=lot or item)


@router.post(BASE + "/jobs/{number}/{seq}/produce")
def produce(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        kind = _choice(_text(form, "kind") or "lot", (("lot", ""), ("serial", "")), "kind")
        code = _text(form, "code")
        if not code:
            raise ValidationFailed.on(kind, "required", f"scan or type the output {kind}")
        ex.produce(uow, number, seq, lot=code if kind == "lot" else None,
                   serial=code if kind == "serial" else None, operator=who.person_id)
        return f"Output {kind} {code} named; its completions are reported under it."
    return act(ctx, form, number, seq, run)


@router.post(BASE + "/jobs/{number}/{seq}/crew")
def crew(ctx: Ctx, form: Form, number: str, seq: int) -> Response:
    """Another person clocks on (or off) the running operation with their badge."""
    def run(uow: UnitOfWork, who: tv.Operator) -> str:
        person = person_by_badge(uow, _text(form, "badge"))
        if _text(form, "action") == "off":
            ex.clock_off(uow, number, seq, person.person_id)
            return f"{person.name} ({person.person_id}) clocked off operation {seq}."
        ex.clock_on(uow, number, seq, person.person_id)
        return f"{person.name} ({person.person_id}) clocked on operation {seq}."
    return act(ctx, form, number, seq, run)


# --- labels -----------------------------------------------------------------------------------


def _label(request: Request, item: str, code: str) -> Label:
    query = request.query_params
    for name, value in (("item", item), ("lot", code)):
        if not value.strip() or len(value) > 100:
            raise ValidationFailed.on(name, "length", "1 to 100 characters")
    qty = _qty(query, "qty") if query.get("qty") else None
    kind = query.get("kind", "lot")
    _choice(kind, (("lot", ""), ("serial", "")), "kind")
    return Label(item=item, code=code, kind=kind, qty=qty, uom=query.get("uom", "")[:40],
                 work_order=query.get("wo", "")[:100] or None, day=_day(query.get("day")))


def _day(raw: str | None) -> date:
    if not raw:
        return utcnow().date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on("day", "date", "must be a date (YYYY-MM-DD)") from None


@router.get(BASE + "/labels/{item}/{code}.svg")
def label_image(ctx: Ctx, request: Request, item: str, code: str) -> Response:
    """The label as one SVG (QR code, Code 128, text), 100 x 62 mm."""
    ctx.actor.require(P.MES_READ)
    svg = label_svg(_label(request, item, code))
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


@router.get(BASE + "/labels/{item}/{code}")
def label_page(ctx: Ctx, request: Request, item: str, code: str) -> Response:
    """The label on a page with a Print button (the print style shows only the label)."""
    ctx.actor.require(P.MES_READ)
    label = _label(request, item, code)
    back = safe_next(request.query_params.get("back") or BASE)
    return page(ctx, "label.html", label=label, svg=label_svg(label).split("\n", 1)[1],
                image=label_url(item, code, ".svg", **{k: v for k, v in request.query_params.items()
                                                           if k != "back"}), back=back)
