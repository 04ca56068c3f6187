"""The stock ledger as people read it: moves with item, location and lot codes, newest first,
filtered by item, document or kind; plus the reversal command of the front doors.

``ledger.py`` writes moves; this module only reads them (and names the reversal input once
for the API and the web form)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import PostedMove, StockMove, reverse_moves
from gemba.erp.inventory.location import Location
from gemba.erp.inventory.lot import Lot

# What ``ledger.move_kind`` writes.
MOVE_KINDS = ("receipt", "return_in", "production_receipt", "scrap_return", "adjustment",
              "return_out", "delivery", "production_issue", "scrap", "transfer")


class StockReversalIn(Command):
    reason: str = Field(min_length=1, max_length=150)
    date: dt.date | None = Field(default=None, description="Default: today.")


def reverse_document(uow: UnitOfWork, doc_ref: str,
                     data: StockReversalIn) -> tuple[str, list[PostedMove]]:
    """Reverse a whole stock document; returns the reversal's reference and moves."""
    posted = reverse_moves(uow, doc_ref, reason=data.reason, day=data.date)
    ref = uow.session.scalar(select(StockMove.doc_ref).where(StockMove.id == posted[0].id))
    return str(ref), posted


@dataclass(frozen=True)
class MoveRow:
    id: int
    move_date: dt.date
    posted_at: dt.datetime
    kind: str
    item: str
    qty: Decimal
    from_location: str
    to_location: str
    lot: str | None
    value: Decimal
    doc_value: Decimal
    doc_type: str
    doc_ref: str
    reason: str | None
    actor: str
    reversal_of_id: int | None


def list_moves(uow: UnitOfWork, page: PageRequest) -> Page[MoveRow]:
    """Newest first; filters ``item`` (code), ``doc_ref``, ``doc_type``, ``kind``; ``q``
    searches the document reference."""
    uow.actor.require(Permission.INVENTORY_READ)
    for name, value in page.filters:
        if name == "kind" and value not in MOVE_KINDS:
            raise ValidationFailed.on("kind", "unknown_value",
                                      f"unknown value {value!r} (allowed: "
                                      f"{', '.join(MOVE_KINDS)})")
    found = paginate(uow.session, select(StockMove).join(Item, Item.id == StockMove.item_id),
                     page, search=[StockMove.doc_ref],
                     filterable={"item": Item.code, "doc_ref": StockMove.doc_ref,
                                 "doc_type": StockMove.doc_type, "kind": StockMove.kind},
                     order_by=[StockMove.id.desc()])
    moves = list(found.items)
    items = dict(uow.session.execute(select(Item.id, Item.code).where(
        Item.id.in_({m.item_id for m in moves}))).all()) if moves else {}
    loc_ids = {m.from_location_id for m in moves} | {m.to_location_id for m in moves}
    locs = dict(uow.session.execute(select(Location.id, Location.code).where(
        Location.id.in_(loc_ids))).all()) if moves else {}
    lot_ids = {m.lot_id for m in moves if m.lot_id}
    lots = dict(uow.session.execute(select(Lot.id, Lot.code).where(
        Lot.id.in_(lot_ids))).all()) if lot_ids else {}
    rows = [MoveRow(m.id, m.move_date, m.posted_at, m.kind, items[m.item_id], m.qty,
                    locs[m.from_location_id], locs[m.to_location_id],
                    lots.get(m.lot_id) if m.lot_id else None, m.value, m.doc_value,
                    m.doc_type, m.doc_ref, m.reason, m.actor, m.reversal_of_id)
            for m in moves]
    return Page(rows, found.total, found.limit, found.offset)


def document_reversed(uow: UnitOfWork, doc_ref: str) -> bool:
    """Whether the stock document's moves were reversed already."""
    uow.actor.require(Permission.INVENTORY_READ)
    ids = select(StockMove.id).where(StockMove.doc_ref == doc_ref)
    return uow.session.scalar(select(StockMove.id).where(
        StockMove.reversal_of_id.in_(ids)).limit(1)) is not None
