"""Session login for people: argon2id password check, a fresh session on login (no session
fixation), logout by POST with the CSRF token, and only local ``next`` targets."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from gemba.bootstrap import Gemba
from gemba.core.auth.services import authenticate
from gemba.core.errors import NotAuthenticated
from gemba.web.context import Form, WebRoute, render, safe_next

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if request.session.get("user_id") is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), username="")


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    gemba: Gemba = request.app.state.gemba
    try:
        with gemba.uow() as uow:
            actor = authenticate(uow, username, password)
            uow.commit()  # a rehashed password, if the parameters changed
    except NotAuthenticated:
        return render(request, "login.html", 401, next=target, username=username,
                      error="Unknown user or wrong password.")
    request.session.clear()
    request.session["user_id"] = actor.user_id
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
