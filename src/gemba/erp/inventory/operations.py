"""Warehouse operations people do by hand: transfers, adjustments with a reason, cycle counts
and scrapping. Each is one stock document (a number, moves, and its journal entry)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, NonNegQty, PosQty
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import MoveIn, PostedMove, StockBalance, post_moves
from gemba.erp.inventory.location import Location, LocationKind, Locations
from gemba.erp.inventory.lot import Lot

ZERO = Decimal(0)
Reason = Field(min_length=1, max_length=200)


class TransferIn(Command):
    item: Code
    qty: PosQty
    from_location: Code
    to_location: Code
    lot: Code | None = None
    date: dt.date | None = None


class AdjustmentIn(Command):
    item: Code
    location: Code
    qty: Decimal = Field(max_digits=18, decimal_places=6,
                         description="Signed: positive adds stock, negative removes it.")
    reason: str = Reason
    lot: Code | None = None
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=6)
    expiry_date: dt.date | None = None
    date: dt.date | None = None


class ScrapIn(Command):
    item: Code
    location: Code
    qty: PosQty
    reason: str = Reason
    lot: Code | None = None
    date: dt.date | None = None


class CountLineIn(Command):
    item: Code
    lot: Code | None = None
    counted_qty: NonNegQty


class CountIn(Command):
    location: Code
    reason: str = "cycle count"
    lines: list[CountLineIn] = Field(min_length=1)
    date: dt.date | None = None


def _internal(uow: UnitOfWork, code: str, field: str) -> Location:
    loc = uow.session.scalar(select(Location).where(Location.code == code))
    if loc is None:
        raise ValidationFailed.on(field, "exists", f"location {code!r} does not exist")
    if loc.kind != LocationKind.INTERNAL:
        raise ValidationFailed.on(field, "internal",
                                  f"{code} is a {loc.kind.value} location, not a stock location")
    return loc


def transfer(uow: UnitOfWork, data: TransferIn) -> tuple[str, list[PostedMove]]:
    uow.actor.require(Permission.INVENTORY_WRITE)
    _internal(uow, data.from_location, "from_location")
    _internal(uow, data.to_location, "to_location")
    ref = next_number(uow.session, "stock_transfer")
    moves = post_moves(uow, [MoveIn(data.item, data.qty, data.from_location, data.to_location,
                                    lot=data.lot, source="")], doc_type="transfer",
                       doc_ref=ref, day=data.date)
    return ref, moves


def adjust(uow: UnitOfWork, data: AdjustmentIn) -> tuple[str, list[PostedMove]]:
    """Add or remove stock with a reason; booked against Inventory adjustments."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    if data.qty == 0:
        raise ValidationFailed.on("qty", "non_zero", "an adjustment changes the quantity")
    _internal(uow, data.location, "location")
    ref = next_number(uow.session, "stock_adjustment")
    if data.qty > 0:
        move = MoveIn(data.item, data.qty, Locations.ADJUSTMENT, data.location, lot=data.lot,
                      unit_cost=data.unit_cost, expiry_date=data.expiry_date,
                      reason=data.reason, source="")
    else:
        move = MoveIn(data.item, -data.qty, data.location, Locations.ADJUSTMENT, lot=data.lot,
                      reason=data.reason, source="")
    return ref, post_moves(uow, [move], doc_type="adjustment", doc_ref=ref, day=data.date,
                           memo=f"Adjustment {ref}: {data.reason}")


def scrap(uow: UnitOfWork, data: ScrapIn) -> tuple[str, list[PostedMove]]:
    uow.actor.require(Permission.INVENTORY_WRITE)
    _internal(uow, data.location, "location")
    ref = next_number(uow.session, "scrap")
    return ref, post_moves(uow, [MoveIn(data.item, data.qty, data.location, Locations.SCRAP,
                                        lot=data.lot, reason=data.reason, source="")],
                           doc_type="scrap", doc_ref=ref, day=data.date,
                           memo=f"Scrap {ref}: {data.reason}")


def count(uow: UnitOfWork, data: CountIn) -> tuple[str, list[PostedMove]]:
    """A cycle count: the differences between counted and on-hand become adjustments.

    Lines with no difference post nothing; returns the count number and the moves."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    loc = _internal(uow, data.location, "location")
    moves: list[MoveIn] = []
    seen: set[tuple[str, str | None]] = set()
    for n, line in enumerate(data.lines):
        if (line.item, line.lot) in seen:
            raise ValidationFailed.on(f"lines[{n}].item", "unique",
                                      f"{line.item} {line.lot or ''} is counted twice")
        seen.add((line.item, line.lot))
        item = uow.session.scalar(select(Item).where(Item.code == line.item))
        if item is None:
            raise ValidationFailed.on(f"lines[{n}].item", "exists",
                                      f"item {line.item!r} does not exist")
        stmt = select(StockBalance.qty_on_hand).where(StockBalance.item_id == item.id,
                                                      StockBalance.location_id == loc.id)
        if line.lot:
            stmt = stmt.join(Lot, Lot.id == StockBalance.lot_id).where(Lot.code == line.lot)
        else:
            stmt = stmt.where(StockBalance.lot_key == 0)
        book = Decimal(uow.session.scalar(stmt) or 0)
        diff = line.counted_qty - book
        if diff > 0:
            moves.append(MoveIn(line.item, diff, Locations.ADJUSTMENT, loc.code, lot=line.lot,
                                reason=data.reason, source=f"lines[{n}]"))
        elif diff < 0:
            moves.append(MoveIn(line.item, -diff, loc.code, Locations.ADJUSTMENT, lot=line.lot,
                                reason=data.reason, source=f"lines[{n}]"))
    ref = next_number(uow.session, "stock_count")
    if not moves:
        return ref, []
    return ref, post_moves(uow, moves, doc_type="count", doc_ref=ref, day=data.date,
                           memo=f"Count {ref} of {loc.code}: {data.reason}")
