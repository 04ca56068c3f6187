"""Labour: who is clocked on which operation, and for how long.

An operator clocks on when starting (or resuming) an operation and anyone qualified may
join a running one; pausing or finishing it clocks everyone off. Each completion reports
every person's minutes on the operation since the last report (ISA-95 PersonnelActual),
which the ERP costs at the person's labour rate. ``reported_until`` marks how much of a
session was already reported, so no minute is reported twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.db.base import Base, IdMixin, UtcDateTime
from gemba.core.db.uow import UnitOfWork
from gemba.core.types import quantize

ZERO = Decimal(0)


class LabourSession(IdMixin, Base):
    __tablename__ = "mes_labour_sessions"

    work_order_id: Mapped[int] = mapped_column(ForeignKey("mes_work_orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    person: Mapped[str] = mapped_column(String(100))
    clock_on: Mapped[datetime] = mapped_column(UtcDateTime)
    clock_off: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reported_until: Mapped[datetime] = mapped_column(UtcDateTime)


def sessions(uow: UnitOfWork, work_order_id: int, seq: int,
             open_only: bool = False) -> list[LabourSession]:
    """Without an autoflush: the pending changes of the action (audited) are written once, at
    its end, so the audit chain's head is held only for the last statements."""
    stmt = select(LabourSession).where(LabourSession.work_order_id == work_order_id,
                                       LabourSession.seq == seq)
    if open_only:
        stmt = stmt.where(LabourSession.clock_off.is_(None))
    with uow.session.no_autoflush:
        found = list(uow.session.scalars(stmt.order_by(LabourSession.id)))
    # Sessions added in this transaction and not flushed yet count too.
    new = [s for s in uow.session.new if isinstance(s, LabourSession)
           and s.work_order_id == work_order_id and s.seq == seq
           and (not open_only or s.clock_off is None)]
    return found + new


def clocked_on(uow: UnitOfWork, work_order_id: int, seq: int) -> list[str]:
    return [s.person for s in sessions(uow, work_order_id, seq, open_only=True)]


def open_session(uow: UnitOfWork, work_order_id: int, seq: int, person: str,
                 at: datetime) -> bool:
    """Clock ``person`` on; False when they already are."""
    if person in clocked_on(uow, work_order_id, seq):
        return False
    uow.session.add(LabourSession(work_order_id=work_order_id, seq=seq, person=person,
                                  clock_on=at, clock_off=None, reported_until=at))
    return True


def close_sessions(uow: UnitOfWork, work_order_id: int, seq: int, at: datetime,
                   person: str | None = None) -> list[str]:
    """Clock off ``person`` (everyone when None); returns who was clocked off."""
    closed = []
    for s in sessions(uow, work_order_id, seq, open_only=True):
        if person is None or s.person == person:
            s.clock_off = max(at, s.clock_on)
            closed.append(s.person)
    return closed


def unreported_minutes(uow: UnitOfWork, work_order_id: int, seq: int,
                       now: datetime) -> dict[str, Decimal]:
    """Each person's minutes on the operation not yet reported; marks them reported."""
    out: dict[str, Decimal] = {}
    for s in sessions(uow, work_order_id, seq):
        end = s.clock_off or now
        if end <= s.reported_until:
            continue
        minutes = Decimal(str((end - s.reported_until).total_seconds())) / 60
        out[s.person] = out.get(s.person, ZERO) + minutes
        s.reported_until = end
    return {p: quantize(m, 2) for p, m in out.items()}


def touched_since_report(uow: UnitOfWork, work_order_id: int, seq: int,
                         now: datetime) -> list[str]:
    """People with time on the operation not yet reported (for explicit-minute reports);
    marks that time reported."""
    people = []
    for s in sessions(uow, work_order_id, seq):
        end = s.clock_off or now
        if end > s.reported_until or s.clock_off is None:
            if s.person not in people:
                people.append(s.person)
            s.reported_until = max(end, s.reported_until)
    return people
