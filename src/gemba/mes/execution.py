"""Running operations on the floor: start, pause, resume, complete, consume, produce; and the
views read from the event log: WIP per operation and genealogy (input lots -> output lots).

Every action appends one ``mes_execution_events`` row. Every completion and every
consumption also puts ONE ProductionPerformance in the outbox, in the same transaction,
carrying only what that action added (an increment) under the request's next sequence.
A refused action raises before writing anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command, NonNegQty, PosQty
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.types import QTY_PLACES, quantize, utcnow
from gemba.mes import labour
from gemba.mes.erp_link.reports import Increment, Material, publish_performance
from gemba.mes.execution_event import EventKind, ExecutionEvent, record
from gemba.mes.material_lot import take_first_expiring, take_lot
from gemba.mes.personnel import check_qualified
from gemba.mes.work_order import (
    WORKABLE,
    OperationStatus,
    WorkOperation,
    WorkOrder,
    WorkOrderStatus,
    fmt,
    get_work_order,
    lock_work_order,
    next_sequence,
    report_status,
    siblings,
)

ZERO = Decimal(0)
OS = OperationStatus


# --- commands (REST bodies) ---------------------------------------------------------------


class StartIn(Command):
    operator: str = Field(min_length=1, max_length=100)


class PauseIn(Command):
    reason: str = Field(min_length=1, max_length=500)
    operator: str | None = Field(default=None, max_length=100)


class ResumeIn(Command):
    operator: str | None = Field(default=None, max_length=100)


class CompleteIn(Command):
    good: NonNegQty = ZERO
    scrap: NonNegQty = ZERO
    scrap_reason: str | None = Field(default=None, max_length=500)
    rework: NonNegQty = ZERO
    operator: str | None = Field(default=None, max_length=100)
    minutes: NonNegQty | None = None  # default: the running time since the last report
    backflush: bool = False  # also consume the operation's components by the BOM


class ClockIn(Command):
    person: str = Field(min_length=1, max_length=100)


class ConsumeIn(Command):
    item: str = Field(min_length=1, max_length=100)
    lot: str | None = Field(default=None, max_length=100)
    qty: PosQty
    operator: str | None = Field(default=None, max_length=100)


class ProduceIn(Command):
    lot: str | None = Field(default=None, max_length=100)
    serial: str | None = Field(default=None, max_length=100)
    operator: str | None = Field(default=None, max_length=100)


def _for_operator(uow: UnitOfWork, number: str, seq: int) -> tuple[WorkOrder, WorkOperation]:
    uow.actor.require(Permission.MES_EXECUTE)
    wo = lock_work_order(uow, number)
    return wo, wo.operation(seq)


def _workable(wo: WorkOrder) -> None:
    if wo.status == WorkOrderStatus.HELD:
        raise Conflict(f"{wo.number} is held; nothing can be done on it until it is "
                       "released from hold")
    if wo.status not in WORKABLE:
        raise Conflict(f"{wo.number} is {wo.status.value}; only a released or running work "
                       "order can be worked on")


def _person(operator: str | None, field: str = "operator") -> str:
    if operator is None or not operator.strip():
        raise ValidationFailed.on(field, "required", "say who does it")
    if len(operator.strip()) > 100:
        raise ValidationFailed.on(field, "max_length", "at most 100 characters")
    return operator.strip()


def _elapsed(op: WorkOperation, now: datetime) -> Decimal:
    """Running minutes not yet reported (pauses excluded)."""
    running = ZERO
    if op.running_since is not None:
        running = Decimal(str((now - op.running_since).total_seconds())) / 60
    return quantize(op.minutes_open + max(running, ZERO), 2)


def start_operation(uow: UnitOfWork, number: str, seq: int, operator: str) -> WorkOperation:
    uow.actor.require(Permission.MES_EXECUTE)
    wo = lock_work_order(uow, number)
    who = _person(operator)
    _workable(wo)
    op = wo.operation(seq)
    if op.status != OS.PENDING:
        raise Conflict(f"operation {seq} of {number} is {op.status.value}; it was started "
                       "already" + (" (resume it)" if op.status == OS.PAUSED else ""))
    check_qualified(uow, who, op.skills)
    now = utcnow()
    op.status, op.started_at, op.running_since, op.operator = OS.RUNNING, now, now, who
    wo.status = WorkOrderStatus.IN_PROGRESS
    labour.open_session(uow, wo.id, seq, who, now)
    record(uow, wo.id, EventKind.START, seq=seq, operator=who, at=now)
    report_status(uow, wo, "started")
    uow.flush()
    return op


def pause_operation(uow: UnitOfWork, number: str, seq: int, reason: str,
                    operator: str | None = None) -> WorkOperation:
    """Stop the clock on a running operation; allowed on a held work order too."""
    wo, op = _for_operator(uow, number, seq)
    if reason is None or not reason.strip():
        raise ValidationFailed.on("reason", "required", "say why the operation pauses")
    if op.status != OS.RUNNING:
        raise Conflict(f"operation {seq} of {number} is {op.status.value}; only a running "
                       "operation can be paused")
    now = utcnow()
    op.minutes_open = _elapsed(op, now)
    op.running_since, op.status = None, OS.PAUSED
    labour.close_sessions(uow, wo.id, seq, now)
    record(uow, wo.id, EventKind.PAUSE, seq=seq, reason=reason.strip()[:500],
           operator=operator or op.operator, at=now)
    report_status(uow, wo, "paused")
    uow.flush()
    return op


def resume_operation(uow: UnitOfWork, number: str, seq: int,
                     operator: str | None = None) -> WorkOperation:
    wo, op = _for_operator(uow, number, seq)
    _workable(wo)
    if op.status != OS.PAUSED:
        raise Conflict(f"operation {seq} of {number} is {op.status.value}; only a paused "
                       "operation can be resumed")
    who = _person(operator or op.operator)
    check_qualified(uow, who, op.skills)
    now = utcnow()
    op.status, op.running_since, op.operator = OS.RUNNING, now, who
    labour.open_session(uow, wo.id, seq, who, now)
    record(uow, wo.id, EventKind.RESUME, seq=seq, operator=op.operator, at=now)
    report_status(uow, wo, "started")
    uow.flush()
    return op


def clock_on(uow: UnitOfWork, number: str, seq: int, person: str) -> WorkOperation:
    """Another qualified person joins a running operation; their time counts from now."""
    wo, op = _for_operator(uow, number, seq)
    who = _person(person, "person")
    _workable(wo)
    if op.status != OS.RUNNING:
        raise Conflict(f"operation {seq} of {number} is {op.status.value}; clock on to a "
                       "running operation")
    check_qualified(uow, who, op.skills, field="person")
    now = utcnow()
    if not labour.open_session(uow, wo.id, seq, who, now):
        raise Conflict(f"{who} is clocked on operation {seq} of {number} already")
    record(uow, wo.id, EventKind.CLOCK_ON, seq=seq, operator=who, at=now)
    uow.flush()
    return op


def clock_off(uow: UnitOfWork, number: str, seq: int, person: str) -> WorkOperation:
    """A person leaves the operation; their time up to now is reported with the next
    completion."""
    wo, op = _for_operator(uow, number, seq)
    who = _person(person, "person")
    now = utcnow()
    if not labour.close_sessions(uow, wo.id, seq, now, person=who):
        raise Conflict(f"{who} is not clocked on operation {seq} of {number}")
    record(uow, wo.id, EventKind.CLOCK_OFF, seq=seq, operator=who, at=now)
    uow.flush()
    return op


def _non_negative(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise ValidationFailed.on(field, "ge_zero", "must not be negative")
    return value


def _settle(wo: WorkOrder, now: datetime) -> None:
    """Mark done every started operation whose predecessor is done and that has completed
    or scrapped all that reached it; the work order completes with its last operation."""
    before_done = True
    for op in wo.operations:
        if op.status == OS.DONE:
            continue
        if (before_done and op.status in (OS.RUNNING, OS.PAUSED)
                and op.qty_good + op.qty_scrap >= wo.input_qty(op)):
            op.status, op.ended_at, op.running_since, op.minutes_open = OS.DONE, now, None, ZERO
            continue
        before_done = False
    if wo.operations and all(op.status == OS.DONE for op in wo.operations):
        wo.status = WorkOrderStatus.COMPLETED


def complete_operation(uow: UnitOfWork, number: str, seq: int, good: Decimal,
                       scrap: Decimal = ZERO, scrap_reason: str | None = None,
                       rework: Decimal = ZERO, operator: str | None = None,
                       minutes: Decimal | None = None,
                       backflush: bool = False) -> WorkOperation:
    """Report good, scrapped (with a reason) and rework quantities on a started operation.
    Several completions may add up; the operation is done once it has completed or
    scrapped all that reached it. ``minutes`` defaults to the running time since the last
    report (machine time; each clocked-on person's own time is reported as labour); given,
    it is the time of the machine and of each person who worked on it since the last report.
    ``backflush`` consumes the operation's components by the BOM for what it finished."""
    wo, op = _for_operator(uow, number, seq)
    good, scrap, rework = (_non_negative(Decimal(good), "good"),
                           _non_negative(Decimal(scrap), "scrap"),
                           _non_negative(Decimal(rework), "rework"))
    if good + scrap + rework <= 0:
        raise ValidationFailed.on("good", "required", "report a good, scrap or rework quantity")
    reason = (scrap_reason or "").strip() or None
    if scrap > 0 and reason is None:
        raise ValidationFailed.on("scrap_reason", "required", "say why it was scrapped")
    if minutes is not None and minutes < 0:
        raise ValidationFailed.on("minutes", "ge_zero", "must not be negative")
    _workable(wo)
    if op.status not in (OS.RUNNING, OS.PAUSED):
        raise Conflict(f"operation {seq} of {number} is {op.status.value}; start it before "
                       "completing" if op.status == OS.PENDING else
                       f"operation {seq} of {number} is done already")
    if op.qty_good + op.qty_scrap + good + scrap > wo.qty:
        raise ValidationFailed.on(
            "good", "released_qty",
            f"good + scrap on operation {seq} would be "
            f"{fmt(op.qty_good + op.qty_scrap + good + scrap)}, more than the {fmt(wo.qty)} "
            "released")
    before = wo.predecessor(op)
    if before is not None:
        if op.qty_good + good > before.qty_good:
            raise ValidationFailed.on(
                "good", "predecessor_good",
                f"operation {seq} cannot complete more good ({fmt(op.qty_good + good)}) "
                f"than operation {before.seq} made ({fmt(before.qty_good)})")
        if op.qty_good + op.qty_scrap + good + scrap > before.qty_good:
            raise ValidationFailed.on(
                "scrap", "predecessor_good",
                f"good + scrap on operation {seq} cannot exceed the {fmt(before.qty_good)} good "
                f"pieces operation {before.seq} passed on")
    who = _person(operator or op.operator)
    now = utcnow()
    spent = _elapsed(op, now) if minutes is None else quantize(Decimal(minutes), QTY_PLACES)
    last = op is wo.operations[-1]
    op.qty_good += good
    op.qty_scrap += scrap
    op.qty_rework += rework
    op.minutes_open = ZERO
    if op.status == OS.RUNNING:
        op.running_since = now
    wo.qty_scrap += scrap
    if last:
        wo.qty_good += good
    _settle(wo, now)
    used = _backflush(uow, wo, op, now, who) if backflush else []
    if op.status == OS.DONE:
        labour.close_sessions(uow, wo.id, seq, now)
    if minutes is None:
        worked = labour.unreported_minutes(uow, wo.id, seq, now) or {who: spent}
    else:
        worked = {p: spent for p in labour.touched_since_report(uow, wo.id, seq, now) or [who]}
    record(uow, wo.id, EventKind.COMPLETE, seq=seq, item=wo.product if last else None,
           lot=op.output_lot if last else None, serial=op.output_serial if last else None,
           qty=good, qty_scrap=scrap, qty_rework=rework, minutes=spent, reason=reason,
           operator=who, at=now)
    materials = list(used)
    if last and good > 0:
        materials.append(Material(wo.product, good, wo.uom, "Produced", op.output_lot,
                                  op.output_serial))
    if scrap > 0:
        materials.append(Material(wo.product, scrap, wo.uom, "Scrapped"))
    _report(uow, wo, Increment(
        segment_id=op.segment_id, start=op.started_at or now, end=now, good=good, scrap=scrap,
        rework=rework, scrap_reason=reason, materials=materials, operator=who,
        work_center=op.work_center, minutes=spent, labour=worked))
    uow.flush()
    return op


def _backflush(uow: UnitOfWork, wo: WorkOrder, op: WorkOperation, now: datetime,
               who: str) -> list[Material]:
    """Consume what the BOM says the pieces finished so far at ``op`` needed, less what was
    consumed of each item already (scanned or backflushed): components of the operation's
    segment, and those of no segment at the first operation. Lots first expiring first."""
    first = op is wo.operations[0]
    done = op.qty_good + op.qty_scrap
    out: list[Material] = []
    for m in wo.materials:
        if not (m.segment_id == op.segment_id or (m.segment_id is None and first)):
            continue
        used = sum((e.qty for e in _events(uow, wo, EventKind.CONSUME) if e.item == m.item),
                   ZERO)
        need = quantize(m.qty * done / wo.qty, QTY_PLACES) - used
        if need <= 0:
            continue
        for take in take_first_expiring(uow, m.item, need):
            record(uow, wo.id, EventKind.CONSUME, seq=op.seq, item=m.item, lot=take.lot,
                   qty=take.qty, reason="backflush", operator=who, at=now)
            out.append(Material(m.item, take.qty, m.uom, "Consumed", take.lot))
        uow.flush()  # the next material's count reads these events
    return out

def _report(uow: UnitOfWork, wo: WorkOrder, increment: Increment) -> None:
    """One performance message; ``completed`` once every work order of the request is."""
    state = "started"
    if wo.status == WorkOrderStatus.COMPLETED and all(
            s.status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED)
            for s in siblings(uow, wo)):
        state = "completed"
    sequence, revision = next_sequence(uow, wo)
    publish_performance(uow, request_id=wo.request_id, revision=revision, sequence=sequence,
                        state=state, increment=increment)


def consume(uow: UnitOfWork, number: str, seq: int, item: str, lot: str | None,
            qty: Decimal, operator: str | None = None) -> ExecutionEvent:
    """A scanned component lot used at an operation; the item must be one the work order
    requires."""
    wo, op = _for_operator(uow, number, seq)
    qty = Decimal(qty)
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    required = {m.item: m for m in wo.materials}
    if item not in required:
        allowed = ", ".join(sorted(required)) or "none"
        raise ValidationFailed.on("item", "required_material",
                                  f"{item!r} is not a material of {number} (required: "
                                  f"{allowed})")
    lot = (lot or "").strip() or None
    if lot is not None and len(lot) > 100:
        raise ValidationFailed.on("lot", "max_length", "at most 100 characters")
    _workable(wo)
    take_lot(uow, item, lot, qty)
    now = utcnow()
    who = (operator or op.operator or uow.actor.username)[:100]
    event = record(uow, wo.id, EventKind.CONSUME, seq=seq, item=item, lot=lot, qty=qty,
                   operator=who, at=now)
    _report(uow, wo, Increment(
        segment_id=op.segment_id, start=op.started_at or now, end=now,
        materials=[Material(item, qty, required[item].uom, "Consumed", lot)]))
    uow.flush()
    return event


def produce(uow: UnitOfWork, number: str, seq: int, lot: str | None = None,
            serial: str | None = None, operator: str | None = None) -> WorkOperation:
    """Name the output lot (or serial) of the last operation; its completions report the
    product under it."""
    wo, op = _for_operator(uow, number, seq)
    lot = (lot or "").strip() or None
    serial = (serial or "").strip() or None
    if (lot is None) == (serial is None):
        raise ValidationFailed.on("lot", "lot_or_serial", "give a lot or a serial, not both")
    if op is not wo.operations[-1]:
        raise ValidationFailed.on("seq", "last_operation",
                                  f"output is named on the last operation "
                                  f"({wo.operations[-1].seq}), not on {seq}")
    for value, field in ((lot, "lot"), (serial, "serial")):
        if value is not None and len(value) > 100:
            raise ValidationFailed.on(field, "max_length", "at most 100 characters")
    _workable(wo)
    if op.status == OS.DONE:
        raise Conflict(f"operation {seq} of {number} is done; its output is reported")
    op.output_lot, op.output_serial = lot, serial
    record(uow, wo.id, EventKind.PRODUCE, seq=seq, item=wo.product, lot=lot, serial=serial,
           operator=(operator or op.operator or uow.actor.username)[:100])
    uow.flush()
    return op


# --- views from the event log -------------------------------------------------------------


@dataclass(frozen=True)
class WipLine:
    seq: int
    segment_id: str
    work_center: str | None
    status: str
    queued: Decimal
    in_process: Decimal
    completed: Decimal
    scrapped: Decimal
    rework: Decimal


def _events(uow: UnitOfWork, wo: WorkOrder, kind: EventKind) -> list[ExecutionEvent]:
    return list(uow.session.scalars(select(ExecutionEvent).where(
        ExecutionEvent.work_order_id == wo.id, ExecutionEvent.kind == kind)
        .order_by(ExecutionEvent.id)))


def wip(uow: UnitOfWork, number: str) -> list[WipLine]:
    """Per operation: queued (arrived, not started), in process (arrived, operation running
    or paused), completed and scrapped (summed from the completion events)."""
    wo = get_work_order(uow, number)
    good: dict[int, Decimal] = defaultdict(lambda: ZERO)
    scrap: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rework: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for e in _events(uow, wo, EventKind.COMPLETE):
        assert e.seq is not None
        good[e.seq] += e.qty
        scrap[e.seq] += e.qty_scrap
        rework[e.seq] += e.qty_rework
    lines = []
    arrived = wo.qty
    for op in wo.operations:
        left = max(arrived - good[op.seq] - scrap[op.seq], ZERO)
        active = wo.status not in (WorkOrderStatus.CANCELLED, WorkOrderStatus.COMPLETED)
        queued = left if active and op.status == OS.PENDING else ZERO
        in_process = left if active and op.status in (OS.RUNNING, OS.PAUSED) else ZERO
        lines.append(WipLine(op.seq, op.segment_id, op.work_center, op.status.value, queued,
                             in_process, good[op.seq], scrap[op.seq], rework[op.seq]))
        arrived = good[op.seq]
    return lines


@dataclass(frozen=True)
class LotQty:
    item: str
    lot: str | None
    qty: Decimal
    serial: str | None = None


@dataclass(frozen=True)
class Genealogy:
    work_order: str
    inputs: list[LotQty]   # component lots consumed
    outputs: list[LotQty]  # product lots (or serials) made


def genealogy(uow: UnitOfWork, number: str) -> Genealogy:
    """Which component lots went into which output lots of this work order."""
    wo = get_work_order(uow, number)
    inputs: dict[tuple[str, str | None], Decimal] = defaultdict(lambda: ZERO)
    for e in _events(uow, wo, EventKind.CONSUME):
        assert e.item is not None
        inputs[(e.item, e.lot)] += e.qty
    outputs: dict[tuple[str | None, str | None], Decimal] = defaultdict(lambda: ZERO)
    last = wo.operations[-1].seq if wo.operations else None
    for e in _events(uow, wo, EventKind.COMPLETE):
        if e.seq == last and e.qty > 0:
            outputs[(e.lot, e.serial)] += e.qty
    return Genealogy(
        wo.number,
        [LotQty(item, lot, qty) for (item, lot), qty in sorted(
            inputs.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))],
        [LotQty(wo.product, lot, qty, serial) for (lot, serial), qty in outputs.items()])


# Convenience aliases matching the wording.
start = start_operation
pause = pause_operation
resume = resume_operation
complete = complete_operation
