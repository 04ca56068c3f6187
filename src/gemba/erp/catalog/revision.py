"""Revisions of item documents (BOMs, routings): one revision label per item and kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationInfo, field_validator
from sqlalchemy import select

from gemba.core.commands import Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict
from gemba.erp.catalog.item import Item


def check_revision_free(uow: UnitOfWork, model: Any, kind: str, item: Item, revision: str,
                        own_id: int | None = None) -> None:
    """Conflict if ``item`` already has a ``model`` document (other than ``own_id``) with
    this revision; checked before writing so the user gets a message, not a constraint error."""
    stmt = select(model.id).where(model.item_id == item.id, model.revision == revision)
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    if uow.session.scalar(stmt) is not None:
        raise Conflict(f"item {item.code!r} already has a {kind} revision {revision!r}")


class Effectivity(Command):
    """Dates between which a revision applies (inclusive; open when empty)."""

    effective_from: date | None = None
    effective_to: date | None = None

    @field_validator("effective_to")
    @classmethod
    def _dates(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before effective_from")
        return value
