"""Fiscal periods (months). Posting needs an open period; a closed one refuses every entry
dated in it, so reported figures never change after close (corrections go in an open period).

Periods are created on first use; closing takes the row lock that posting shares, so an entry
cannot slip into a period while it closes."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import Audited, lock_audit_head
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, IdMixin, UtcDateTime, VersionedMixin, enum_column
from gemba.core.db.dialect import for_update, insert_for
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound
from gemba.core.types import utcnow


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FiscalPeriod(Audited, IdMixin, VersionedMixin, Base):
    __tablename__ = "erp_fiscal_periods"

    code: Mapped[str] = mapped_column(String(7), unique=True)  # "2026-12"
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PeriodStatus] = mapped_column(enum_column(PeriodStatus),
                                                 default=PeriodStatus.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


def period_code(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _ensure(uow: UnitOfWork, day: date) -> None:
    last = calendar.monthrange(day.year, day.month)[1]
    stmt = insert_for(uow.session, FiscalPeriod.__table__).values(
        code=period_code(day), start_date=day.replace(day=1), end_date=day.replace(day=last),
        status=PeriodStatus.OPEN.value, version=1).on_conflict_do_nothing()
    uow.session.execute(stmt)


def open_period_for(uow: UnitOfWork, day: date, field: str = "date") -> int:
    """The id of the open period holding ``day`` (created if missing), share-locked."""
    from gemba.core.errors import ValidationFailed

    code = period_code(day)
    row = uow.session.execute(for_update(uow.session, select(
        FiscalPeriod.id, FiscalPeriod.status).where(FiscalPeriod.code == code),
        read=True)).one_or_none()
    if row is None:
        _ensure(uow, day)
        row = uow.session.execute(for_update(uow.session, select(
            FiscalPeriod.id, FiscalPeriod.status).where(FiscalPeriod.code == code),
            read=True)).one()
    if row.status != PeriodStatus.OPEN:
        raise ValidationFailed.on(field, "period_open",
                                  f"fiscal period {code} is closed; date the entry in an "
                                  "open period (corrections go in the current period)")
    return int(row.id)


def get_period(uow: UnitOfWork, code: str) -> FiscalPeriod:
    uow.actor.require(Permission.FINANCE_READ)
    period = uow.session.scalar(select(FiscalPeriod).where(FiscalPeriod.code == code))
    if period is None:
        raise NotFound(f"fiscal period {code!r} does not exist")
    return period


def ensure_period(uow: UnitOfWork, day: date) -> FiscalPeriod:
    uow.actor.require(Permission.FINANCE_READ)
    _ensure(uow, day)
    return get_period(uow, period_code(day))


def close_period(uow: UnitOfWork, code: str) -> FiscalPeriod:
    """Close a month. Earlier months must be closed first, so closed periods are a prefix."""
    uow.actor.require(Permission.FINANCE_CLOSE)
    lock_audit_head(uow.session)  # the order postings take their locks in: head, then period
    period = uow.session.scalar(for_update(uow.session, select(FiscalPeriod)
                                           .where(FiscalPeriod.code == code)))
    if period is None:
        raise NotFound(f"fiscal period {code!r} does not exist")
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(f"fiscal period {code} is already closed")
    earlier_open = uow.session.scalar(select(FiscalPeriod.code).where(
        FiscalPeriod.start_date < period.start_date,
        FiscalPeriod.status == PeriodStatus.OPEN).order_by(FiscalPeriod.start_date))
    if earlier_open:
        raise Conflict(f"close fiscal period {earlier_open} before {code}")
    period.status = PeriodStatus.CLOSED
    period.closed_at = utcnow()
    period.closed_by = uow.actor.username
    uow.flush()
    return period


def list_periods(uow: UnitOfWork) -> list[FiscalPeriod]:
    uow.actor.require(Permission.FINANCE_READ)
    return list(uow.session.scalars(select(FiscalPeriod).order_by(FiscalPeriod.start_date)))
