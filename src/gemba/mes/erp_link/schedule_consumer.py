"""The MES's inbox consumer of ISA-95 ProductionSchedule messages (from Gemba's ERP or any
other that speaks the contract).

Each ProductionRequest upserts the work order keyed by its id. Revisions make it
out-of-order safe: an older or equal revision is ignored; a newer one updates quantity, due
date and priority, and the operations and materials too while nothing was done on the floor.
A cancelled request cancels an untouched work order and holds one with work on it (with a
note for the supervisor). A message the MES refuses is kept in ``mes_rejections`` instead of
blocking the queue behind it; database trouble still propagates (redelivery).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gemba.contracts.isa95 import (
    PRODUCTION_SCHEDULE,
    ProductionRequest,
    ProductionSchedule,
    SegmentRequirement,
    from_payload,
)
from gemba.core.auth.actor import SYSTEM
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, UtcDateTime
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import BoundUnitOfWork, UnitOfWork
from gemba.core.errors import GembaError, ValidationFailed
from gemba.core.events.bus import Handler
from gemba.core.events.envelope import Envelope
from gemba.core.types import QTY_PLACES, quantize, utcnow
from gemba.mes.work_order import (
    OperationStatus,
    WorkMaterial,
    WorkOperation,
    WorkOrder,
    WorkOrderStatus,
    cancel,
    has_started,
    hold,
)

CONSUMER = "mes.erp_link"
ZERO = Decimal(0)
W = WorkOrderStatus


class MesRejection(Base):
    """An ERP message the MES refused, with why (a dead letter)."""

    __tablename__ = "mes_rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Subscribable(Protocol):
    def subscribe(self, consumer: str, pattern: str, handler: Handler) -> None: ...


def apply_or_reject(session: Session, env: Envelope,
                    apply: Callable[[UnitOfWork], object]) -> None:
    """Apply one relayed ERP message as the system actor, or record why it was refused (a
    refused message is kept, never retried, and does not block the ones behind it)."""
    uow = BoundUnitOfWork(session, SYSTEM, reason=f"ERP message {env.message_id}")
    try:
        with session.begin_nested():
            apply(uow)
    except (GembaError, ValidationError) as exc:
        error = exc.message if isinstance(exc, GembaError) else f"malformed message: {exc}"
        session.add(MesRejection(message_id=env.message_id[:100], topic=env.topic[:100],
                                 error=error, received_at=utcnow()))
        session.flush()


def handle(session: Session, env: Envelope) -> None:
    apply_or_reject(session, env, lambda uow: apply_schedule(
        uow, from_payload(ProductionSchedule, env.payload)))


def register(bus: Subscribable) -> None:
    """Subscribe the MES to the ERP's production schedules."""
    bus.subscribe(CONSUMER, PRODUCTION_SCHEDULE, handle)


def rejections(uow: UnitOfWork, limit: int = 50) -> list[MesRejection]:
    uow.actor.require(Permission.MES_READ)
    return list(uow.session.scalars(select(MesRejection).order_by(MesRejection.id.desc())
                                    .limit(limit)))


# --- applying a schedule ------------------------------------------------------------------


def apply_schedule(uow: UnitOfWork, msg: ProductionSchedule) -> list[str]:
    """Upsert one work order per request; returns what happened to each (created,
    updated, cancelled, held, ignored). Any refusal refuses the whole message."""
    uow.actor.require(Permission.MES_SUPERVISE)
    outcomes = [_apply_request(uow, req, f"requests[{n}]") for n, req in enumerate(msg.requests)]
    uow.flush()
    return outcomes


def _lock_root(uow: UnitOfWork, number: str) -> WorkOrder | None:
    wo_id = uow.session.scalar(for_update(uow.session, select(WorkOrder.id).where(
        WorkOrder.number == number, WorkOrder.parent_number.is_(None))))
    return None if wo_id is None else uow.session.get(WorkOrder, wo_id, populate_existing=True)


def _seqs(segments: tuple[SegmentRequirement, ...]) -> list[int]:
    """Numeric segment ids (the ERP's routing steps) are kept as the operation numbers;
    others are numbered 10, 20, ..."""
    ids = [s.segment_id for s in segments]
    if all(i.isdigit() and len(i) < 9 for i in ids):
        nums = [int(i) for i in ids]
        if nums == sorted(set(nums)):
            return nums
    return [(n + 1) * 10 for n in range(len(ids))]


def _operations(req: ProductionRequest) -> list[WorkOperation]:
    return [WorkOperation(seq=seq, segment_id=s.segment_id, description=s.description,
                          work_center=s.equipment_id, setup_minutes=s.setup_minutes,
                          run_minutes_per_unit=s.run_minutes_per_unit,
                          required_skills=",".join(p.personnel_class_id
                                                   for p in s.personnel)[:500] or None,
                          instructions=s.instructions, status=OperationStatus.PENDING,
                          qty_good=ZERO, qty_scrap=ZERO, qty_rework=ZERO, minutes_open=ZERO)
            for seq, s in zip(_seqs(req.segments), req.segments, strict=True)]


def _materials(req: ProductionRequest, qty: Decimal) -> list[WorkMaterial]:
    """Components to consume, scaled to ``qty`` when split work orders hold the rest."""
    wanted = [(None, m) for m in req.materials if m.use == "Consumed"]
    wanted += [(s.segment_id, m) for s in req.segments for m in s.materials
               if m.use == "Consumed"]
    ratio = qty / req.quantity
    return [WorkMaterial(line_no=(n + 1) * 10, segment_id=segment, item=m.material_definition_id,
                         qty=quantize(m.quantity * ratio, QTY_PLACES), uom=m.uom)
            for n, (segment, m) in enumerate(wanted)]


def _apply_request(uow: UnitOfWork, req: ProductionRequest, where: str) -> str:
    wo = _lock_root(uow, req.id)
    if wo is None:
        if uow.session.scalar(select(WorkOrder.id).where(WorkOrder.number == req.id)):
            raise ValidationFailed.on(f"{where}.id", "unique",
                                      f"{req.id} is the number of a split work order")
        uow.session.add(WorkOrder(
            number=req.id, request_id=req.id, parent_number=None, revision=req.revision,
            product=req.product, qty=req.quantity, uom=req.uom, start_at=req.start_time,
            due=req.end_time, priority=req.priority,
            status=W.CANCELLED if req.state == "cancelled" else W.RECEIVED, held_from=None,
            note="", qty_good=ZERO, qty_scrap=ZERO, report_seq=0, splits=0,
            operations=_operations(req), materials=_materials(req, req.quantity)))
        uow.flush()
        return "created"
    if req.revision <= wo.revision:
        return "ignored"
    group = list(uow.session.scalars(select(WorkOrder).where(
        WorkOrder.request_id == wo.request_id).order_by(WorkOrder.id)))
    started = any(has_started(uow, w) for w in group)
    wo.revision = req.revision
    for child in group:
        if child is not wo:
            child.revision = req.revision
    if req.state == "cancelled":
        return _cancelled(uow, group, started, req.revision)
    if wo.status in (W.CANCELLED, W.COMPLETED):
        wo.add_note(f"revision {req.revision} ignored: the work order is {wo.status.value}")
        return "ignored"
    children = sum((w.qty for w in group if w is not wo), ZERO)
    qty = req.quantity - children
    if qty <= 0:
        raise ValidationFailed.on(f"{where}.quantity", "covers_splits",
                                  f"{req.quantity} does not cover the {children} already "
                                  f"split off {wo.number}")
    done = max((op.qty_good + op.qty_scrap for op in wo.operations), default=ZERO)
    if qty < done:
        raise ValidationFailed.on(f"{where}.quantity", "covers_done",
                                  f"{wo.number} already completed or scrapped {done}")
    wo.qty, wo.due, wo.priority, wo.start_at = qty, req.end_time, req.priority, req.start_time
    if started:
        return "updated"
    wo.operations.clear()
    wo.materials.clear()
    uow.flush()  # the old rows go before the new ones reuse their (work order, seq) keys
    wo.operations.extend(_operations(req))
    wo.materials.extend(_materials(req, qty))
    uow.flush()
    return "updated"


def _cancelled(uow: UnitOfWork, group: list[WorkOrder], started: bool, revision: int) -> str:
    """The ERP withdrew the request: cancel it if the floor has not touched it, otherwise
    hold what is open and leave the decision to a supervisor."""
    outcome = "ignored"
    for wo in group:
        if wo.status not in (W.RECEIVED, W.RELEASED, W.IN_PROGRESS, W.HELD):
            continue
        if not started:
            cancel(uow, wo, reason=f"cancelled by the ERP (revision {revision})")
            outcome = "cancelled"
            continue
        note = f"the ERP cancelled revision {revision} after work started: decide what to do"
        if wo.status == W.HELD:
            wo.add_note(note)
        else:
            hold(uow, wo, note)
        outcome = "held"
    uow.flush()
    return outcome
