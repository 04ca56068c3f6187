"""Production order pages: the list with status and progress; the detail with operations,
components, the planned-vs-actual cost sheet, the MES's warnings, and Release / Cancel /
Close. Both follow the shop floor live: ``/erp/production-orders/live`` is a server-sent
event stream of HTML fragments that the htmx SSE extension swaps in by id (no reload)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, FastAPI, Header, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from gemba.bootstrap import Gemba
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Permission
from gemba.core.auth.services import actor_for_user_id
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError
from gemba.core.listing import PageRequest
from gemba.erp.catalog import item as items
from gemba.erp.mes_link.performance import applied_responses
from gemba.erp.production import live_status
from gemba.erp.production import production_order as po
from gemba.erp.production.cost_sheet import cost_sheet
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx
from gemba.web.forms import Choice, Field, enum_choices
from gemba.web.templating import templates

P = Permission
log = logging.getLogger(__name__)


def manufactured_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = items.list_items(uow, PageRequest(limit=500, filters=(("type", "manufactured"),)))
    return [(i.code, f"{i.code} — {i.name}") for i in page.items]


def load_operations(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"operations": record.operations, "qty": record.qty}


def load_components(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"components": record.components}


def load_cost(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"sheet": cost_sheet(uow, record.number)}


def load_reports(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"reports": applied_responses(uow, record.number),
            "warnings": record.warning_list}


# --- live status over server-sent events ---------------------------------------------------

LIVE_EVENT = "orders"  # the SSE event name the pages' ``sse-swap`` listens to
LIVE_FRAGMENTS = "erp/production-orders/_live_event.html"


@dataclass(frozen=True)
class LiveTiming:
    """How often a stream reads the database, and how long it may stay silent (proxies and
    load balancers drop idle connections; the comment line also reveals a gone client)."""

    poll_seconds: float = 1.0
    heartbeat_seconds: float = 15.0
    retry_ms: int = 3000  # the browser's reconnection delay after a dropped stream


def live_timing(app: FastAPI) -> LiveTiming:
    """``app.state.production_live_timing`` when set (tests), else the environment."""
    timing = getattr(app.state, "production_live_timing", None)
    if isinstance(timing, LiveTiming):
        return timing
    return LiveTiming(
        poll_seconds=float(os.environ.get("GEMBA_LIVE_POLL_SECONDS", "1")),
        heartbeat_seconds=float(os.environ.get("GEMBA_LIVE_HEARTBEAT_SECONDS", "15")))


def parse_orders(raw: str | None) -> list[str] | None:
    """``MO-1,MO-2`` -> the numbers; no parameter -> None (all open orders)."""
    if raw is None:
        return None
    return [n for n in (part.strip() for part in raw.split(",")) if n]


def sse_message(data: str, event: str = LIVE_EVENT, event_id: str | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id else []
    lines.append(f"event: {event}")
    lines += [f"data: {line}" for line in (data.splitlines() or [""])]
    return "\n".join(lines) + "\n\n"


@dataclass
class LiveFeed:
    """One browser's view of some orders: what it was last sent, so an event carries only
    the orders that changed. Lives as long as the connection; nothing is shared between
    connections or workers (each reads the database)."""

    gemba: Gemba
    actor: Actor
    user_id: int
    numbers: list[str] | None
    detail: bool = False  # the detail page: also version and last change
    token: str | None = None
    sent: dict[str, live_status.OrderLive] | None = None

    def changes(self, since: str | None) -> str | None:
        """Poll once (in a worker thread). The first poll always reads the snapshot; it is
        sent unless the client already had this token (``Last-Event-ID`` on reconnect)."""
        first = self.sent is None
        with self.gemba.uow(self.actor) as uow:
            token, orders = live_status.poll(uow, self.numbers, None if first else self.token)
        self.token = token
        if orders is None:
            return None
        before = self.sent or {}
        self.sent = {o.number: o for o in orders}
        if first and token == since:
            return None
        changed = [o for o in orders if before.get(o.number) != o]
        if not changed:
            return None
        html = templates.get_template(LIVE_FRAGMENTS).render(orders=changed, before=before,
                                                             detail=self.detail)
        return sse_message(html, event_id=token)

    def still_allowed(self) -> bool:
        """Re-read the person at each heartbeat: a deactivated user's stream ends."""
        try:
            with self.gemba.uow() as uow:
                self.actor = actor_for_user_id(uow, self.user_id)
        except GembaError:
            return False
        return self.actor.can(Permission.INVENTORY_READ)


async def live_events(feed: LiveFeed, since: str | None, timing: LiveTiming,
                      disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
    """The event stream: an event when the orders change, a comment line when nothing was
    written for ``heartbeat_seconds``, the person re-checked as often; ends when the client
    is gone (also when the server cancels the response on disconnect: every await is a
    cancellation point)."""
    yield f"retry: {timing.retry_ms}\n\n"
    last_write = last_check = time.monotonic()
    failing = False
    while not await disconnected():
        try:
            message = await run_in_threadpool(feed.changes, since)
            failing = False
        except OperationalError as exc:  # the database is away: keep the stream, try again
            if not failing:
                log.warning("live production status: poll failed: %s", exc)
            failing, message = True, None
        except GembaError:
            return  # no longer allowed to read orders
        if message is not None:
            yield message
            last_write = time.monotonic()
        if time.monotonic() - last_check >= timing.heartbeat_seconds:
            last_check = time.monotonic()
            try:
                if not await run_in_threadpool(feed.still_allowed):
                    return
            except OperationalError:
                pass  # the database is away: checked again at the next heartbeat
        if time.monotonic() - last_write >= timing.heartbeat_seconds:
            yield ": heartbeat\n\n"
            last_write = time.monotonic()
        await anyio.sleep(timing.poll_seconds)


def live_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/live")
    def live(ctx: Ctx, orders: str | None = None, since: str | None = None,
             view: str = "list",
             last_event_id: Annotated[str | None, Header()] = None) -> Response:
        """Server-sent events for the orders named (``orders=MO-1,MO-2``) or all open ones;
        ``view=detail`` adds the parts only the detail page shows. Errors (no permission,
        too many orders) come before the stream starts."""
        numbers = parse_orders(orders)
        with ctx.uow() as uow:
            live_status.change_token(uow, numbers)
        feed = LiveFeed(ctx.gemba, ctx.actor, int(ctx.request.session["user_id"]), numbers,
                        detail=view == "detail")
        stream = live_events(feed, last_event_id or since, live_timing(ctx.request.app),
                             ctx.request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


PRODUCTION_ORDERS = register_concept(Concept(
    area="erp", slug="production-orders", title="Production orders",
    singular="Production order", record_type="erp_production_orders",
    read_permission=P.INVENTORY_READ, write_permission=P.INVENTORY_WRITE,
    list_fn=po.list_production_orders, get_fn=po.get_production_order, key_attr="number",
    nav_order=140,
    description="What the shop floor makes: released to the MES, reported back, closed "
                "through WIP.",
    search_hint="number or item",
    columns=[Column("number", "Number", link=True),
             Column("item_code", "Item", href=lambda o: f"/erp/items/{o.item_code}"),
             Column("item_name", "Name"), Column("qty", "Qty", numeric=True),
             Column("due_date", "Due"), Column("status", "Status"),
             Column("qty_good", "Good", numeric=True), Column("qty_scrap", "Scrap",
                                                               numeric=True),
             Column("progress_pct", "Progress %", numeric=True)],
    details=[Column("number", "Number"),
             Column("item_code", "Item", href=lambda o: f"/erp/items/{o.item_code}"),
             Column("item_name", "Name"), Column("qty", "Quantity"), Column("uom_code", "Unit"),
             Column("start_date", "Start"), Column("due_date", "Due"),
             Column("priority", "Priority"), Column("status", "Status"),
             Column("revision", "Revision sent to the MES"), Column("bom_number", "BOM"),
             Column("routing_number", "Routing"), Column("qty_good", "Good"),
             Column("qty_scrap", "Scrap"), Column("progress_pct", "Progress %"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("status", "Status", enum_choices(po.OrderStatus))],
    fields=[
        Field("item", "Item", kind="select", required=True, choices=manufactured_choices,
              on_edit=False),
        Field("qty", "Quantity", kind="decimal", required=True),
        Field("due_date", "Due date", kind="date", required=True),
        Field("start_date", "Start date", kind="date", nullable=True,
              help="Also picks the BOM and routing in force. Empty: today."),
        Field("priority", "Priority", kind="number", default="0"),
    ],
    create_in=po.ProductionOrderIn, create_fn=po.create_production_order,
    patch_in=po.ProductionOrderPatch, update_fn=po.update_production_order,
    extra_routes=live_routes,
    panels=[Panel("Operations", "erp/production-orders/_operations_panel.html",
                  load_operations),
            Panel("Components", "erp/production-orders/_components_panel.html",
                  load_components),
            Panel("Cost sheet", "erp/production-orders/_cost_panel.html", load_cost),
            Panel("MES reports", "erp/production-orders/_reports_panel.html", load_reports)],
    actions=[
        Action("release", "Release", done="Production order released to the MES.",
               run=lambda uow, key, data: po.release_production_order(uow, key)),
        Action("cancel", "Cancel", done="Production order cancelled.",
               run=lambda uow, key, data: po.cancel_production_order(uow, key)),
        Action("close", "Close", done="Production order closed; its WIP was settled.",
               run=lambda uow, key, data: po.close_production_order(uow, key)),
    ],
))
