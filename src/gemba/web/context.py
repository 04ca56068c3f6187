"""Per-request context of a web page: who is logged in, the CSRF token, the navigation, and
rendering. ``WebRoute`` turns domain errors into HTML error pages and a missing login into a
redirect to /login, so page handlers stay straight-line code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from gemba.api.deps import CSRF_HEADER, check_csrf, csrf_token
from gemba.bootstrap import Gemba
from gemba.core.auth.actor import Actor
from gemba.core.auth.services import actor_for_user_id
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError, NotAuthenticated
from gemba.web.nav import navigation
from gemba.web.templating import templates


class LoginRequired(Exception):
    """No (valid) session: the page redirects to the login form."""


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(target: str | None) -> str:
    """Only local paths after login: no open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?" + urlencode({"next": target})
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message shown once, on the next rendered page (after a redirect)."""
    request.session.setdefault("flash", []).append([kind, message])


def render(request: Request, template: str | list[str], status: int = 200,
           actor: Actor | None = None, **context: Any) -> HTMLResponse:
    """Render a page with the shared context (actor, navigation, CSRF token, flash)."""
    tpl = templates.get_or_select_template(template)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    html = tpl.render(
        request=request, actor=actor, nav=navigation(actor) if actor else [],
        csrf_token=csrf_token(request), csrf_header=CSRF_HEADER, flashes=flashes,
        path=request.url.path, quote=quote, **context)
    return HTMLResponse(html, status_code=status)


@dataclass
class WebContext:
    request: Request
    gemba: Gemba
    actor: Actor

    def uow(self, reason: str | None = None) -> UnitOfWork:
        return self.gemba.uow(self.actor, reason=reason)

    def can(self, permission: Any) -> bool:
        return self.actor.can(permission)

    def render(self, template: str | list[str], status: int = 200,
               **context: Any) -> HTMLResponse:
        return render(self.request, template, status, actor=self.actor, **context)

    def redirect(self, url: str, message: str | None = None) -> RedirectResponse:
        if message:
            flash(self.request, message)
        return RedirectResponse(url, status_code=303)


def web_context(request: Request) -> WebContext:
    """The logged-in person, re-read on every request so a deactivated user is out at once."""
    gemba: Gemba = request.app.state.gemba
    user_id = request.session.get("user_id")
    if user_id is None:
        raise LoginRequired
    try:
        with gemba.uow() as uow:
            actor = actor_for_user_id(uow, int(user_id))
    except NotAuthenticated:
        request.session.clear()
        raise LoginRequired from None
    ctx = WebContext(request, gemba, actor)
    request.state.web_context = ctx
    return ctx


Ctx = Annotated[WebContext, Depends(web_context)]


async def csrf_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token (hidden field or HTMX header)."""
    form = await request.form()
    submitted = form.get("csrf_token")
    check_csrf(request, submitted if isinstance(submitted, str) and submitted
               else request.headers.get(CSRF_HEADER))
    return form


Form = Annotated[FormData, Depends(csrf_form)]


def error_page(request: Request, exc: GembaError) -> HTMLResponse:
    ctx: WebContext | None = getattr(request.state, "web_context", None)
    if is_htmx(request):
        return HTMLResponse(f'<p class="alert error">{exc.title}: {_escape(exc.message)}</p>',
                            status_code=exc.status)
    return render(request, "error.html", exc.status, actor=ctx.actor if ctx else None,
                  error=exc)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


class WebRoute(APIRoute):
    """HTML instead of problem+json: error pages, and login redirects for anonymous visitors."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except GembaError as exc:
                return error_page(request, exc)

        return wrapped
