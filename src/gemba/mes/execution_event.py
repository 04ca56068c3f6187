"""The append-only log of everything done to a work order on the shop floor.

WIP and genealogy are read from it, never from counters alone, so they can be rebuilt and
audited. Database triggers refuse updates and deletes (migration 0008).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.db.base import Base, IdMixin, Qty, UtcDateTime, enum_column
from gemba.core.db.uow import UnitOfWork
from gemba.core.types import utcnow

ZERO = Decimal(0)


class EventKind(StrEnum):
    RELEASE = "release"
    HOLD = "hold"
    UNHOLD = "unhold"
    CANCEL = "cancel"
    SPLIT = "split"
    PRIORITY = "priority"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    CONSUME = "consume"
    PRODUCE = "produce"
    CLOCK_ON = "clock_on"
    CLOCK_OFF = "clock_off"


class ExecutionEvent(IdMixin, Base):
    """One shop-floor action. ``seq`` is the operation (None for order-level actions);
    ``qty`` is good (complete), consumed (consume) or split quantity."""

    __tablename__ = "mes_execution_events"

    work_order_id: Mapped[int] = mapped_column(ForeignKey("mes_work_orders.id"), index=True)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    item: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lot: Mapped[str | None] = mapped_column(String(100), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    qty: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_scrap: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_rework: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    minutes: Mapped[Decimal | None] = mapped_column(Qty, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    operator: Mapped[str | None] = mapped_column(String(100), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def record(uow: UnitOfWork, work_order_id: int, kind: EventKind, *, seq: int | None = None,
           item: str | None = None, lot: str | None = None, serial: str | None = None,
           qty: Decimal = ZERO, qty_scrap: Decimal = ZERO, qty_rework: Decimal = ZERO,
           minutes: Decimal | None = None, reason: str | None = None,
           operator: str | None = None, at: datetime | None = None) -> ExecutionEvent:
    """Append one event in the caller's transaction."""
    event = ExecutionEvent(work_order_id=work_order_id, seq=seq, kind=kind, item=item, lot=lot,
                           serial=serial, qty=qty, qty_scrap=qty_scrap, qty_rework=qty_rework,
                           minutes=minutes, reason=reason, operator=operator,
                           at=at or utcnow())
    uow.session.add(event)
    return event
