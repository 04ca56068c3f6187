"""Who may work on the floor: ISA-95 personnel information (B2MML ``PersonnelInformation``:
``Person`` with its ``PersonnelClass`` memberships and qualification results).

The ERP owns people and their qualifications (HR); the MES keeps a copy so that an operator's
badge resolves and an expired qualification blocks the start of an operation even while the
ERP is unreachable. Each person carries ``as_of``: a copy newer than what arrives wins.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self

from pydantic import Field, model_validator

from gemba.contracts.isa95._types import ContractModel, Ident, Text, UtcDateTime
from gemba.contracts.isa95.header import MessageHeader, check_message_type


class PersonQualification(ContractModel):
    """Mirrors a B2MML ``PersonnelClassID`` with its ``QualificationTestResult``
    expiration: the skill held and until when (None = no expiry)."""

    personnel_class_id: Ident  # Gemba skill code
    valid_until: date | None = None


class Person(ContractModel):
    """Mirrors B2MML ``Person``: id = Gemba employee code; ``badge_id`` is what the
    operator terminal scans (the employee code itself when the ERP has no badge number)."""

    id: Ident
    name: Text
    badge_id: Ident | None = None
    active: bool = True
    qualifications: tuple[PersonQualification, ...] = ()
    as_of: UtcDateTime


class PersonnelInformation(ContractModel):
    MESSAGE_TYPE: ClassVar[str] = "PersonnelInformation"

    header: MessageHeader
    persons: tuple[Person, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_message_type(self.header, self.MESSAGE_TYPE)
        ids = [p.id for p in self.persons]
        if len(ids) != len(set(ids)):
            raise ValueError("person ids must be unique within a message")
        return self
