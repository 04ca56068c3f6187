"""What material the floor may use: ISA-95 material lot information (B2MML
``MaterialInformation`` / ``MaterialLot`` with its ``Status`` and quantity).

The ERP owns lots, their hold status, expiry and stock; it reports each lot's quantity in
stock after every change so that the MES can refuse a scan of a held, expired or exhausted
lot without asking the ERP. Each lot carries ``as_of``: a copy newer than what arrives wins.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from gemba.contracts.isa95._types import (
    ContractModel,
    Ident,
    NonNegQuantity,
    Text,
    UtcDateTime,
)
from gemba.contracts.isa95.header import MessageHeader, check_message_type

LotStatus = Literal["released", "blocked"]


class MaterialLot(ContractModel):
    """Mirrors B2MML ``MaterialLot``: ``quantity`` is what is in stock (all internal
    locations) as of ``as_of``; ``blocked`` = on hold, with the reason."""

    id: Ident  # lot code
    material_definition_id: Ident  # item code
    quantity: NonNegQuantity
    uom: Ident
    status: LotStatus = "released"
    status_reason: Text | None = None
    expiry_date: date | None = None
    as_of: UtcDateTime


class MaterialLotInformation(ContractModel):
    MESSAGE_TYPE: ClassVar[str] = "MaterialLotInformation"

    header: MessageHeader
    lots: tuple[MaterialLot, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_message_type(self.header, self.MESSAGE_TYPE)
        keys = [(lot.material_definition_id, lot.id) for lot in self.lots]
        if len(keys) != len(set(keys)):
            raise ValueError("lots must be unique within a message")
        return self
