"""Outbox topics of the ISA-95 messages and their JSON payload form.

``uow.publish(PRODUCTION_SCHEDULE, to_payload(schedule))`` on one side,
``from_payload(ProductionSchedule, envelope.payload)`` on the other. Payloads are JSON-safe:
decimals are exact strings, times ISO 8601 in UTC.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gemba.contracts.isa95.material import MaterialLotInformation
from gemba.contracts.isa95.performance import ProductionPerformance
from gemba.contracts.isa95.personnel import PersonnelInformation
from gemba.contracts.isa95.schedule import ProductionSchedule
from gemba.contracts.isa95.status import ProductionStatus
from gemba.core.errors import FieldIssue, ValidationFailed

PRODUCTION_SCHEDULE = "isa95.production_schedule"
PRODUCTION_PERFORMANCE = "isa95.production_performance"
PRODUCTION_STATUS = "isa95.production_status"
PERSONNEL_INFORMATION = "isa95.personnel_information"
MATERIAL_LOT_INFORMATION = "isa95.material_lot_information"

M = TypeVar("M", bound=BaseModel)

TOPIC_OF: dict[type[BaseModel], str] = {
    ProductionSchedule: PRODUCTION_SCHEDULE,
    ProductionPerformance: PRODUCTION_PERFORMANCE,
    ProductionStatus: PRODUCTION_STATUS,
    PersonnelInformation: PERSONNEL_INFORMATION,
    MaterialLotInformation: MATERIAL_LOT_INFORMATION,
}


def to_payload(model: BaseModel) -> dict[str, Any]:
    """The JSON-safe dict of a message, ready for ``uow.publish``."""
    return model.model_dump(mode="json")


def from_payload(cls: type[M], payload: dict[str, Any]) -> M:
    """Read a payload back into its message; a payload that breaks the contract is a
    ValidationFailed naming every wrong field (``requests.0.quantity``)."""
    try:
        return cls.model_validate(payload)
    except ValidationError as exc:
        issues = [FieldIssue(".".join(str(p) for p in err["loc"]) or cls.__name__,
                             err["type"], err["msg"]) for err in exc.errors()]
        summary = "; ".join(f"{i.field}: {i.message}" for i in issues)
        raise ValidationFailed(f"{cls.__name__} payload: {summary}", issues) from exc
