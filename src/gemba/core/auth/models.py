"""Persistent users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, TimestampMixin, UtcDateTime, VersionedMixin


class User(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "core_users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Site codes this user may see; empty list = every site.
    site_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Audited, IdMixin, TimestampMixin, Base):
    """A machine or integration credential. Only the SHA-256 of the secret is stored."""

    __tablename__ = "core_api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("core_users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
