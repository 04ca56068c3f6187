"""ERP production order -> ISA-95 ProductionSchedule (the MES's work to do).

One request per order: id = order number, ``revision`` = the order's revision, the product
and quantity, due = the end of the due date (UTC), one segment per routing operation (work
center, minutes, work instructions and the qualification it requires, read from the routing
the order was made from) and the components to consume. The product itself travels as the
request's product and quantity (B2MML writes it as the produced material), so it is not
repeated among the materials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from gemba.contracts.isa95 import (
    PRODUCTION_SCHEDULE,
    MaterialRequirement,
    MessageHeader,
    PersonnelRequirement,
    ProductionRequest,
    ProductionSchedule,
    SegmentRequirement,
    to_payload,
)
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.routing import Routing, RoutingOperation
from gemba.erp.production.production_order import OrderStatus, ProductionOrder

SENDER = "gemba-erp"


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@dataclass(frozen=True)
class OperationDetail:
    instructions: str | None = None
    skill: str | None = None


def routing_details(uow: UnitOfWork, order: ProductionOrder) -> dict[int, OperationDetail]:
    """Work instructions and required skill per operation seq, from the order's routing."""
    if order.routing_number is None:
        return {}
    rows = uow.session.execute(
        select(RoutingOperation.seq, RoutingOperation.instructions, RoutingOperation.skill_code)
        .join(Routing, Routing.id == RoutingOperation.routing_id)
        .where(Routing.number == order.routing_number))
    return {seq: OperationDetail((text or "").strip() or None, skill)
            for seq, text, skill in rows}


def build_request(order: ProductionOrder,
                  details: Mapping[int, OperationDetail] | None = None) -> ProductionRequest:
    details = details or {}
    segments = tuple(
        SegmentRequirement(
            segment_id=str(op.seq), description=op.name, equipment_id=op.work_center_code,
            setup_minutes=op.setup_min, run_minutes_per_unit=op.run_min_per_unit,
            instructions=details.get(op.seq, OperationDetail()).instructions,
            personnel=tuple(PersonnelRequirement(personnel_class_id=skill) for skill in
                            [details.get(op.seq, OperationDetail()).skill] if skill))
        for op in order.operations)
    materials = tuple(
        MaterialRequirement(material_definition_id=c.item_code, quantity=c.qty_required,
                            uom=c.uom_code, use="Consumed")
        for c in order.components if c.qty_required > 0)
    start = (datetime.combine(order.start_date, time(0, 0), tzinfo=UTC)
             if order.start_date is not None else None)
    return ProductionRequest(
        id=order.number, revision=order.revision, product=order.item_code,
        quantity=order.qty, uom=order.uom_code, start_time=start,
        end_time=_end_of(order.due_date), priority=order.priority,
        state="cancelled" if order.status == OrderStatus.CANCELLED else "active",
        segments=segments, materials=materials)


def build_schedule(order: ProductionOrder,
                   details: Mapping[int, OperationDetail] | None = None) -> ProductionSchedule:
    """The schedule message carrying this order at its current revision."""
    return ProductionSchedule(
        header=MessageHeader.new(ProductionSchedule.MESSAGE_TYPE, SENDER),
        id=f"{order.number}-R{order.revision}", requests=(build_request(order, details),))


def publish_schedule(uow: UnitOfWork, order: ProductionOrder) -> ProductionSchedule:
    """Put the order's schedule in the outbox, in the caller's transaction."""
    message = build_schedule(order, routing_details(uow, order))
    uow.publish(PRODUCTION_SCHEDULE, to_payload(message))
    return message
