"""What the MES reports back: ISA-95 production performance (B2MML ``ProductionPerformance``
in V0600, ``OperationsPerformance`` with ``OperationsType = Production`` in V0701)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from gemba.contracts.isa95._types import (
    ContractModel,
    Ident,
    Minutes,
    NonNegQuantity,
    Text,
    UtcDateTime,
)
from gemba.contracts.isa95.header import MessageHeader, check_message_type

ActualUse = Literal["Consumed", "Produced", "Scrapped"]
ResponseState = Literal["released", "started", "paused", "completed", "cancelled"]


class MaterialActual(ContractModel):
    """Mirrors B2MML ``MaterialActual`` (``MaterialProducedActual`` /
    ``MaterialConsumedActual`` in V0600): material really made, used or scrapped."""

    material_definition_id: Ident  # Gemba item code
    quantity: NonNegQuantity
    uom: Ident
    use: ActualUse
    lot_id: Ident | None = None
    serial_id: Ident | None = None  # B2MML MaterialSubLotID


class EquipmentActual(ContractModel):
    """Mirrors B2MML ``EquipmentActual``: time a machine or work center was used."""

    equipment_id: Ident
    minutes: Minutes = Decimal(0)


class PersonnelActual(ContractModel):
    """Mirrors B2MML ``PersonnelActual``: time a person worked on the segment."""

    person_id: Ident
    minutes: Minutes = Decimal(0)


class SegmentResponse(ContractModel):
    """Mirrors B2MML ``SegmentResponse``: what happened on one operation."""

    segment_id: Ident
    start_time: UtcDateTime
    end_time: UtcDateTime | None = None
    quantity_good: NonNegQuantity = Decimal(0)
    quantity_scrap: NonNegQuantity = Decimal(0)
    quantity_rework: NonNegQuantity = Decimal(0)
    scrap_reason: Text | None = None
    materials: tuple[MaterialActual, ...] = ()
    equipment: tuple[EquipmentActual, ...] = ()
    personnel: tuple[PersonnelActual, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_time is not None and self.end_time < self.start_time:
            raise ValueError("end_time must not be before start_time")
        return self


class ProductionResponse(ContractModel):
    """Mirrors B2MML ``ProductionResponse`` (V0600) / ``OperationsResponse`` (V0701): the
    MES's report on one request. ``sequence`` grows per request, so the ERP applies each
    report once and can tell their order."""

    id: Ident
    request_id: Ident
    request_revision: int = Field(ge=1)
    sequence: int = Field(ge=1)
    state: ResponseState
    segments: tuple[SegmentResponse, ...] = ()


class ProductionPerformance(ContractModel):
    """Mirrors B2MML ``ProductionPerformance`` / ``OperationsPerformance``: the message."""

    MESSAGE_TYPE: ClassVar[str] = "ProductionPerformance"

    header: MessageHeader
    id: Ident
    responses: tuple[ProductionResponse, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_message_type(self.header, self.MESSAGE_TYPE)
        keys = [(r.request_id, r.sequence) for r in self.responses]
        if len(keys) != len(set(keys)):
            raise ValueError("a request's sequence numbers must be unique within a message")
        return self
