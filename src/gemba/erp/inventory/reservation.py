"""Reservations: stock promised to a document line (a sales order line, a work order).

Reserving locks the item's balance rows (PostgreSQL ``FOR UPDATE``, in id order; SQLite
serialises writers), takes what is free in FEFO order (first expiry first, lots on hold or
expired skipped) and raises ``qty_reserved``; a check constraint keeps reserved within on-hand,
so no two orders can ever hold the same unit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import lock_audit_head
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, IdMixin, Qty, UtcDateTime
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location
from gemba.erp.inventory.lot import Lot

ZERO = Decimal(0)


class Reservation(IdMixin, Base):
    __tablename__ = "erp_reservations"

    balance_id: Mapped[int] = mapped_column(ForeignKey("erp_stock_balances.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    doc_ref: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def _item(uow: UnitOfWork, code: str) -> Item:
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on("item", "exists", f"item {code!r} does not exist")
    return item


def reserve(uow: UnitOfWork, item_code: str, qty: Decimal, doc_ref: str, *,
            location: str | None = None, day: date | None = None,
            partial: bool = False) -> Decimal:
    """Reserve ``qty`` for ``doc_ref``; returns what was reserved. Without ``partial`` it is
    all or nothing (a 422 naming what is available)."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    item = _item(uow, item_code)
    day = day or utcnow().date()
    lock_audit_head(uow.session)  # the lock order every stock writer follows
    stmt = (select(StockBalance, Lot.expiry_date, Lot.on_hold)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .join(Location, Location.id == StockBalance.location_id)
            .where(StockBalance.item_id == item.id))
    if location:
        stmt = stmt.where(Location.code == location)
    locked = uow.session.execute(for_update(uow.session, stmt.order_by(StockBalance.id),
                                            of=StockBalance)
                                 .execution_options(populate_existing=True)).all()
    usable = [(b, exp) for b, exp, hold in locked
              if not hold and not (exp is not None and exp < day)
              and b.qty_on_hand > b.qty_reserved]
    usable.sort(key=lambda r: (r[1] is None, r[1] or day, r[0].id))  # FEFO
    free = sum((b.qty_on_hand - b.qty_reserved for b, _ in usable), ZERO)
    if free < qty and not partial:
        raise ValidationFailed.on("qty", "enough_available",
                                  f"only {free.normalize():f} of {item_code} available to "
                                  f"reserve, {qty.normalize():f} asked")
    left = qty
    for balance, _ in usable:
        if left == 0:
            break
        take = min(left, balance.qty_on_hand - balance.qty_reserved)
        uow.session.execute(update(StockBalance).where(StockBalance.id == balance.id)
                            .values(qty_reserved=func.round(StockBalance.qty_reserved + take, 6)))
        uow.session.add(Reservation(balance_id=balance.id, item_id=item.id, qty=take,
                                    doc_ref=doc_ref))
        left -= take
    uow.flush()
    return qty - left


def release(uow: UnitOfWork, doc_ref: str) -> list[tuple[int, int, Decimal]]:
    """Drop every reservation of ``doc_ref``; returns (balance id, lot id, qty) released so a
    delivery can take exactly the reserved lots."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    lock_audit_head(uow.session)
    rows = list(uow.session.scalars(for_update(uow.session, select(Reservation).where(
        Reservation.doc_ref == doc_ref).order_by(Reservation.balance_id))))
    out = []
    for r in rows:
        uow.session.execute(update(StockBalance).where(StockBalance.id == r.balance_id)
                            .values(qty_reserved=func.round(StockBalance.qty_reserved - r.qty, 6)))
        lot_id = uow.session.scalar(select(StockBalance.lot_id)
                                    .where(StockBalance.id == r.balance_id))
        out.append((r.balance_id, lot_id, r.qty))
    uow.session.execute(delete(Reservation).where(Reservation.doc_ref == doc_ref))
    return out


def reserved_for(uow: UnitOfWork, doc_ref: str) -> list[tuple[str, str | None, Decimal]]:
    """(location code, lot code, qty) reserved for a document line."""
    rows = uow.session.execute(
        select(Location.code, Lot.code, Reservation.qty)
        .join(StockBalance, StockBalance.id == Reservation.balance_id)
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(Reservation.doc_ref == doc_ref).order_by(Reservation.id))
    return [(loc, lot, Decimal(q)) for loc, lot, q in rows]
