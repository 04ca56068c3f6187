"""The FastAPI application: REST API under /api/v1 and the web UI, one process, stateless."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from gemba import __version__
from gemba.api import (
    attendance,
    audit,
    bom,
    catalog,
    dashboard,
    equipment,
    finance,
    inventory,
    mes,
    mes_b2mml,
    personnel,
    planning,
    planning_actions,
    problems,
    production,
    promise,
    purchasing,
    routing,
    sales,
)
from gemba.bootstrap import Gemba, bootstrap
from gemba.web import routes as web

API_PREFIX = "/api/v1"


def create_app(gemba: Gemba | None = None) -> FastAPI:
    """Build the app; refuses to start on an unmigrated database (bootstrap checks)."""
    gemba = gemba or bootstrap()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        gemba.start_background()
        yield

    app = FastAPI(title="Gemba", version=__version__, lifespan=lifespan,
                  description="Integrated ERP + MES. Errors are RFC 9457 problem+json.")
    app.state.gemba = gemba
    app.add_middleware(SessionMiddleware, secret_key=gemba.settings.secret_key,
                       session_cookie="gemba_session", same_site="lax", https_only=False)
    problems.install(app)
    for module in (catalog, bom, routing, equipment, personnel, attendance, audit, inventory,
                   finance, purchasing, sales, production, planning, mes, mes_b2mml,
                   dashboard, planning_actions, promise):
        app.include_router(module.router, prefix=API_PREFIX)
    web.install(app)
    return app
