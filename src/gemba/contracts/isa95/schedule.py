"""What the ERP asks the MES to make: ISA-95 production schedule (B2MML ``ProductionSchedule``
in V0600, ``OperationsSchedule`` with ``OperationsType = Production`` in V0701)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from gemba.contracts.isa95._types import (
    ContractModel,
    Ident,
    LongText,
    Minutes,
    PosQuantity,
    Text,
    UtcDateTime,
)
from gemba.contracts.isa95.header import MessageHeader, check_message_type

MaterialUse = Literal["Consumed", "Produced"]
RequestState = Literal["active", "cancelled"]


class MaterialRequirement(ContractModel):
    """Mirrors B2MML ``MaterialRequirement`` (``MaterialProducedRequirement`` /
    ``MaterialConsumedRequirement`` in V0600): an item to make or to consume."""

    material_definition_id: Ident  # Gemba item code
    quantity: PosQuantity
    uom: Ident
    use: MaterialUse
    lot_id: Ident | None = None


class PersonnelRequirement(ContractModel):
    """Mirrors B2MML ``PersonnelRequirement``: a qualification (personnel class) whoever
    works on the segment must hold."""

    personnel_class_id: Ident  # Gemba skill code


class SegmentRequirement(ContractModel):
    """Mirrors B2MML ``SegmentRequirement``: one operation of the order at a work center,
    with the work instructions the operator sees."""

    segment_id: Ident
    description: Text | None = None
    instructions: LongText | None = None
    equipment_id: Ident | None = None  # work center
    setup_minutes: Minutes = Decimal(0)
    run_minutes_per_unit: Minutes = Decimal(0)
    personnel: tuple[PersonnelRequirement, ...] = ()
    materials: tuple[MaterialRequirement, ...] = ()


class ProductionRequest(ContractModel):
    """Mirrors B2MML ``ProductionRequest`` (V0600) / ``OperationsRequest`` (V0701): one
    production order. ``revision`` grows on every change so the MES keeps the newest."""

    id: Ident  # production order number
    revision: int = Field(ge=1)
    product: Ident  # item code
    quantity: PosQuantity
    uom: Ident
    start_time: UtcDateTime | None = None
    end_time: UtcDateTime  # due
    priority: int = 0
    state: RequestState = "active"
    segments: tuple[SegmentRequirement, ...] = ()
    materials: tuple[MaterialRequirement, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.start_time is not None and self.start_time > self.end_time:
            raise ValueError("start_time must not be after end_time")
        ids = [s.segment_id for s in self.segments]
        if len(ids) != len(set(ids)):
            raise ValueError(f"request {self.id}: segment ids must be unique")
        return self


class ProductionSchedule(ContractModel):
    """Mirrors B2MML ``ProductionSchedule`` / ``OperationsSchedule``: the message itself."""

    MESSAGE_TYPE: ClassVar[str] = "ProductionSchedule"

    header: MessageHeader
    id: Ident
    requests: tuple[ProductionRequest, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_message_type(self.header, self.MESSAGE_TYPE)
        ids = [r.id for r in self.requests]
        if len(ids) != len(set(ids)):
            raise ValueError("request ids must be unique within a schedule")
        return self
