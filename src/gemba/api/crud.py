"""Declarative REST resources for code-keyed master data (NetBox style: views are declarations).

``code_resource(...)`` builds list/get/create/patch/delete/history endpoints around the
concept's service functions, so every master-data resource behaves the same way:
pagination (``limit``/``offset``), free-text ``q``, exact filters, optimistic locking, history.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from gemba.api.deps import UowDep
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.listing import Page, PageRequest

T = TypeVar("T")
RESERVED_PARAMS = {"limit", "offset", "q"}


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class AuditEntryOut(Out):
    seq: int
    at: Any
    actor: str
    action: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    reason: str | None


def page_request(request: Request, limit: int, offset: int, q: str | None) -> PageRequest:
    filters = tuple((k, v) for k, v in request.query_params.items() if k not in RESERVED_PARAMS)
    return PageRequest(limit=limit, offset=offset, q=q, filters=filters)


@dataclass
class CodeResource:
    path: str                     # "/items"
    tag: str
    record_type: str              # audit record type (table name)
    out: type[BaseModel]
    create_in: type[BaseModel]
    patch_in: type[BaseModel] | None
    list_fn: Callable[[UnitOfWork, PageRequest], Page[Any]]
    get_fn: Callable[[UnitOfWork, str], Any]
    create_fn: Callable[[UnitOfWork, Any], Any]
    update_fn: Callable[[UnitOfWork, str, Any], Any] | None = None
    delete_fn: Callable[[UnitOfWork, str, int | None], None] | None = None
    filters: Sequence[str] = ()


def code_router(res: CodeResource) -> APIRouter:
    router = APIRouter(prefix=res.path, tags=[res.tag])
    out, create_in, patch_in = res.out, res.create_in, res.patch_in
    filter_doc = f"Exact-match filters: {', '.join(res.filters) or 'none'}."

    @router.get("", response_model=PageOut[out], description=filter_doc)  # type: ignore[valid-type]
    def list_(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
              offset: int = Query(0, ge=0), q: str | None = None) -> Any:
        page = res.list_fn(uow, page_request(request, limit, offset, q))
        return {"items": [out.model_validate(i) for i in page.items], "total": page.total,
                "limit": page.limit, "offset": page.offset}

    @router.post("", response_model=out, status_code=201)
    def create(body: create_in, uow: UowDep) -> Any:  # type: ignore[valid-type]
        record = res.create_fn(uow, body)
        uow.commit()
        return out.model_validate(record)

    @router.get("/{code}", response_model=out)
    def get(code: str, uow: UowDep) -> Any:
        return out.model_validate(res.get_fn(uow, code))

    if patch_in is not None and res.update_fn is not None:
        update_fn = res.update_fn

        @router.patch("/{code}", response_model=out)
        def update(code: str, body: patch_in, uow: UowDep) -> Any:  # type: ignore[valid-type]
            record = update_fn(uow, code, body)
            uow.commit()
            return out.model_validate(record)

    if res.delete_fn is not None:
        delete_fn = res.delete_fn

        @router.delete("/{code}", status_code=204)
        def delete(code: str, uow: UowDep, version: int | None = None) -> Response:
            delete_fn(uow, code, version)
            uow.commit()
            return Response(status_code=204)

    @router.get("/{code}/history", response_model=list[AuditEntryOut])
    def record_history(code: str, uow: UowDep) -> Any:
        uow.actor.require(Permission.AUDIT_READ)
        record = res.get_fn(uow, code)
        return [AuditEntryOut.model_validate(e)
                for e in history(uow.session, res.record_type, str(record.id))]

    return router
