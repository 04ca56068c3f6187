"""Web UI routes (Jinja2 + HTMX, server-rendered, assets vendored: no CDN)."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from gemba.core.auth.actor import Actor
from gemba.core.auth.services import actor_for_user_id
from gemba.core.errors import NotAuthenticated
from gemba.web import auth
from gemba.web.concept import CONCEPTS, concept_router
from gemba.web.context import render
from gemba.web.pages import (
    attendance,
    bom,
    catalog,
    equipment,
    erp_dashboard,
    finance,
    home,
    inventory,
    mes_work_orders,
    personnel,
    planning,
    production,
    purchasing,
    routing,
    sales,
    terminal,
)
from gemba.web.templating import STATIC_DIR

# Importing the page modules registers their concepts (and navigation entries).
PAGE_MODULES = (catalog, bom, routing, equipment, personnel, attendance, inventory, finance,
                purchasing, sales, production, mes_work_orders)


def install(app: FastAPI) -> None:
    """Mount the web UI on ``app``."""
    assert PAGE_MODULES
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth.router)
    app.include_router(home.router)
    app.include_router(erp_dashboard.router)
    app.include_router(attendance.router)
    app.include_router(inventory.router)
    app.include_router(finance.router)
    app.include_router(planning.router)
    app.include_router(terminal.router)
    for concept in CONCEPTS.values():
        app.include_router(concept_router(concept))
    _html_errors_for_browsers(app)


@dataclass(frozen=True)
class PageError:
    title: str
    message: str


def _session_actor(request: Request) -> Actor | None:
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    try:
        with request.app.state.gemba.uow() as uow:
            return actor_for_user_id(uow, int(user_id))
    except NotAuthenticated:
        return None


def _html_errors_for_browsers(app: FastAPI) -> None:
    """A browser that opens an unknown page gets an HTML page; the API keeps problem+json
    (the handler installed before this one)."""
    api_handler = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith("/api/") or not wants_html:
            return await api_handler(request, exc)  # type: ignore[misc, no-any-return]
        actor = await run_in_threadpool(_session_actor, request)
        message = (f"There is no page at {request.url.path}." if exc.status_code == 404
                   else str(exc.detail))
        error = PageError(HTTPStatus(exc.status_code).phrase, message)
        return render(request, "error.html", exc.status_code, actor=actor, error=error)

    app.add_exception_handler(StarletteHTTPException, handler)
