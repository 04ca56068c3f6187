"""REST resources of the MES: work orders (supervisor actions), dispatch lists per work
center, and operator actions on operations. Services check MES_READ / MES_EXECUTE /
MES_SUPERVISE themselves."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request

from gemba.api.crud import Out, PageOut, page_request
from gemba.api.deps import UowDep
from gemba.core.db.uow import UnitOfWork
from gemba.erp.mes_link.reference_data import publish_reference_data
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.erp_link.schedule_consumer import rejections
from gemba.mes.material_lot import lots_by_code
from gemba.mes.personnel import person_by_badge

# --- schemas ------------------------------------------------------------------------------


class OperationOut(Out):
    seq: int
    segment_id: str
    description: str | None
    work_center: str | None
    setup_minutes: Decimal
    run_minutes_per_unit: Decimal
    status: wo_.OperationStatus
    qty_good: Decimal
    qty_scrap: Decimal
    qty_rework: Decimal
    started_at: datetime | None
    ended_at: datetime | None
    operator: str | None
    output_lot: str | None
    output_serial: str | None
    skills: list[str] = []
    instructions: str | None = None


class QualificationOut(Out):
    skill: str
    valid_until: date | None


class PersonOut(Out):
    person_id: str
    name: str
    badge_id: str | None
    active: bool
    qualifications: list[QualificationOut]


class MaterialLotOut(Out):
    item: str
    lot: str
    uom: str
    available: Decimal
    blocked: bool
    status_reason: str | None
    expiry_date: date | None


class SyncOut(Out):
    persons: int
    lots: int


class MaterialOut(Out):
    line_no: int
    segment_id: str | None
    item: str
    qty: Decimal
    uom: str


class WipOut(Out):
    seq: int
    segment_id: str
    work_center: str | None
    status: str
    queued: Decimal
    in_process: Decimal
    completed: Decimal
    scrapped: Decimal
    rework: Decimal


class WorkOrderOut(Out):
    number: str
    request_id: str
    parent_number: str | None
    revision: int
    product: str
    qty: Decimal
    uom: str
    start_at: datetime | None
    due: datetime
    priority: int
    status: wo_.WorkOrderStatus
    note: str
    qty_good: Decimal
    qty_scrap: Decimal
    version: int


class WorkOrderDetailOut(WorkOrderOut):
    operations: list[OperationOut]
    materials: list[MaterialOut]
    wip: list[WipOut]


class DispatchOut(Out):
    number: str
    product: str
    qty: Decimal
    priority: int
    due: datetime
    status: wo_.WorkOrderStatus
    operation: OperationOut


class LotOut(Out):
    item: str
    lot: str | None
    serial: str | None
    qty: Decimal


class GenealogyOut(Out):
    work_order: str
    inputs: list[LotOut]
    outputs: list[LotOut]


class RejectionOut(Out):
    message_id: str
    topic: str
    error: str
    received_at: datetime


# --- work orders --------------------------------------------------------------------------

router = APIRouter(prefix="/mes", tags=["mes"])


def _detail(uow: UnitOfWork, number: str) -> Any:
    wo = wo_.get_work_order(uow, number)
    out = WorkOrderOut.model_validate(wo).model_dump()
    return WorkOrderDetailOut(
        **out, operations=[OperationOut.model_validate(o) for o in wo.operations],
        materials=[MaterialOut.model_validate(m) for m in wo.materials],
        wip=[WipOut.model_validate(w) for w in ex.wip(uow, number)])


def _done(uow: UnitOfWork, number: str) -> Any:
    uow.commit()
    return _detail(uow, number)


@router.get("/work-orders", response_model=PageOut[WorkOrderOut],
            description="Exact-match filters: status, product, request_id.")
def list_work_orders(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                     offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = wo_.list_work_orders(uow, page_request(request, limit, offset, q))
    return {"items": [WorkOrderOut.model_validate(i) for i in page.items],
            "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/work-orders/{number}", response_model=WorkOrderDetailOut)
def get_work_order(number: str, uow: UowDep) -> Any:
    """The work order with its operations, materials and WIP per operation."""
    return _detail(uow, number)


@router.get("/work-orders/{number}/genealogy", response_model=GenealogyOut)
def get_genealogy(number: str, uow: UowDep) -> Any:
    return GenealogyOut.model_validate(ex.genealogy(uow, number))


@router.post("/work-orders/{number}/release", response_model=WorkOrderDetailOut)
def release(number: str, uow: UowDep) -> Any:
    wo_.release_work_order(uow, number)
    return _done(uow, number)


@router.post("/work-orders/{number}/hold", response_model=WorkOrderDetailOut)
def hold(number: str, body: wo_.HoldIn, uow: UowDep) -> Any:
    wo_.hold_work_order(uow, number, body.reason)
    return _done(uow, number)


@router.post("/work-orders/{number}/unhold", response_model=WorkOrderDetailOut)
def unhold(number: str, uow: UowDep) -> Any:
    wo_.unhold_work_order(uow, number)
    return _done(uow, number)


@router.post("/work-orders/{number}/cancel", response_model=WorkOrderDetailOut)
def cancel(number: str, uow: UowDep) -> Any:
    wo_.cancel_work_order(uow, number)
    return _done(uow, number)


@router.post("/work-orders/{number}/split", response_model=WorkOrderDetailOut,
             status_code=201)
def split(number: str, body: wo_.SplitIn, uow: UowDep) -> Any:
    """Returns the new child work order."""
    child = wo_.split_work_order(uow, number, body.qty)
    return _done(uow, child.number)


@router.post("/work-orders/{number}/priority", response_model=WorkOrderDetailOut)
def priority(number: str, body: wo_.PriorityIn, uow: UowDep) -> Any:
    wo_.set_priority(uow, number, body.priority)
    return _done(uow, number)


@router.get("/dispatch/{work_center}", response_model=list[DispatchOut])
def dispatch(work_center: str, uow: UowDep) -> Any:
    """What to run next at this work center, most urgent first."""
    return [DispatchOut(number=e.work_order.number, product=e.work_order.product,
                        qty=e.work_order.qty, priority=e.work_order.priority,
                        due=e.work_order.due, status=e.work_order.status,
                        operation=OperationOut.model_validate(e.operation))
            for e in wo_.dispatch_list(uow, work_center)]


@router.get("/rejections", response_model=list[RejectionOut])
def list_rejections(uow: UowDep, limit: int = Query(50, ge=1, le=500)) -> Any:
    """ERP messages the MES refused (dead letters)."""
    return [RejectionOut.model_validate(r) for r in rejections(uow, limit)]


@router.get("/persons/by-badge/{badge}", response_model=PersonOut)
def badge(badge: str, uow: UowDep) -> Any:
    """Who a scanned badge belongs to (operator terminal login)."""
    return PersonOut.model_validate(person_by_badge(uow, badge))


@router.get("/lots", response_model=list[MaterialLotOut])
def lots(uow: UowDep, code: str = Query(min_length=1, max_length=100)) -> Any:
    """The lots with this code as the MES knows them (what a scanned label resolves to)."""
    return [MaterialLotOut.model_validate(lot) for lot in lots_by_code(uow, code)]


@router.post("/reference-data/sync", response_model=SyncOut)
def sync_reference_data(uow: UowDep) -> Any:
    """The ERP sends every person and every stocked lot to the MES (first connection)."""
    persons, lots = publish_reference_data(uow)
    uow.commit()
    return SyncOut(persons=persons, lots=lots)


# --- operations ---------------------------------------------------------------------------

OPS = "/work-orders/{number}/operations/{seq}"


@router.post(f"{OPS}/start", response_model=WorkOrderDetailOut)
def start(number: str, seq: int, body: ex.StartIn, uow: UowDep) -> Any:
    ex.start_operation(uow, number, seq, body.operator)
    return _done(uow, number)


@router.post(f"{OPS}/pause", response_model=WorkOrderDetailOut)
def pause(number: str, seq: int, body: ex.PauseIn, uow: UowDep) -> Any:
    ex.pause_operation(uow, number, seq, body.reason, body.operator)
    return _done(uow, number)


@router.post(f"{OPS}/resume", response_model=WorkOrderDetailOut)
def resume(number: str, seq: int, uow: UowDep, body: ex.ResumeIn | None = None) -> Any:
    ex.resume_operation(uow, number, seq, body.operator if body else None)
    return _done(uow, number)


@router.post(f"{OPS}/complete", response_model=WorkOrderDetailOut)
def complete(number: str, seq: int, body: ex.CompleteIn, uow: UowDep) -> Any:
    ex.complete_operation(uow, number, seq, body.good, body.scrap, body.scrap_reason,
                          body.rework, body.operator, body.minutes, body.backflush)
    return _done(uow, number)


@router.post(f"{OPS}/clock-on", response_model=WorkOrderDetailOut)
def clock_on(number: str, seq: int, body: ex.ClockIn, uow: UowDep) -> Any:
    """Another qualified person joins the running operation."""
    ex.clock_on(uow, number, seq, body.person)
    return _done(uow, number)


@router.post(f"{OPS}/clock-off", response_model=WorkOrderDetailOut)
def clock_off(number: str, seq: int, body: ex.ClockIn, uow: UowDep) -> Any:
    ex.clock_off(uow, number, seq, body.person)
    return _done(uow, number)


@router.post(f"{OPS}/consume", response_model=WorkOrderDetailOut)
def consume(number: str, seq: int, body: ex.ConsumeIn, uow: UowDep) -> Any:
    ex.consume(uow, number, seq, body.item, body.lot, body.qty, body.operator)
    return _done(uow, number)


@router.post(f"{OPS}/produce", response_model=WorkOrderDetailOut)
def produce(number: str, seq: int, body: ex.ProduceIn, uow: UowDep) -> Any:
    """Name the output lot (or serial) of the last operation."""
    ex.produce(uow, number, seq, body.lot, body.serial, body.operator)
    return _done(uow, number)
