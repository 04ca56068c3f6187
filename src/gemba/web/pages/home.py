"""The dashboard: how many records of each kind this user may see."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gemba.web.concept import count_visible
from gemba.web.context import Ctx, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/")
def home(ctx: Ctx) -> Response:
    with ctx.uow() as uow:
        counts = count_visible(ctx, uow)
    return ctx.render("home.html", counts=counts)
