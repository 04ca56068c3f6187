"""REST resources of production orders and the B2MML door to any MES: the schedule of an
order as B2MML XML, and ProductionPerformance XML (V0600 or V0701) applied to the ERP."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response

from gemba.adapters.b2mml import B2mmlError, from_xml, to_xml
from gemba.api.crud import Out, PageOut, page_request
from gemba.api.deps import UowDep
from gemba.contracts.isa95 import ProductionPerformance
from gemba.core.db.uow import UnitOfWork
from gemba.erp.mes_link.performance import apply_performance
from gemba.erp.mes_link.resolver import ErpResolver
from gemba.erp.mes_link.schedule import build_schedule, routing_details
from gemba.erp.production import cost_sheet as cs
from gemba.erp.production import production_order as po

XML = "application/xml"
Version = Literal["V0701", "V0600"]

# --- schemas ------------------------------------------------------------------------------


class OperationOut(Out):
    seq: int
    name: str
    work_center_code: str
    setup_min: Decimal
    run_min_per_unit: Decimal


class ComponentOut(Out):
    line_no: int
    item_code: str
    item_name: str
    uom_code: str
    qty_per: Decimal
    qty_required: Decimal


class ProductionOrderOut(Out):
    id: int
    number: str
    item_code: str
    item_name: str
    uom_code: str
    qty: Decimal
    due_date: date
    start_date: date | None
    priority: int
    status: po.OrderStatus
    revision: int
    bom_number: str | None
    routing_number: str | None
    qty_good: Decimal
    qty_scrap: Decimal
    progress_pct: Decimal
    labour_minutes: Decimal
    labour_cost: Decimal
    machine_minutes: Decimal
    machine_cost: Decimal
    warning_list: list[str]
    operations: list[OperationOut]
    components: list[ComponentOut]
    version: int
    updated_at: datetime


class MaterialLineOut(Out):
    item_code: str
    item_name: str
    uom_code: str
    planned_qty: Decimal
    planned_cost: Decimal
    actual_qty: Decimal
    actual_cost: Decimal


class CostSheetOut(Out):
    number: str
    status: str
    item_code: str
    qty: Decimal
    qty_good: Decimal
    qty_scrap: Decimal
    materials: list[MaterialLineOut]
    planned_material: Decimal
    planned_minutes: Decimal
    planned_labour: Decimal
    planned_machine: Decimal
    planned_total: Decimal
    planned_output: Decimal
    actual_material: Decimal
    actual_labour_minutes: Decimal
    actual_labour: Decimal
    actual_machine_minutes: Decimal
    actual_machine: Decimal
    actual_total: Decimal
    actual_output: Decimal
    wip: Decimal
    variance: Decimal


class AppliedOut(Out):
    order: str
    sequence: int
    applied: bool


# --- production orders --------------------------------------------------------------------

router = APIRouter()
orders = APIRouter(prefix="/production-orders", tags=["production"])


def _out(uow: UowDep, record: po.ProductionOrder) -> Any:
    uow.commit()
    return ProductionOrderOut.model_validate(record)


@orders.get("", response_model=PageOut[ProductionOrderOut],
            description="Exact-match filters: status, item.")
def list_orders(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    page = po.list_production_orders(uow, page_request(request, limit, offset, q))
    return {"items": [ProductionOrderOut.model_validate(i) for i in page.items],
            "total": page.total, "limit": page.limit, "offset": page.offset}


@orders.post("", response_model=ProductionOrderOut, status_code=201)
def create_order(body: po.ProductionOrderIn, uow: UowDep) -> Any:
    """A planned order; operations and components are taken from the routing and BOM
    effective on its start date."""
    return _out(uow, po.create_production_order(uow, body))


@orders.get("/{number}", response_model=ProductionOrderOut)
def get_order(number: str, uow: UowDep) -> Any:
    return ProductionOrderOut.model_validate(po.get_production_order(uow, number))


@orders.patch("/{number}", response_model=ProductionOrderOut)
def update_order(number: str, body: po.ProductionOrderPatch, uow: UowDep) -> Any:
    """Planned or released orders; a released one goes to the MES as a new revision."""
    return _out(uow, po.update_production_order(uow, number, body))


@orders.post("/{number}/release", response_model=ProductionOrderOut)
def release_order(number: str, uow: UowDep, body: po.VersionIn | None = None) -> Any:
    """Send the order to the MES (ISA-95 ProductionSchedule through the outbox)."""
    return _out(uow, po.release_production_order(uow, number, body.version if body else None))


@orders.post("/{number}/cancel", response_model=ProductionOrderOut)
def cancel_order(number: str, uow: UowDep, body: po.VersionIn | None = None) -> Any:
    return _out(uow, po.cancel_production_order(uow, number, body.version if body else None))


@orders.post("/{number}/close", response_model=ProductionOrderOut)
def close_order(number: str, uow: UowDep, body: po.VersionIn | None = None) -> Any:
    """Completed orders: the WIP left is booked to production variances."""
    return _out(uow, po.close_production_order(uow, number, body.version if body else None))


@orders.get("/{number}/cost-sheet", response_model=CostSheetOut)
def get_cost_sheet(number: str, uow: UowDep) -> Any:
    return CostSheetOut.model_validate(cs.cost_sheet(uow, number))


@orders.get("/{number}/b2mml", response_class=Response,
            responses={200: {"content": {XML: {}}}})
def order_b2mml(number: str, uow: UowDep, version: Version = "V0701") -> Response:
    """The order's ProductionSchedule as B2MML XML, validated against MESA's schema."""
    return Response(schedule_xml(uow, number, version), media_type=XML)


router.include_router(orders)

# --- B2MML from a foreign MES -------------------------------------------------------------

b2mml = APIRouter(prefix="/b2mml", tags=["b2mml"])


@b2mml.post("/performance", response_model=list[AppliedOut])
def post_performance(
        uow: UowDep,
        document: Annotated[bytes, Body(media_type=XML,
                                        description="ProductionPerformance (V0600) or "
                                                    "OperationsPerformance (V0701)")]) -> Any:
    """Apply a B2MML performance document: all or nothing; a bad document is a 422 naming
    its element. Reports already applied (same order and sequence) are skipped."""
    outcomes = apply_performance_xml(uow, document)
    uow.commit()
    return [AppliedOut.model_validate(o) for o in outcomes]


router.include_router(b2mml)


# --- shared with the CLI ------------------------------------------------------------------

def schedule_xml(uow: UnitOfWork, number: str, version: str = "V0701") -> bytes:
    if version not in ("V0701", "V0600"):
        raise B2mmlError(f"version {version!r} is not V0701 or V0600", "version")
    order = po.get_production_order(uow, number)
    schedule = build_schedule(order, routing_details(uow, order))
    return to_xml(schedule, version)  # type: ignore[arg-type]


def apply_performance_xml(uow: UnitOfWork, document: bytes) -> list[Any]:
    message = from_xml(document, ErpResolver(uow))
    if not isinstance(message, ProductionPerformance):
        raise B2mmlError("this is a schedule; the ERP imports performance documents only")
    return apply_performance(uow, message)
