"""The MES's door for production schedules that arrive as documents (a B2MML file or an HTTP
body) instead of over the bus: an external ERP (SAP, Odoo) or Gemba's own ERP driving the
MES through XML.

The same rules as the bus consumer (``schedule_consumer.apply_schedule``: revisions, splits,
cancellation), but a person or a partner system is waiting for the answer, so a refusal is
raised naming the request instead of being parked in ``mes_rejections``. All or nothing: a
savepoint undoes the requests applied before the refused one, whatever the caller does next.
The document itself is parsed by the front door (``gemba.adapters.b2mml``); this module only
sees the ISA-95 contract.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from sqlalchemy import select

from gemba.contracts.isa95 import ProductionSchedule
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import FieldIssue, GembaError
from gemba.mes.erp_link.schedule_consumer import apply_schedule
from gemba.mes.work_order import WorkOrder, WorkOrderStatus

_REQUEST_FIELD = re.compile(r"^requests\[(\d+)\]")


@dataclass(frozen=True)
class ReceivedRequest:
    """What one request of the document did to its work order."""

    request_id: str
    revision: int  # the document's
    outcome: str  # created | updated | cancelled | held | ignored
    known_revision: int | None  # the work order's revision before; None: it is new
    work_order: str
    status: WorkOrderStatus
    work_order_revision: int

    @property
    def stale(self) -> bool:
        """The MES already held this revision or a newer one: the request changed nothing."""
        return self.known_revision is not None and self.revision <= self.known_revision


def receive_schedule(uow: UnitOfWork, schedule: ProductionSchedule) -> list[ReceivedRequest]:
    """Apply every request of ``schedule`` to the MES's work orders, or none of them.
    A refusal is the service's own error (422, 409, ...) with its message prefixed by the
    request it concerns."""
    uow.actor.require(Permission.MES_SUPERVISE)
    known = _revisions(uow, [r.id for r in schedule.requests])
    try:
        with uow.session.begin_nested():
            outcomes = apply_schedule(uow, schedule)
    except GembaError as exc:
        raise _naming_request(exc, schedule) from exc
    orders = {wo.number: wo for wo in uow.session.scalars(select(WorkOrder).where(
        WorkOrder.number.in_([r.id for r in schedule.requests])))}
    return [ReceivedRequest(request_id=req.id, revision=req.revision, outcome=outcome,
                            known_revision=known.get(req.id), work_order=req.id,
                            status=orders[req.id].status,
                            work_order_revision=orders[req.id].revision)
            for req, outcome in zip(schedule.requests, outcomes, strict=True)]


def _revisions(uow: UnitOfWork, numbers: list[str]) -> dict[str, int]:
    rows = uow.session.execute(select(WorkOrder.number, WorkOrder.revision).where(
        WorkOrder.number.in_(numbers), WorkOrder.parent_number.is_(None)))
    return {number: revision for number, revision in rows}


def _naming_request(exc: GembaError, schedule: ProductionSchedule) -> GembaError:
    """The same error, its message saying which request (``requests[1]`` is not something a
    person finds in an XML file; the request id is)."""
    found = _REQUEST_FIELD.match(exc.issues[0].field) if exc.issues else None
    if found is None or int(found.group(1)) >= len(schedule.requests):
        where = f"schedule {schedule.id}"
    else:
        req = schedule.requests[int(found.group(1))]
        where = f"request {req.id} (revision {req.revision})"
    error = copy.copy(exc)  # same class, so the same HTTP status and CLI handling
    error.message = f"{where}: {exc.message}"
    error.args = (error.message,)
    error.issues = [FieldIssue(i.field, i.rule, f"{where}: {i.message}") for i in exc.issues]
    return error
