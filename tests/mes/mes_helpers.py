"""Helpers shared by the MES tests: ISA-95 schedules as a foreign or Gemba ERP sends them,
delivered through the outbox and the in-process bus like in embedded mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_SCHEDULE,
    PRODUCTION_STATUS,
    MaterialRequirement,
    MessageHeader,
    ProductionPerformance,
    ProductionRequest,
    ProductionSchedule,
    ProductionStatus,
    SegmentRequirement,
    from_payload,
    to_payload,
)
from gemba.core.events.models import OutboxMessage
from gemba.mes.execution_event import ExecutionEvent

D = Decimal
DUE = datetime(2026, 3, 9, 23, 59, 59, tzinfo=UTC)
TWO_STEPS = (("10", "WC-CUT"), ("20", "WC-ASM"))


def request(number: str = "MO-T1", revision: int = 1, qty: str = "10", *,
            state: str = "active", priority: int = 0, due: datetime = DUE,
            steps: Sequence[tuple[str, str]] = TWO_STEPS,
            materials: Sequence[tuple[str, str, str]] = (("STEEL", "20", "kg"),
                                                         ("BOLT", "40", "ea"))
            ) -> ProductionRequest:
    return ProductionRequest(
        id=number, revision=revision, product="FRAME", quantity=D(qty), uom="ea",
        end_time=due, priority=priority, state=state,  # type: ignore[arg-type]
        segments=tuple(SegmentRequirement(segment_id=seg, description=f"op {seg}",
                                          equipment_id=wc, setup_minutes=D(5),
                                          run_minutes_per_unit=D(2)) for seg, wc in steps),
        materials=tuple(MaterialRequirement(material_definition_id=i, quantity=D(q), uom=u,
                                            use="Consumed") for i, q, u in materials))


def schedule(*requests: ProductionRequest) -> ProductionSchedule:
    return ProductionSchedule(header=MessageHeader.new("ProductionSchedule", "test-erp"),
                              id=f"SCH-{requests[0].id}-R{requests[0].revision}",
                              requests=requests)


def send(gemba, *messages: ProductionSchedule | dict[str, Any]) -> None:
    """Through the outbox: the in-process relay delivers to the MES consumer after commit."""
    with gemba.uow() as uow:
        for msg in messages:
            uow.publish(PRODUCTION_SCHEDULE, msg if isinstance(msg, dict) else to_payload(msg))
        uow.commit()


def receive(gemba, number: str = "MO-T1", qty: str = "10", **kw: Any) -> str:
    send(gemba, schedule(request(number, qty=qty, **kw)))
    return number


def outbox(gemba, topic: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(topic, payload) of every outbox row, oldest first."""
    with gemba.uow() as uow:
        stmt = select(OutboxMessage.topic, OutboxMessage.payload).order_by(OutboxMessage.id)
        if topic:
            stmt = stmt.where(OutboxMessage.topic == topic)
        return [(t, p) for t, p in uow.session.execute(stmt).all()]


def performances(gemba) -> list[ProductionPerformance]:
    return [from_payload(ProductionPerformance, p)
            for _, p in outbox(gemba, PRODUCTION_PERFORMANCE)]


def statuses(gemba) -> list[ProductionStatus]:
    return [from_payload(ProductionStatus, p) for _, p in outbox(gemba, PRODUCTION_STATUS)]


def footprint(gemba) -> tuple[int, int]:
    """(execution events, outbox rows): a refused action must change neither."""
    with gemba.uow() as uow:
        events = uow.session.scalar(select(func.count()).select_from(ExecutionEvent))
        rows = uow.session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(events or 0), int(rows or 0)


def later(minutes: int) -> datetime:
    return DUE + timedelta(minutes=minutes)
