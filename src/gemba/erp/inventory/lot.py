"""Lots and serial numbers. A serial is a lot of quantity one; (item, code) is unique, so a
serial number exists once per item. Lots carry expiry and a quality hold: a lot on hold or
past its expiry may be moved (to quarantine) but not delivered or consumed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import Field
from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Patch
from gemba.core.db.base import Base, IdMixin, UtcDateTime, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item

TOUCHED_LOTS = "gemba.touched_lots"  # session.info key: lot ids whose stock moved


def mark_touched(session: Session, lot_ids: Iterable[int | None]) -> None:
    """Note lots whose stock changed in this transaction, for whoever mirrors lot stock
    (the MES link); bulk ledger statements bypass the ORM, so they say it here."""
    session.info.setdefault(TOUCHED_LOTS, set()).update(i for i in lot_ids if i)


class Lot(Audited, IdMixin, VersionedMixin, Base):
    __tablename__ = "erp_lots"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    supplier_lot: Mapped[str | None] = mapped_column(String(60), nullable=True)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code

    def expired_on(self, day: date) -> bool:
        return self.expiry_date is not None and self.expiry_date < day

    def usable_problem(self, day: date) -> str | None:
        """Why this lot may not be delivered or consumed on ``day`` (None: it may)."""
        if self.on_hold:
            return f"lot {self.code} of {self.item.code} is on hold ({self.hold_reason})"
        if self.expired_on(day):
            return f"lot {self.code} of {self.item.code} expired on {self.expiry_date}"
        return None


class LotPatch(Patch):
    expiry_date: date | None = None
    supplier_lot: str | None = Field(default=None, max_length=60)


class HoldIn(Command):
    reason: str = Field(min_length=1, max_length=200)


def get_lot(uow: UnitOfWork, item_code: str, code: str) -> Lot:
    uow.actor.require(Permission.INVENTORY_READ)
    lot = uow.session.scalar(select(Lot).join(Item).where(Item.code == item_code,
                                                          Lot.code == code))
    if lot is None:
        raise NotFound(f"lot {code!r} of item {item_code!r} does not exist")
    return lot


def find_lot(uow: UnitOfWork, item_id: int, code: str) -> Lot | None:
    return uow.session.scalar(select(Lot).where(Lot.item_id == item_id, Lot.code == code))


def new_lot(uow: UnitOfWork, item: Any, code: Code, *, expiry_date: date | None = None,
            supplier_lot: str | None = None, today: date | None = None,
            field: str = "lot") -> Lot:
    """A lot or serial received or produced; expiry defaults from the item's shelf life.

    ``item``: an Item or anything with its id, code, tracking and shelf_life_days."""
    if find_lot(uow, item.id, code) is not None:
        kind = "serial number" if item.tracking == "serial" else "lot"
        raise ValidationFailed.on(field, "unique_per_item",
                                  f"{kind} {code} of item {item.code} already exists")
    if expiry_date is None and item.shelf_life_days:
        from datetime import timedelta

        expiry_date = (today or utcnow().date()) + timedelta(days=item.shelf_life_days)
    lot = Lot(item_id=item.id, code=code, expiry_date=expiry_date, supplier_lot=supplier_lot,
              on_hold=False)
    uow.session.add(lot)
    uow.flush()
    return lot


def _for_write(uow: UnitOfWork, item_code: str, code: str) -> Lot:
    uow.actor.require(Permission.INVENTORY_WRITE)
    return get_lot(uow, item_code, code)


def hold_lot(uow: UnitOfWork, item_code: str, code: str, data: HoldIn) -> Lot:
    lot = _for_write(uow, item_code, code)
    if lot.on_hold:
        raise Conflict(f"lot {code} is already on hold ({lot.hold_reason})")
    lot.on_hold, lot.hold_reason = True, data.reason
    uow.flush()
    return lot


def release_lot(uow: UnitOfWork, item_code: str, code: str) -> Lot:
    lot = _for_write(uow, item_code, code)
    if not lot.on_hold:
        raise Conflict(f"lot {code} is not on hold")
    lot.on_hold, lot.hold_reason = False, None
    uow.flush()
    return lot


def update_lot(uow: UnitOfWork, item_code: str, code: str, data: LotPatch) -> Lot:
    lot = _for_write(uow, item_code, code)
    check_version(lot, data.version)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(lot, key, value)
    uow.flush()
    return lot


def list_lots(uow: UnitOfWork, page: PageRequest) -> Page[Lot]:
    uow.actor.require(Permission.INVENTORY_READ)
    return paginate(uow.session, select(Lot).join(Item), page,
                    search=[Lot.code, Item.code, Lot.supplier_lot],
                    filterable={"item": Item.code, "on_hold": Lot.on_hold},
                    order_by=[Item.code, Lot.code])
