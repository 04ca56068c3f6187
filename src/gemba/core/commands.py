"""Reusable field types for service-layer commands (validated once, for API, web and CSV)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
NonNegQty = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
PosQty = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6)]
NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Percent = Annotated[Decimal, Field(ge=0, lt=100, max_digits=9, decimal_places=4)]


class Command(BaseModel):
    """Base for service inputs: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patch(Command):
    """Base for partial updates: ``version`` is the optimistic-lock token the client read."""

    version: int = Field(ge=1)
