"""The header every ISA-95 message carries (B2MML ``ApplicationArea``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from gemba.contracts.isa95._types import ContractModel, Ident, UtcDateTime
from gemba.core.types import utcnow

SCHEMA_VERSION = 1


class MessageHeader(ContractModel):
    """Mirrors B2MML ``ApplicationArea``: ``BODID`` (message id), ``CreationDateTime``
    (sent at) and ``Sender/LogicalID``. ``message_type`` names the message model so a
    payload cannot be read as another message; ``schema_version`` versions this contract."""

    message_id: Ident = Field(default_factory=lambda: str(uuid.uuid4()))
    message_type: Ident
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1)
    sent_at: UtcDateTime
    sender: Ident

    @classmethod
    def new(cls, message_type: str, sender: str, sent_at: datetime | None = None) -> MessageHeader:
        """A fresh header with a new message id, sent now unless told otherwise."""
        return cls(message_type=message_type, sender=sender, sent_at=sent_at or utcnow())


def check_message_type(header: MessageHeader, expected: str) -> None:
    """Raise ValueError when a header announces another message than the model holding it."""
    if header.message_type != expected:
        raise ValueError(
            f"header.message_type is {header.message_type!r}, expected {expected!r}")
