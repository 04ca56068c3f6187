"""A light state change of a production order, sent between full performance reports
(ISA-95 ``ProductionResponse`` state with its running totals)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Self

from pydantic import Field, model_validator

from gemba.contracts.isa95._types import ContractModel, Ident, NonNegQuantity, UtcDateTime
from gemba.contracts.isa95.header import MessageHeader, check_message_type
from gemba.contracts.isa95.performance import ResponseState


class ProductionStatus(ContractModel):
    """Mirrors the ``ResponseState`` of a B2MML ``ProductionResponse``; ``sequence`` shares
    the per-request numbering of :class:`ProductionResponse`."""

    MESSAGE_TYPE: ClassVar[str] = "ProductionStatus"

    header: MessageHeader
    request_id: Ident
    sequence: int = Field(ge=1)
    state: ResponseState
    at: UtcDateTime
    quantity_good: NonNegQuantity = Decimal(0)
    quantity_scrap: NonNegQuantity = Decimal(0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_message_type(self.header, self.MESSAGE_TYPE)
        return self
