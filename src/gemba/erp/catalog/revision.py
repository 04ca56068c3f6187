"""Revisions of item documents (BOMs, routings): one revision label per item and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
