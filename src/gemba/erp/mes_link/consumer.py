"""The ERP's inbox consumer of MES reports (in-process bus or MQTT: same subscriptions).

Each message is applied inside the transaction that records it in ``core_inbox``
(``BoundUnitOfWork``), so a redelivery has no second effect. A message the ERP refuses (an
unknown order, a held lot, ...) is not retried forever: its effects are rolled back to a
savepoint and the refusal is kept in ``erp_mes_rejections`` for a person to look at, so one bad
report cannot block the messages behind it. Database trouble still propagates and the message
is delivered again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_STATUS,
    ProductionPerformance,
    ProductionStatus,
    from_payload,
)
from gemba.core.auth.actor import SYSTEM
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, UtcDateTime
from gemba.core.db.uow import BoundUnitOfWork, UnitOfWork
from gemba.core.errors import GembaError
from gemba.core.events.bus import Handler
from gemba.core.events.envelope import Envelope
from gemba.core.types import utcnow
from gemba.erp.mes_link.performance import apply_performance, apply_status

CONSUMER = "erp.mes_link"
TOPICS = (PRODUCTION_PERFORMANCE, PRODUCTION_STATUS)


class MesRejection(Base):
    """A MES message the ERP refused, with why (a dead letter)."""

    __tablename__ = "erp_mes_rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Subscribable(Protocol):
    def subscribe(self, consumer: str, pattern: str, handler: Handler) -> None: ...


def handle(session: Session, env: Envelope) -> None:
    """Apply one relayed MES message as the system actor, or record why it was refused."""
    uow = BoundUnitOfWork(session, SYSTEM, reason=f"MES message {env.message_id}")
    try:
        with session.begin_nested():
            if env.topic == PRODUCTION_STATUS:
                apply_status(uow, from_payload(ProductionStatus, env.payload))
            else:
                apply_performance(uow, from_payload(ProductionPerformance, env.payload))
    except (GembaError, ValidationError) as exc:  # refused, or not a valid message at all
        error = exc.message if isinstance(exc, GembaError) else f"malformed message: {exc}"
        session.add(MesRejection(message_id=env.message_id[:100], topic=env.topic[:100],
                                 error=error, received_at=utcnow()))
        session.flush()


def register(bus: Subscribable) -> None:
    """Subscribe the ERP to the MES's performance and status reports."""
    for topic in TOPICS:
        bus.subscribe(CONSUMER, topic, handle)


def rejections(uow: UnitOfWork, limit: int = 50) -> list[MesRejection]:
    uow.actor.require(Permission.INVENTORY_READ)
    return list(uow.session.scalars(select(MesRejection).order_by(MesRejection.id.desc())
                                    .limit(limit)))
