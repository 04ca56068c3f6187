"""MES increments -> ISA-95 ProductionPerformance / ProductionStatus in the outbox.

The MES reports INCREMENTS: each performance message carries what one shop-floor action
added (one completion or one consumption), under a per-request ``sequence`` so the ERP
applies it once, whatever the order of arrival. Status messages share that numbering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_STATUS,
    EquipmentActual,
    MaterialActual,
    MessageHeader,
    PersonnelActual,
    ProductionPerformance,
    ProductionResponse,
    ProductionStatus,
    SegmentResponse,
    to_payload,
)
from gemba.core.db.uow import UnitOfWork

SENDER = "gemba-mes"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Material:
    item: str
    qty: Decimal
    uom: str
    use: str  # Consumed | Produced | Scrapped
    lot: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class Increment:
    """What one action on one operation added."""

    segment_id: str
    start: datetime
    end: datetime
    good: Decimal = ZERO
    scrap: Decimal = ZERO
    rework: Decimal = ZERO
    scrap_reason: str | None = None
    materials: list[Material] = field(default_factory=list)
    operator: str | None = None
    work_center: str | None = None
    minutes: Decimal = ZERO  # machine time on the work center
    labour: dict[str, Decimal] = field(default_factory=dict)  # person -> minutes worked


def _personnel(inc: Increment) -> tuple[PersonnelActual, ...]:
    if inc.labour:
        return tuple(PersonnelActual(person_id=p, minutes=m)
                     for p, m in sorted(inc.labour.items()))
    return (PersonnelActual(person_id=inc.operator, minutes=inc.minutes),) \
        if inc.operator else ()


def _segment(inc: Increment) -> SegmentResponse:
    return SegmentResponse(
        segment_id=inc.segment_id, start_time=inc.start, end_time=max(inc.start, inc.end),
        quantity_good=inc.good, quantity_scrap=inc.scrap, quantity_rework=inc.rework,
        scrap_reason=inc.scrap_reason,
        materials=tuple(MaterialActual(material_definition_id=m.item, quantity=m.qty, uom=m.uom,
                                       use=m.use, lot_id=m.lot, serial_id=m.serial)  # type: ignore[arg-type]
                        for m in inc.materials),
        equipment=(EquipmentActual(equipment_id=inc.work_center, minutes=inc.minutes),)
        if inc.work_center else (),
        personnel=_personnel(inc))


def publish_performance(uow: UnitOfWork, *, request_id: str, revision: int, sequence: int,
                        state: str, increment: Increment) -> ProductionPerformance:
    """One message with one response (this work order's increment), in this transaction."""
    response = ProductionResponse(id=f"{request_id}-S{sequence}", request_id=request_id,
                                  request_revision=revision, sequence=sequence,
                                  state=state,  # type: ignore[arg-type]
                                  segments=(_segment(increment),))
    message = ProductionPerformance(
        header=MessageHeader.new(ProductionPerformance.MESSAGE_TYPE, SENDER),
        id=f"{request_id}-P{sequence}", responses=(response,))
    uow.publish(PRODUCTION_PERFORMANCE, to_payload(message))
    return message


def publish_status(uow: UnitOfWork, *, request_id: str, sequence: int, state: str,
                   at: datetime, good: Decimal, scrap: Decimal) -> ProductionStatus:
    message = ProductionStatus(
        header=MessageHeader.new(ProductionStatus.MESSAGE_TYPE, SENDER), request_id=request_id,
        sequence=sequence, state=state, at=at,  # type: ignore[arg-type]
        quantity_good=good, quantity_scrap=scrap)
    uow.publish(PRODUCTION_STATUS, to_payload(message))
    return message
