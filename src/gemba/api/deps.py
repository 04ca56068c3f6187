"""Request-scoped dependencies: the app container, the acting user, the unit of work."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from gemba.bootstrap import Gemba
from gemba.core.auth.actor import Actor
from gemba.core.auth.services import actor_for_token, actor_for_user_id
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotAuthenticated, PermissionDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"


def get_gemba(request: Request) -> Gemba:
    gemba: Gemba = request.app.state.gemba
    return gemba


GembaDep = Annotated[Gemba, Depends(get_gemba)]


def csrf_token(request: Request) -> str:
    """The per-session CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise PermissionDenied("missing or invalid CSRF token; reload the page")


def current_actor(request: Request, gemba: GembaDep) -> Actor:
    """Bearer API token (machines, integrations) or the web session (people)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        with gemba.uow() as uow:
            actor = actor_for_token(uow, auth[7:].strip())
        return actor
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id is None:
        raise NotAuthenticated("log in or send 'Authorization: Bearer <token>'")
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    with gemba.uow() as uow:
        return actor_for_user_id(uow, int(user_id))


ActorDep = Annotated[Actor, Depends(current_actor)]


def get_uow(request: Request, gemba: GembaDep, actor: ActorDep) -> Iterator[UnitOfWork]:
    reason = request.headers.get("X-Change-Reason")
    with gemba.uow(actor, reason=reason) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
