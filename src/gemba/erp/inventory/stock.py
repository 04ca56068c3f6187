"""Reading stock: on-hand and available per item, location and lot, and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import StockBalance, StockMove
from gemba.erp.inventory.location import Location, LocationKind
from gemba.erp.inventory.lot import Lot
from gemba.erp.inventory.valuation import ItemValuation

ZERO = Decimal(0)


@dataclass(frozen=True)
class StockLine:
    item: str
    location: str
    lot: str | None
    expiry_date: date | None
    on_hold: bool
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def stock_lines(uow: UnitOfWork, *, item: str | None = None, location: str | None = None,
                include_zero: bool = False) -> list[StockLine]:
    uow.actor.require(Permission.INVENTORY_READ)
    stmt = (select(Item.code, Location.code, Lot.code, Lot.expiry_date, Lot.on_hold,
                   StockBalance.qty_on_hand, StockBalance.qty_reserved)
            .join(Item, Item.id == StockBalance.item_id)
            .join(Location, Location.id == StockBalance.location_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .order_by(Item.code, Location.code, Lot.expiry_date, Lot.code))
    if item:
        stmt = stmt.where(Item.code == item)
    if location:
        stmt = stmt.where(Location.code == location)
    if not include_zero:
        stmt = stmt.where(StockBalance.qty_on_hand != 0)
    return [StockLine(i, loc, lot, exp, bool(hold), Decimal(q), Decimal(r))
            for i, loc, lot, exp, hold, q, r in uow.session.execute(stmt)]


def on_hand(uow: UnitOfWork, item: str, location: str | None = None) -> Decimal:
    return sum((s.on_hand for s in stock_lines(uow, item=item, location=location)), ZERO)


def available(uow: UnitOfWork, item: str, day: date | None = None) -> Decimal:
    """Unreserved quantity in internal locations, without lots on hold or expired."""
    return sum((s.available for s in stock_lines(uow, item=item)
                if not s.on_hold and not (day and s.expiry_date and s.expiry_date < day)),
               ZERO)


def ledger_on_hand(uow: UnitOfWork) -> dict[tuple[int, int, int], Decimal]:
    """On-hand recomputed from the moves alone (in minus out per internal location)."""
    src, dst = aliased(Location), aliased(Location)
    out: dict[tuple[int, int, int], Decimal] = {}
    moves = (select(StockMove.item_id, StockMove.from_location_id, StockMove.to_location_id,
                    func.coalesce(StockMove.lot_id, 0), StockMove.qty, src.kind, dst.kind)
             .join(src, src.id == StockMove.from_location_id)
             .join(dst, dst.id == StockMove.to_location_id))
    for item_id, f, t, lot, qty, fk, tk in uow.session.execute(moves):
        if fk == LocationKind.INTERNAL:
            key = (item_id, f, lot)
            out[key] = out.get(key, ZERO) - Decimal(qty)
        if tk == LocationKind.INTERNAL:
            key = (item_id, t, lot)
            out[key] = out.get(key, ZERO) + Decimal(qty)
    return {k: v for k, v in out.items() if v != 0}


def balance_on_hand(uow: UnitOfWork) -> dict[tuple[int, int, int], Decimal]:
    rows = uow.session.execute(select(StockBalance.item_id, StockBalance.location_id,
                                      StockBalance.lot_key, StockBalance.qty_on_hand)
                               .where(StockBalance.qty_on_hand != 0))
    return {(i, loc, k): Decimal(q) for i, loc, k, q in rows}


def ledger_matches_balances(uow: UnitOfWork) -> bool:
    return ledger_on_hand(uow) == balance_on_hand(uow)


def moves_value(uow: UnitOfWork) -> Decimal:
    """Sum of the moves' value changes: equals the valuation and the Inventory account."""
    return Decimal(str(uow.session.scalar(select(func.coalesce(func.sum(StockMove.value), 0)))))


@dataclass(frozen=True)
class ValuationLine:
    item: str
    name: str
    method: str
    qty: Decimal
    value: Decimal

    @property
    def unit_cost(self) -> Decimal:
        return (self.value / self.qty).quantize(Decimal("0.0001")) if self.qty else ZERO


def valuation_report(uow: UnitOfWork) -> list[ValuationLine]:
    uow.actor.require(Permission.INVENTORY_READ)
    rows = uow.session.execute(
        select(Item.code, Item.name, Item.costing_method, ItemValuation.qty,
               ItemValuation.value)
        .join(Item, Item.id == ItemValuation.item_id)
        .where(or_(ItemValuation.qty != 0, ItemValuation.value != 0))
        .order_by(Item.code))
    return [ValuationLine(c, n, m.value, Decimal(q), Decimal(v)) for c, n, m, q, v in rows]
