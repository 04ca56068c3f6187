"""Outbox (events waiting to be relayed) and inbox (events a consumer has already handled)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.db.base import Base, UtcDateTime
from gemba.core.types import utcnow


class OutboxMessage(Base):
    __tablename__ = "core_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True,
                                                          index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class InboxMessage(Base):
    """The unique (consumer, message_id) pair is what makes redelivery harmless."""

    __tablename__ = "core_inbox"
    __table_args__ = (UniqueConstraint("consumer", "message_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    consumer: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(200))
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
