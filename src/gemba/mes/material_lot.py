"""The MES's copy of the ERP's material lots: item, stock, hold status and expiry, kept from
ISA-95 MaterialLotInformation (``erp_link.reference_consumer``).

A scanned lot is checked here before it is consumed: the right item, not on hold, not
expired, enough left. ``quantity`` is the stock the ERP reported (``as_of``);
``consumed`` is what the MES used since then, so the lot's ``available`` goes down at once
while the ERP catches up. The ERP stays the authority: its next report replaces both.
For an item the ERP sent no lots of (a foreign ERP that does not), lots are taken as
scanned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.contracts.isa95 import MaterialLot as LotMessage
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, IdMixin, Qty, UtcDateTime
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import utcnow

ZERO = Decimal(0)


def fmt(qty: Decimal) -> str:
    return format(qty.normalize(), "f") if qty else "0"


class MesMaterialLot(IdMixin, Base):
    __tablename__ = "mes_material_lots"
    __table_args__ = (UniqueConstraint("item", "lot"),)

    item: Mapped[str] = mapped_column(String(100), index=True)
    lot: Mapped[str] = mapped_column(String(100), index=True)
    uom: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(Qty, default=ZERO)  # as the ERP reported
    consumed: Mapped[Decimal] = mapped_column(Qty, default=ZERO)  # by the MES since then
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def available(self) -> Decimal:
        return max(self.quantity - self.consumed, ZERO)

    def problem(self, day: date) -> str | None:
        """Why this lot may not be used on ``day`` (None: it may)."""
        if self.blocked:
            reason = f" ({self.status_reason})" if self.status_reason else ""
            return f"lot {self.lot} of {self.item} is on hold{reason}"
        if self.expiry_date is not None and self.expiry_date < day:
            return f"lot {self.lot} of {self.item} expired on {self.expiry_date}"
        return None


def apply_lot(uow: UnitOfWork, lot: LotMessage) -> bool:
    """Upsert one lot unless the MES already holds a newer copy; True when applied."""
    row = uow.session.scalar(for_update(uow.session, select(MesMaterialLot).where(
        MesMaterialLot.item == lot.material_definition_id, MesMaterialLot.lot == lot.id)))
    if row is not None and row.as_of >= lot.as_of:
        return False
    if row is None:
        row = MesMaterialLot(item=lot.material_definition_id, lot=lot.id)
        uow.session.add(row)
    row.uom, row.quantity, row.consumed = lot.uom, lot.quantity, ZERO
    row.blocked, row.status_reason = lot.status == "blocked", lot.status_reason
    row.expiry_date, row.as_of = lot.expiry_date, lot.as_of
    return True


def item_has_lots(uow: UnitOfWork, item: str) -> bool:
    return uow.session.scalar(select(MesMaterialLot.id).where(
        MesMaterialLot.item == item).limit(1)) is not None


def lots_by_code(uow: UnitOfWork, code: str) -> list[MesMaterialLot]:
    """Every lot with this code (a label carries the lot code; items may share codes)."""
    uow.actor.require(Permission.MES_READ)
    return list(uow.session.scalars(select(MesMaterialLot).where(
        MesMaterialLot.lot == code.strip()).order_by(MesMaterialLot.item)))


def take_lot(uow: UnitOfWork, item: str, lot: str | None, qty: Decimal,
             field: str = "lot") -> MesMaterialLot | None:
    """Check a lot for consumption and count the quantity against it (row-locked). Returns
    None when the MES keeps no lots of the item (nothing to check)."""
    day = utcnow().date()
    if lot is None:
        if item_has_lots(uow, item):
            raise ValidationFailed.on(field, "required",
                                      f"{item} is lot-controlled: scan the lot you use")
        return None
    row = uow.session.scalar(for_update(uow.session, select(MesMaterialLot).where(
        MesMaterialLot.item == item, MesMaterialLot.lot == lot)))
    if row is None:
        other = uow.session.scalar(select(MesMaterialLot.item).where(MesMaterialLot.lot == lot)
                                   .order_by(MesMaterialLot.item).limit(1))
        if other is not None:
            raise ValidationFailed.on(field, "wrong_item",
                                      f"lot {lot} is of item {other}, not {item}")
        if item_has_lots(uow, item):
            raise ValidationFailed.on(field, "unknown_lot", f"lot {lot} of {item} is unknown")
        return None
    problem = row.problem(day)
    if problem is not None:
        raise ValidationFailed.on(field, "usable_lot", problem)
    if qty > row.available:
        raise ValidationFailed.on("qty", "lot_quantity",
                                  f"lot {lot} of {item} has {fmt(row.available)} {row.uom} "
                                  f"left, less than the {fmt(qty)} to consume")
    row.consumed += qty
    return row


@dataclass(frozen=True)
class LotTake:
    lot: str | None
    qty: Decimal


def take_first_expiring(uow: UnitOfWork, item: str, qty: Decimal) -> list[LotTake]:
    """Backflush: ``qty`` of ``item`` from its usable lots, first expiring first (FEFO,
    then oldest lot code); no lot when the MES keeps no lots of the item."""
    rows = list(uow.session.scalars(for_update(uow.session, select(MesMaterialLot).where(
        MesMaterialLot.item == item).order_by(MesMaterialLot.id))))
    if not rows:
        return [LotTake(None, qty)]
    day = utcnow().date()
    usable = sorted((r for r in rows if r.problem(day) is None and r.available > 0),
                    key=lambda r: (r.expiry_date or date.max, r.lot))
    have = sum((r.available for r in usable), ZERO)
    if have < qty:
        raise ValidationFailed.on("backflush", "lot_quantity",
                                  f"backflush needs {fmt(qty)} {rows[0].uom} of {item}; "
                                  f"its usable lots hold only {fmt(have)}")
    takes, left = [], qty
    for row in usable:
        if left <= 0:
            break
        part = min(left, row.available)
        row.consumed += part
        takes.append(LotTake(row.lot, part))
        left -= part
    return takes
