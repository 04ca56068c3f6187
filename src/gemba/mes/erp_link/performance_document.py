"""Everything the MES reported on one request, as ONE ProductionPerformance: what a B2MML
file carries to an ERP that does not listen to the bus (or to Gemba's own ERP driven through
files).

Read back from the MES's own outbox, not rebuilt from the execution events: the outbox holds
exactly the messages the MES sent, with their sequence numbers, so a response reaches the ERP
under the same (request, sequence) whichever way it travels and the ERP applies it once even
when both the bus and a file deliver it. Status messages share that numbering (a light
``ProductionResponse`` state, see ``contracts.isa95.status``) and are carried as responses
without segments, so the file holds every sequence the bus would have delivered.

The document is reproducible: the same reports give the same message id (``BODID``) and
times, so importing a re-exported file twice is recognised as one message.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, select

from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_STATUS,
    MessageHeader,
    ProductionPerformance,
    ProductionResponse,
    ProductionStatus,
    from_payload,
)
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound
from gemba.core.events.models import OutboxMessage
from gemba.mes.erp_link.reports import SENDER
from gemba.mes.work_order import WorkOrder

_NAMESPACE = uuid.UUID("0c6f5a0e-3a52-5b7e-9d0f-6d45a0b2e7c1")


def performance_document(uow: UnitOfWork, request_id: str, after: int = 0
                         ) -> ProductionPerformance:
    """The responses reported on ``request_id`` (its work order and every split of it) with
    a sequence above ``after``, in sequence order. NotFound when there is none yet."""
    uow.actor.require(Permission.MES_READ)
    revision = uow.session.scalar(select(WorkOrder.revision).where(
        WorkOrder.number == request_id, WorkOrder.parent_number.is_(None)))
    if revision is None:
        raise NotFound(f"work order {request_id!r} does not exist")
    reported = [(at, r) for at, r in _reported(uow, request_id, revision) if r.sequence > after]
    if not reported:
        raise NotFound(f"{request_id} has reported nothing to the ERP"
                       + (f" after sequence {after}" if after else " yet"))
    first, last = reported[0][1].sequence, reported[-1][1].sequence
    header = MessageHeader(
        message_id=str(uuid.uuid5(_NAMESPACE, f"{request_id}\n{first}\n{last}")),
        message_type=ProductionPerformance.MESSAGE_TYPE, sender=SENDER,
        sent_at=max(at for at, _ in reported))
    return ProductionPerformance(header=header, id=f"{request_id}-P{first}-{last}",
                                 responses=tuple(r for _, r in reported))


def _query(request_id: str) -> Select[tuple[str, dict[str, Any]]]:
    stmt = (select(OutboxMessage.topic, OutboxMessage.payload)
            .where(OutboxMessage.topic.in_((PRODUCTION_PERFORMANCE, PRODUCTION_STATUS)))
            .order_by(OutboxMessage.id).execution_options(yield_per=500))
    if request_id.isascii() and json.dumps(request_id)[1:-1] == request_id:
        # Narrow in the database when the id is written verbatim in the JSON text; the
        # exact match on the parsed message decides.
        stmt = stmt.where(cast(OutboxMessage.payload, Text).contains(request_id,
                                                                     autoescape=True))
    return stmt


def _reported(uow: UnitOfWork, request_id: str, revision: int
              ) -> list[tuple[datetime, ProductionResponse]]:
    """(sent at, response) of every message the MES sent on the request. A status takes the
    request revision of the performance reported just before it (the one after it for
    statuses sent before any, else the work order's)."""
    found: list[tuple[datetime, ProductionResponse | ProductionStatus]] = []
    for topic, payload in uow.session.execute(_query(request_id)):
        if topic == PRODUCTION_STATUS:
            status = from_payload(ProductionStatus, payload)
            if status.request_id == request_id and status.header.sender == SENDER:
                found.append((status.header.sent_at, status))
            continue
        message = from_payload(ProductionPerformance, payload)
        if message.header.sender == SENDER:
            found.extend((message.header.sent_at, r) for r in message.responses
                         if r.request_id == request_id)
    found.sort(key=lambda pair: pair[1].sequence)
    out: list[tuple[datetime, ProductionResponse]] = []
    revisions = [r.request_revision for _, r in found if isinstance(r, ProductionResponse)]
    current = revisions[0] if revisions else revision
    for at, report in found:
        if isinstance(report, ProductionResponse):
            current = report.request_revision
            out.append((at, report))
        else:
            out.append((at, ProductionResponse(
                id=f"{request_id}-S{report.sequence}", request_id=request_id,
                request_revision=current, sequence=report.sequence, state=report.state)))
    return out
