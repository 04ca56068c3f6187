"""The MES's B2MML door: any ERP (SAP, Odoo, Gemba's own through files) sends production
schedules as XML (V0701 or V0600) and reads back what the floor did as performance XML.

Every document in or out is checked against MESA's official schema. A refused document is a
problem+json naming its element (``OperationsRequest[1]/.../MaterialDefinitionID``) or its
request, and writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response

from gemba.adapters.b2mml import B2mmlError, from_xml, to_xml
from gemba.api.crud import Out
from gemba.api.deps import UowDep
from gemba.contracts.isa95 import ProductionSchedule
from gemba.core.db.uow import UnitOfWork
from gemba.erp.mes_link.resolver import ErpResolver
from gemba.mes.erp_link.b2mml_inbox import ReceivedRequest, receive_schedule
from gemba.mes.erp_link.performance_document import performance_document
from gemba.mes.work_order import WorkOrderStatus

XML = "application/xml"
Version = Literal["V0701", "V0600"]


class ReceivedOut(Out):
    request_id: str
    revision: int
    outcome: str
    work_order: str
    status: WorkOrderStatus
    work_order_revision: int


router = APIRouter(prefix="/mes", tags=["mes", "b2mml"])


@router.post("/b2mml/schedule", response_model=list[ReceivedOut])
def post_schedule(
        uow: UowDep,
        document: Annotated[bytes, Body(media_type=XML,
                                        description="ProductionSchedule (V0600) or "
                                                    "OperationsSchedule (V0701)")]) -> Any:
    """Create or update one work order per request (revisions: an older or equal one is
    ignored); all or nothing."""
    received = receive_schedule_xml(uow, document)
    uow.commit()
    return [ReceivedOut.model_validate(r) for r in received]


@router.get("/work-orders/{request_id}/b2mml", response_class=Response,
            responses={200: {"content": {XML: {}}}})
def work_order_b2mml(request_id: str, uow: UowDep, version: Version = "V0701",
                     after: int = Query(0, ge=0, description="Only sequences above this")
                     ) -> Response:
    """Every report the MES sent on the request as one performance document, validated
    against MESA's schema before it is sent. 404 while nothing was reported."""
    return Response(performance_xml(uow, request_id, version, after), media_type=XML)


# --- documents in and out (the CLI does the same without FastAPI) -----------------------

def receive_schedule_xml(uow: UnitOfWork, document: bytes) -> list[ReceivedRequest]:
    # Items and units are checked against Gemba's catalog (master data the ERP owns, ADR
    # 0003): the MES keeps no item mirror of its own yet.
    message = from_xml(document, ErpResolver(uow))
    if not isinstance(message, ProductionSchedule):
        raise B2mmlError("this is a performance document; the MES imports schedules (the "
                         "ERP takes performance at POST /api/v1/b2mml/performance)")
    return receive_schedule(uow, message)


def performance_xml(uow: UnitOfWork, request_id: str, version: str = "V0701",
                    after: int = 0) -> bytes:
    if version not in ("V0701", "V0600"):
        raise B2mmlError(f"version {version!r} is not V0701 or V0600", "version")
    # to_xml validates what it wrote against the XSD: an invalid export is an error, not a file
    return to_xml(performance_document(uow, request_id, after), version)  # type: ignore[arg-type]
