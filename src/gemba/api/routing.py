"""REST resources: routings (keyed by number, RTG-000042), their operations' work-instruction
attachments (multipart upload, download), times for a quantity, and an item's routing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from gemba.api.bom import HistoryEntryOut
from gemba.api.crud import Out, PageOut, page_request
from gemba.api.deps import UowDep
from gemba.core.errors import ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog import routing as svc


class AlternativeOut(Out):
    work_center_code: str
    run_min_per_unit: Decimal | None


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime


class OperationOut(Out):
    seq: int
    name: str
    work_center_code: str
    setup_min: Decimal
    run_min_per_unit: Decimal
    instructions: str
    skill_code: str | None = None
    alternatives: list[AlternativeOut]
    attachments: list[AttachmentOut]


class RoutingOut(Out):
    id: int
    number: str
    item_code: str
    revision: str
    effective_from: date | None
    effective_to: date | None
    operations: list[OperationOut]
    version: int
    updated_at: datetime


class OperationTimeOut(Out):
    seq: int
    name: str
    work_center_code: str
    setup_min: Decimal
    run_min: Decimal
    total_min: Decimal


class RoutingTimeOut(Out):
    routing_number: str
    item_code: str
    qty: Decimal
    operations: list[OperationTimeOut]
    total_min: Decimal


router = APIRouter(tags=["routings"])
QtyParam = Query(gt=0, max_digits=18, decimal_places=6)


def _out(routing: svc.Routing) -> RoutingOut:
    return RoutingOut.model_validate(routing)


@router.get("/routings", response_model=PageOut[RoutingOut],
            description="Exact-match filters: item, revision.")
def list_routings(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = svc.list_routings(uow, page_request(request, limit, offset, q))
    return {"items": [_out(x) for x in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


@router.post("/routings", response_model=RoutingOut, status_code=201)
def create_routing(body: svc.RoutingIn, uow: UowDep) -> Any:
    routing = svc.create_routing(uow, body)
    uow.commit()
    return _out(routing)


@router.get("/routings/{number}", response_model=RoutingOut)
def get_routing(number: str, uow: UowDep) -> Any:
    return _out(svc.get_routing(uow, number))


@router.patch("/routings/{number}", response_model=RoutingOut)
def update_routing(number: str, body: svc.RoutingPatch, uow: UowDep) -> Any:
    routing = svc.update_routing(uow, number, body)
    uow.commit()
    return _out(routing)


@router.put("/routings/{number}/operations", response_model=RoutingOut,
            description="Replace all operations; an operation keeps its identity and "
                        "attachments through its seq.")
def replace_operations(number: str, body: svc.OperationsIn, uow: UowDep) -> Any:
    routing = svc.replace_operations(uow, number, body)
    uow.commit()
    return _out(routing)


@router.delete("/routings/{number}", status_code=204)
def delete_routing(number: str, uow: UowDep, version: int | None = None) -> Response:
    svc.delete_routing(uow, number, version)
    uow.commit()
    return Response(status_code=204)


@router.get("/routings/{number}/history", response_model=list[HistoryEntryOut],
            description="Changes of the routing, its operations, alternatives and attachments.")
def routing_history(number: str, uow: UowDep) -> Any:
    return [HistoryEntryOut.model_validate(e) for e in svc.routing_history(uow, number)]


@router.get("/routings/{number}/time", response_model=RoutingTimeOut)
def routing_time(number: str, uow: UowDep, qty: Decimal = QtyParam,
                 use: list[str] = Query(default=[], description="seq:WORK_CENTER, to plan an "
                                        "operation on one of its alternatives")) -> Any:
    """Minutes for ``qty``: setup + run_min_per_unit x qty, per operation and in total."""
    choice: dict[int, str] = {}
    for item in use:
        seq, _, code = item.partition(":")
        if not seq.strip().isdigit() or not code.strip():
            raise ValidationFailed.on("use", "format", f"{item!r} is not seq:WORK_CENTER")
        choice[int(seq)] = code.strip()
    routing = svc.get_routing(uow, number)
    return RoutingTimeOut.model_validate(svc.routing_time(routing, qty, choice))


@router.get("/items/{code}/routing", response_model=RoutingOut,
            description="The routing effective on the date (default: today, UTC).")
def item_routing(code: str, uow: UowDep, on: date | None = None) -> Any:
    return _out(svc.effective_routing(uow, code, on or utcnow().date()))


@router.post("/routings/{number}/operations/{seq}/attachments", response_model=AttachmentOut,
             status_code=201, description="Multipart upload of one file (at most 10 MB).")
def add_attachment(number: str, seq: int, uow: UowDep, file: UploadFile = File(...),
                   version: int | None = None) -> Any:
    content = file.file.read(svc.MAX_ATTACHMENT_BYTES + 1)  # one byte more proves too large
    attachment = svc.add_attachment(uow, number, seq, file.filename or "", file.content_type,
                                    content, version)
    uow.commit()
    return AttachmentOut.model_validate(attachment)


@router.get("/routings/{number}/operations/{seq}/attachments/{attachment_id}",
            response_class=Response, responses={200: {"content": {"*/*": {}}}})
def download_attachment(number: str, seq: int, attachment_id: int, uow: UowDep) -> Response:
    att = svc.get_attachment(uow, number, seq, attachment_id)
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in att.filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(att.filename)}"
    return Response(att.content, media_type=att.content_type,
                    headers={"Content-Disposition": disposition,
                             "X-Content-Type-Options": "nosniff"})


@router.delete("/routings/{number}/operations/{seq}/attachments/{attachment_id}",
               response_model=RoutingOut)
def remove_attachment(number: str, seq: int, attachment_id: int, uow: UowDep,
                      version: int | None = None) -> Any:
    routing = svc.remove_attachment(uow, number, seq, attachment_id, version)
    uow.commit()
    return _out(routing)
