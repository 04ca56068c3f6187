"""The ERP dashboard page: open orders, late receipts, stock value, margin by product."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gemba.core.auth.permissions import Permission
from gemba.erp.reporting.dashboard import erp_dashboard
from gemba.web.context import Ctx, WebRoute
from gemba.web.nav import NavEntry, register

URL = "/erp/dashboard"
router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("erp", "ERP dashboard", URL, Permission.MASTERDATA_READ, order=1))


@router.get(URL)
def dashboard(ctx: Ctx) -> Response:
    with ctx.uow() as uow:
        dash = erp_dashboard(uow)
    return ctx.render("erp/dashboard/index.html", dash=dash)
