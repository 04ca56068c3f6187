"""Work orders: the MES's copy of a production request, with its operations and materials.

A work order is created from an ISA-95 ProductionRequest (``erp_link.schedule_consumer``),
keyed by the request id, and copies the request's segments as operations, so later routing
changes do not move what the floor was asked for. Splitting makes a child ``NUMBER-S1`` that
reports to the same request (``request_id``); the per-request report ``sequence`` lives on
the root work order and is shared by its children.

Status: received -> released -> in_progress -> completed; received/released/in_progress <->
held; received/released (nothing started) -> cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command, PosQty
from gemba.core.db.base import (
    Base,
    IdMixin,
    Qty,
    TimestampMixin,
    UtcDateTime,
    VersionedMixin,
    enum_column,
)
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import QTY_PLACES, quantize, utcnow
from gemba.mes.erp_link.reports import publish_status
from gemba.mes.execution_event import EventKind, ExecutionEvent, record

ZERO = Decimal(0)


def fmt(qty: Decimal) -> str:
    """``8.000000`` -> ``8`` in messages people read."""
    return format(qty.normalize(), "f") if qty else "0"


class WorkOrderStatus(StrEnum):
    RECEIVED = "received"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    HELD = "held"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OperationStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


W = WorkOrderStatus
# Statuses in which operators may work on the order.
WORKABLE = frozenset({W.RELEASED, W.IN_PROGRESS})
OPEN = frozenset({W.RECEIVED, W.RELEASED, W.IN_PROGRESS, W.HELD})


class WorkOrder(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "mes_work_orders"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_good >= 0 AND qty_scrap >= 0", name="done_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(100), unique=True)
    request_id: Mapped[str] = mapped_column(String(100), index=True)  # the ERP order
    parent_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    product: Mapped[str] = mapped_column(String(100))
    qty: Mapped[Decimal] = mapped_column(Qty)
    uom: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    due: Mapped[datetime] = mapped_column(UtcDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[WorkOrderStatus] = mapped_column(enum_column(WorkOrderStatus),
                                                    default=W.RECEIVED, index=True)
    held_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    qty_good: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_scrap: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    report_seq: Mapped[int] = mapped_column(Integer, default=0)  # last sequence reported
    splits: Mapped[int] = mapped_column(Integer, default=0)

    operations: Mapped[list[WorkOperation]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", lazy="selectin",
        order_by="WorkOperation.seq")
    materials: Mapped[list[WorkMaterial]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", lazy="selectin",
        order_by="WorkMaterial.line_no")

    def operation(self, seq: int) -> WorkOperation:
        for op in self.operations:
            if op.seq == seq:
                return op
        raise NotFound(f"work order {self.number} has no operation {seq}")

    def predecessor(self, op: WorkOperation) -> WorkOperation | None:
        index = self.operations.index(op)
        return self.operations[index - 1] if index else None

    def input_qty(self, op: WorkOperation) -> Decimal:
        """What reached this operation: the order qty at the first one, the predecessor's
        good quantity after it."""
        before = self.predecessor(op)
        return self.qty if before is None else before.qty_good

    def add_note(self, text: str) -> None:
        self.note = "\n".join(n for n in (self.note, text) if n)[-4000:]


class WorkOperation(Audited, IdMixin, Base):
    """One segment of the request, as it was when received."""

    __tablename__ = "mes_work_operations"
    __table_args__ = (UniqueConstraint("work_order_id", "seq"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("mes_work_orders", self.work_order_id)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("mes_work_orders.id",
                                                          ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    segment_id: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    work_center: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    setup_minutes: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    run_minutes_per_unit: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    status: Mapped[OperationStatus] = mapped_column(enum_column(OperationStatus),
                                                    default=OperationStatus.PENDING)
    qty_good: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_scrap: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_rework: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    running_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    minutes_open: Mapped[Decimal] = mapped_column(Qty, default=ZERO)  # run, not yet reported
    operator: Mapped[str | None] = mapped_column(String(100), nullable=True)
    output_lot: Mapped[str | None] = mapped_column(String(100), nullable=True)
    output_serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Qualifications (skill codes, comma-separated) whoever works on it must hold.
    required_skills: Mapped[str | None] = mapped_column(String(500), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)

    work_order: Mapped[WorkOrder] = relationship(back_populates="operations")

    @property
    def skills(self) -> list[str]:
        return [s for s in (self.required_skills or "").split(",") if s]


class WorkMaterial(Audited, IdMixin, Base):
    """A component the request asks to consume (optionally at one segment)."""

    __tablename__ = "mes_work_materials"
    __table_args__ = (UniqueConstraint("work_order_id", "line_no"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("mes_work_orders", self.work_order_id)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("mes_work_orders.id",
                                                          ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    segment_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    item: Mapped[str] = mapped_column(String(100))
    qty: Mapped[Decimal] = mapped_column(Qty)
    uom: Mapped[str] = mapped_column(String(40))

    work_order: Mapped[WorkOrder] = relationship(back_populates="materials")


# --- commands -----------------------------------------------------------------------------


class HoldIn(Command):
    reason: str = Field(min_length=1, max_length=500)


class SplitIn(Command):
    qty: PosQty


class PriorityIn(Command):
    priority: int = Field(ge=0, le=1000)


# --- queries ------------------------------------------------------------------------------


def find_work_order(uow: UnitOfWork, number: str) -> WorkOrder | None:
    return uow.session.scalar(select(WorkOrder).where(WorkOrder.number == number))


def get_work_order(uow: UnitOfWork, number: str) -> WorkOrder:
    uow.actor.require(Permission.MES_READ)
    wo = find_work_order(uow, number)
    if wo is None:
        raise NotFound(f"work order {number!r} does not exist")
    return wo


def lock_work_order(uow: UnitOfWork, number: str) -> WorkOrder:
    """The work order, row-locked so two stations update it one after the other."""
    wo_id = uow.session.scalar(for_update(uow.session, select(WorkOrder.id).where(
        WorkOrder.number == number)))
    if wo_id is None:
        raise NotFound(f"work order {number!r} does not exist")
    wo = uow.session.get(WorkOrder, wo_id, populate_existing=True)
    assert wo is not None
    return wo


def list_work_orders(uow: UnitOfWork, page: PageRequest) -> Page[WorkOrder]:
    uow.actor.require(Permission.MES_READ)
    return paginate(uow.session, select(WorkOrder), page,
                    search=[WorkOrder.number, WorkOrder.product],
                    filterable={"status": WorkOrder.status, "product": WorkOrder.product,
                                "request_id": WorkOrder.request_id},
                    order_by=[WorkOrder.priority.desc(), WorkOrder.due, WorkOrder.id])


def has_started(uow: UnitOfWork, wo: WorkOrder) -> bool:
    """Anything done on the floor (started, consumed, completed) for this work order."""
    kinds = (EventKind.START, EventKind.CONSUME, EventKind.COMPLETE, EventKind.PRODUCE)
    return uow.session.scalar(select(ExecutionEvent.id).where(
        ExecutionEvent.work_order_id == wo.id, ExecutionEvent.kind.in_(kinds)).limit(1)) \
        is not None


@dataclass(frozen=True)
class DispatchEntry:
    work_order: WorkOrder
    operation: WorkOperation

    @property
    def number(self) -> str:
        return self.work_order.number


def next_operation(wo: WorkOrder) -> WorkOperation | None:
    return next((op for op in wo.operations if op.status != OperationStatus.DONE), None)


def dispatch_list(uow: UnitOfWork, work_center: str) -> list[DispatchEntry]:
    """Released or running work orders whose next operation is at this work center, most
    urgent first (priority high to low, then earliest due)."""
    uow.actor.require(Permission.MES_READ)
    orders = uow.session.scalars(
        select(WorkOrder).where(WorkOrder.status.in_(WORKABLE))
        .where(WorkOrder.id.in_(select(WorkOperation.work_order_id).where(
            WorkOperation.work_center == work_center)))
        .order_by(WorkOrder.priority.desc(), WorkOrder.due, WorkOrder.id)).all()
    out = []
    for wo in orders:
        op = next_operation(wo)
        if op is not None and op.work_center == work_center:
            out.append(DispatchEntry(wo, op))
    return out


# --- reports to the ERP -------------------------------------------------------------------


def next_sequence(uow: UnitOfWork, wo: WorkOrder) -> tuple[int, int]:
    """(sequence, revision) for the next report on this work order's request: the counter
    sits on the root work order, incremented in this transaction (row-locked)."""
    root = wo if wo.parent_number is None else lock_work_order(uow, wo.request_id)
    root.report_seq += 1
    return root.report_seq, root.revision


def report_status(uow: UnitOfWork, wo: WorkOrder, state: str) -> None:
    sequence, _ = next_sequence(uow, wo)
    publish_status(uow, request_id=wo.request_id, sequence=sequence, state=state,
                   at=utcnow(), good=wo.qty_good, scrap=wo.qty_scrap)


def siblings(uow: UnitOfWork, wo: WorkOrder) -> list[WorkOrder]:
    """Every work order of the same request (the root and its splits), this one included."""
    return list(uow.session.scalars(select(WorkOrder).where(
        WorkOrder.request_id == wo.request_id).order_by(WorkOrder.id)))


# --- writes -------------------------------------------------------------------------------


def _for_supervisor(uow: UnitOfWork, number: str) -> WorkOrder:
    uow.actor.require(Permission.MES_SUPERVISE)
    return lock_work_order(uow, number)


def release_work_order(uow: UnitOfWork, number: str) -> WorkOrder:
    """Received -> released: operators see it on their dispatch lists. A request without
    segments gets one operation ``10``."""
    wo = _for_supervisor(uow, number)
    if wo.status != W.RECEIVED:
        raise Conflict(f"{number} is {wo.status.value}; only a received work order can be "
                       "released")
    if not wo.operations:
        wo.operations.append(WorkOperation(seq=10, segment_id="10", description=None,
                                           work_center=None, setup_minutes=ZERO,
                                           run_minutes_per_unit=ZERO,
                                           status=OperationStatus.PENDING, qty_good=ZERO,
                                           qty_scrap=ZERO, qty_rework=ZERO, minutes_open=ZERO))
    wo.status = W.RELEASED
    record(uow, wo.id, EventKind.RELEASE, operator=uow.actor.username)
    report_status(uow, wo, "released")
    uow.flush()
    return wo


def hold_work_order(uow: UnitOfWork, number: str, reason: str) -> WorkOrder:
    wo = _for_supervisor(uow, number)
    if not reason.strip():
        raise ValidationFailed.on("reason", "required", "say why the work order is held")
    hold(uow, wo, reason.strip())
    uow.flush()
    return wo


def hold(uow: UnitOfWork, wo: WorkOrder, reason: str) -> None:
    """Stop work on an open order; running operations keep their state until unhold."""
    if wo.status not in (W.RECEIVED, W.RELEASED, W.IN_PROGRESS):
        raise Conflict(f"{wo.number} is {wo.status.value}; it cannot be held")
    wo.held_from = wo.status.value
    wo.status = W.HELD
    wo.add_note(f"held: {reason}")
    record(uow, wo.id, EventKind.HOLD, reason=reason[:500], operator=uow.actor.username)


def unhold_work_order(uow: UnitOfWork, number: str) -> WorkOrder:
    wo = _for_supervisor(uow, number)
    if wo.status != W.HELD:
        raise Conflict(f"{number} is {wo.status.value}; only a held work order can be "
                       "released from hold")
    wo.status = W(wo.held_from or W.RELEASED.value)
    wo.held_from = None
    record(uow, wo.id, EventKind.UNHOLD, operator=uow.actor.username)
    uow.flush()
    return wo


def cancel_work_order(uow: UnitOfWork, number: str) -> WorkOrder:
    """Only while nothing was done on the floor. When every work order of the request is
    then cancelled (or done), the ERP is told."""
    wo = _for_supervisor(uow, number)
    cancel(uow, wo)
    group = siblings(uow, wo)
    if all(s.status in (W.CANCELLED, W.COMPLETED) for s in group):
        done = any(s.status == W.COMPLETED for s in group)
        report_status(uow, wo, "completed" if done else "cancelled")
    uow.flush()
    return wo


def cancel(uow: UnitOfWork, wo: WorkOrder, reason: str | None = None) -> None:
    if wo.status not in OPEN:
        raise Conflict(f"{wo.number} is {wo.status.value}; it cannot be cancelled")
    if has_started(uow, wo):
        raise Conflict(f"{wo.number} has work reported; complete it instead of cancelling")
    wo.status = W.CANCELLED
    wo.held_from = None
    record(uow, wo.id, EventKind.CANCEL, reason=reason, operator=uow.actor.username)


def set_priority(uow: UnitOfWork, number: str, priority: int) -> WorkOrder:
    wo = _for_supervisor(uow, number)
    if not 0 <= priority <= 1000:
        raise ValidationFailed.on("priority", "range", "must be between 0 and 1000")
    if wo.status not in OPEN:
        raise Conflict(f"{number} is {wo.status.value}; its priority no longer matters")
    if wo.priority != priority:
        wo.priority = priority
        record(uow, wo.id, EventKind.PRIORITY, qty=Decimal(priority),
               operator=uow.actor.username)
    uow.flush()
    return wo


def _unstarted(wo: WorkOrder) -> Decimal:
    """Quantity no operation has in hand: the order qty less what the first operation
    completed or scrapped, while it is pending or paused; nothing while it runs (the pieces
    on the machine are not counted one by one) or once it is done."""
    if not wo.operations:
        return wo.qty
    first = wo.operations[0]
    if first.status in (OperationStatus.RUNNING, OperationStatus.DONE):
        return ZERO
    return wo.qty - first.qty_good - first.qty_scrap


def split_work_order(uow: UnitOfWork, number: str, qty: Decimal) -> WorkOrder:
    """Move ``qty`` not yet started into a child work order ``NUMBER-S<n>`` with the same
    operations (fresh) and proportional materials; both report to the same request."""
    wo = _for_supervisor(uow, number)
    if wo.status not in (W.RECEIVED, W.RELEASED, W.IN_PROGRESS):
        raise Conflict(f"{number} is {wo.status.value}; only an open work order can be split")
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    free = _unstarted(wo)
    if qty >= wo.qty or qty > free:
        raise ValidationFailed.on("qty", "unstarted",
                                  f"{fmt(free)} of {fmt(wo.qty)} is unstarted; a split takes "
                                  "at most that and leaves the work order some quantity")
    wo.splits += 1
    child = WorkOrder(
        number=f"{wo.number}-S{wo.splits}", request_id=wo.request_id, parent_number=wo.number,
        revision=wo.revision, product=wo.product, qty=qty, uom=wo.uom, start_at=wo.start_at,
        due=wo.due, priority=wo.priority,
        status=W.RECEIVED if wo.status == W.RECEIVED else W.RELEASED, held_from=None, note="",
        qty_good=ZERO, qty_scrap=ZERO, report_seq=0, splits=0,
        operations=[WorkOperation(seq=op.seq, segment_id=op.segment_id,
                                  description=op.description, work_center=op.work_center,
                                  setup_minutes=op.setup_minutes,
                                  run_minutes_per_unit=op.run_minutes_per_unit,
                                  required_skills=op.required_skills,
                                  instructions=op.instructions,
                                  status=OperationStatus.PENDING, qty_good=ZERO,
                                  qty_scrap=ZERO, qty_rework=ZERO, minutes_open=ZERO)
                    for op in wo.operations],
        materials=[])
    ratio = qty / wo.qty
    for m in wo.materials:
        moved = quantize(m.qty * ratio, QTY_PLACES)
        child.materials.append(WorkMaterial(line_no=m.line_no, segment_id=m.segment_id,
                                            item=m.item, qty=moved, uom=m.uom))
        m.qty = m.qty - moved
    wo.qty = wo.qty - qty
    uow.session.add(child)
    uow.flush()
    record(uow, wo.id, EventKind.SPLIT, qty=qty, reason=f"split into {child.number}",
           operator=uow.actor.username)
    uow.flush()
    return child


# Convenience aliases matching the wording.
get = get_work_order
release = release_work_order
unhold = unhold_work_order
split = split_work_order
