"""Field types shared by the ISA-95 messages: identifiers, exact quantities, UTC instants.

Every message is a frozen Pydantic model that refuses unknown fields, so a payload that does
not fit the contract fails loudly instead of being half-understood.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)


class ContractModel(BaseModel):
    """Base of every contract model: immutable, and unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware (a naive time has no defined instant)")
    return value.astimezone(UTC)


def _plain_decimal(value: Decimal) -> str:
    """``1E+3`` -> ``"1000"``: JSON payloads carry exact, human-readable decimal strings."""
    return format(value.normalize(), "f")


Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""An identifier: item code, order number, segment, equipment or person id."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=20000)]

UtcDateTime = Annotated[datetime, AfterValidator(_aware_utc)]
"""A timezone-aware instant, normalised to UTC; naive times are refused."""

_DecimalJson = PlainSerializer(_plain_decimal, return_type=str, when_used="json")

PosQuantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6), _DecimalJson]
NonNegQuantity = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6), _DecimalJson]
Minutes = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6), _DecimalJson]
