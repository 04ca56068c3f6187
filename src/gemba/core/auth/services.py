"""User and token use cases: argon2id passwords, SHA-256 hashed API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field, field_validator
from sqlalchemy import select

from gemba.core.auth.actor import Actor
from gemba.core.auth.models import ApiToken, User
from gemba.core.auth.permissions import Permission, Role
from gemba.core.commands import Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotAuthenticated, NotFound
from gemba.core.types import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
TOKEN_PREFIX = "gmb_"


class UserIn(Command):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[a-zA-Z0-9._@-]+$")
    full_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=8, max_length=200)
    roles: list[Role] = Field(min_length=1)
    site_codes: list[str] = Field(default_factory=list)

    @field_validator("roles")
    @classmethod
    def _unique(cls, roles: list[Role]) -> list[Role]:
        return sorted(set(roles))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username,
                 roles=frozenset(Role(r) for r in user.roles),
                 site_codes=frozenset(user.site_codes) if user.site_codes else None)


def create_user(uow: UnitOfWork, data: UserIn) -> User:
    uow.actor.require(Permission.USERS_ADMIN)
    if uow.session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"user {data.username!r} already exists")
    user = User(username=data.username, full_name=data.full_name,
                password_hash=hash_password(data.password),
                roles=[r.value for r in data.roles], site_codes=data.site_codes, active=True)
    uow.session.add(user)
    uow.flush()
    return user


def authenticate(uow: UnitOfWork, username: str, password: str) -> Actor:
    """Check a password; the same error for unknown user and wrong password."""
    user = uow.session.scalar(select(User).where(User.username == username))
    failure = NotAuthenticated("unknown user or wrong password")
    if user is None or not user.active:
        _hasher.hash(password)  # same cost either way: no user enumeration by timing
        raise failure
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failure from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return actor_of(user)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(uow: UnitOfWork, username: str, name: str) -> str:
    """Return the raw token once; only its hash is kept."""
    if uow.actor.username != username:
        uow.actor.require(Permission.USERS_ADMIN)
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(ApiToken(user_id=user.id, name=name, prefix=raw[:12],
                             token_hash=_digest(raw)))
    uow.flush()
    return raw


def actor_for_token(uow: UnitOfWork, raw: str) -> Actor:
    token = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        raise NotAuthenticated("invalid or revoked API token")
    user = uow.session.get(User, token.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("the token's user is inactive")
    return actor_of(user)


def actor_for_user_id(uow: UnitOfWork, user_id: int) -> Actor:
    user = uow.session.get(User, user_id)
    if user is None or not user.active:
        raise NotAuthenticated("session user no longer exists or is inactive")
    return actor_of(user)


def revoke_api_token(uow: UnitOfWork, prefix: str) -> None:
    uow.actor.require(Permission.USERS_ADMIN)
    token = uow.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        raise NotFound(f"no API token starting with {prefix!r}")
    token.revoked_at = utcnow()
    uow.flush()
