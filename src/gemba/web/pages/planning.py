"""The planning page: run MRP, one item's MRP table, the planned orders with filters and
bulk firming, the exception messages, and the rough-cut capacity per work center and week
as server-rendered SVG bar charts (load against capacity, overloads in red)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Response
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError, NotAuthenticated, NotFound
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.planning import firming, rough_cut, run, store
from gemba.web.context import Ctx, Form, WebContext, WebRoute
from gemba.web.forms import issues_of, status_of
from gemba.web.nav import NavEntry, register

P = Permission
URL = "/erp/planning"
LIST_LIMIT = 500
MAX_CHART_WEEKS = 26
FILTERS = ("item", "kind", "expedite", "from", "weeks")

router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("erp", "Planning (MRP)", URL, P.PLANNING_READ, order=145))


# --- the chart ------------------------------------------------------------------------------

CHART_HEIGHT = 170
PLOT_TOP, PLOT_BOTTOM = 22, 140   # y of the scale's top and of the baseline
SLOT, BAR, LEFT = 64, 40, 8


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    capacity_y: float | None
    label: str
    value: str
    title: str
    overload: bool


@dataclass(frozen=True)
class Chart:
    work_center: str
    width: int
    bars: list[Bar]
    overloads: int


def _y(hours: Decimal, top: Decimal) -> float:
    return round(PLOT_BOTTOM - float(hours / top) * (PLOT_BOTTOM - PLOT_TOP), 1)


def chart(report: rough_cut.RoughCut, work_center: str) -> Chart:
    """One work center's weeks as bars: the load's height, the capacity as a line across."""
    row = report.row(work_center)
    top = max([c.load_hours for c in row] + [c.capacity_hours or Decimal(0) for c in row])
    top = top if top > 0 else Decimal(1)
    bars = []
    for n, c in enumerate(row):
        y = _y(c.load_hours, top)
        capacity = "no capacity defined" if c.capacity_hours is None \
            else f"capacity {_num(c.capacity_hours)} h"
        bars.append(Bar(
            x=LEFT + n * SLOT, y=y, height=round(PLOT_BOTTOM - y, 1),
            capacity_y=None if c.capacity_hours is None else _y(c.capacity_hours, top),
            label=c.label.split("-")[1], value=_num(c.load_hours),
            title=f"{work_center} {c.label}: load {_num(c.load_hours)} h, {capacity}"
                  + (" - overloaded" if c.overload else ""),
            overload=c.overload))
    return Chart(work_center, LEFT * 2 + SLOT * len(row), bars,
                 sum(1 for c in row if c.overload))


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- the page -------------------------------------------------------------------------------

def _flag(raw: str | None) -> bool | None:
    return {"true": True, "false": False}.get(raw or "")


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _weeks(raw: str | None) -> int:
    try:
        return min(max(int(raw or 8), 1), MAX_CHART_WEEKS)
    except ValueError:
        return 8


def _message(exc: Exception) -> str:
    return "; ".join(message for _, message in issues_of(exc))


def last_run(uow: UnitOfWork) -> store.MrpRun | None:
    uow.actor.require(P.PLANNING_READ)
    return uow.session.scalar(select(store.MrpRun).order_by(store.MrpRun.id.desc()).limit(1))


def render_planning(ctx: WebContext, uow: UnitOfWork, query: Mapping[str, str],
                    error: str | None = None, status: int = 200) -> Response:
    item = (query.get("item") or "").strip() or None
    kind = query.get("kind") if query.get("kind") in (firming.PURCHASE,
                                                      firming.PRODUCTION) else None
    expedite = _flag(query.get("expedite"))
    latest = last_run(uow)
    today = latest.today if latest is not None else utcnow().date()
    orders, total = firming.find_planned_orders(uow, item=item, kind=kind, expedite=expedite,
                                                limit=LIST_LIMIT)
    table = None
    if item:
        try:
            table = store.item_plan(uow, item)
        except NotFound as exc:
            error = error or exc.message
    exceptions = store.list_exceptions(uow, PageRequest(
        limit=200, filters=(("item", item),) if item else ()))
    report = rough_cut.rough_cut(uow, _day(query.get("from")), _weeks(query.get("weeks")),
                                 today)
    filters = {k: query.get(k, "") for k in FILTERS}
    back = urlencode({k: v for k, v in filters.items() if v})
    return ctx.render(
        "erp/planning/index.html", status, latest=latest, today=today, item=item,
        filters=filters, back=back, orders=orders, total=total, limit=LIST_LIMIT,
        table=table, exceptions=exceptions, report=report,
        charts=[chart(report, wc) for wc in report.work_centers],
        chart_height=CHART_HEIGHT, baseline=PLOT_BOTTOM, bar_width=BAR,
        can_write=ctx.can(P.PLANNING_WRITE), error=error,
        run_day=utcnow().date().isoformat())


@router.get(URL)
def planning_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.PLANNING_READ)
    with ctx.uow() as uow:
        return render_planning(ctx, uow, ctx.request.query_params)


def _back(form: Any) -> tuple[str, dict[str, str]]:
    """The page's filters as they were (the form's ``back``): where to return."""
    raw = form.get("back")
    query = {k: v for k, v in parse_qsl(raw if isinstance(raw, str) else "") if k in FILTERS}
    return (URL + ("?" + urlencode(query) if query else "")), query


@router.post(URL + "/firm")
def firm(ctx: Ctx, form: Form) -> Response:
    """Firm the checked planned orders: purchase orders per supplier, released production
    orders; all or nothing."""
    ctx.actor.require(P.PLANNING_WRITE)
    url, query = _back(form)
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    with ctx.uow() as uow:
        try:
            result = firming.firm_planned_orders(uow, ids)
            uow.commit()
        except GembaError as exc:
            if isinstance(exc, NotAuthenticated):
                raise
            uow.rollback()
            return render_planning(ctx, uow, query, f"Nothing firmed: {_message(exc)}",
                                   status_of(exc))
    documents = ", ".join(result.purchase_orders + result.production_orders)
    n = len(result.firmed)
    return ctx.redirect(url, f"Firmed {n} planned order{'s' if n != 1 else ''}: {documents}.")


@router.post(URL + "/run")
def run_mrp(ctx: Ctx, form: Form) -> Response:
    """Regenerative MRP as of the day given (default today)."""
    ctx.actor.require(P.PLANNING_WRITE)
    url, query = _back(form)
    raw = form.get("today")
    day = _day(raw if isinstance(raw, str) else None) or utcnow().date()
    with ctx.uow() as uow:
        try:
            plan = run.run_mrp(uow, day)
            uow.commit()
        except GembaError as exc:
            if isinstance(exc, NotAuthenticated):
                raise
            uow.rollback()
            return render_planning(ctx, uow, query, f"MRP did not run: {_message(exc)}",
                                   status_of(exc))
    return ctx.redirect(url, f"MRP planned as of {day}: {len(plan.planned_orders)} planned "
                             f"orders, {len(plan.exceptions)} exception messages.")
