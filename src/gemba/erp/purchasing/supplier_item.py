"""Supplier items: what a supplier sells us, under which code, how fast, from which quantity
and at which price (quantity price breaks). Purchase order lines take their default price and
their minimum quantity from here."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, NonNegMoney, NonNegQty, Patch
from gemba.core.db.base import Base, IdMixin, Money, Qty, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.uom import check_precision
from gemba.erp.partners.partner import Partner, find_partner

NOT_PURCHASABLE = frozenset({ItemType.PHANTOM, ItemType.SERVICE})


class SupplierItem(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_supplier_items"
    __table_args__ = (UniqueConstraint("partner_id", "item_id"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    supplier_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    min_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    preferred: Mapped[bool] = mapped_column(Boolean, default=False)

    partner: Mapped[Partner] = relationship(lazy="joined")
    item: Mapped[Item] = relationship(lazy="joined")
    price_breaks: Mapped[list[PriceBreak]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PriceBreak.min_qty")

    @property
    def key(self) -> str:
        return str(self.id)

    @property
    def supplier(self) -> str:
        return self.partner.code

    @property
    def item_code(self) -> str:
        return self.item.code

    def price_at(self, qty: Decimal) -> Decimal | None:
        """The break with the highest minimum quantity not above ``qty``."""
        fitting = [b for b in self.price_breaks if b.min_qty <= qty]
        return max(fitting, key=lambda b: b.min_qty).unit_price if fitting else None


class PriceBreak(Audited, IdMixin, Base):
    __tablename__ = "erp_supplier_price_breaks"
    __table_args__ = (UniqueConstraint("supplier_item_id", "min_qty"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_supplier_items", self.supplier_item_id)

    supplier_item_id: Mapped[int] = mapped_column(
        ForeignKey("erp_supplier_items.id", ondelete="CASCADE"))
    min_qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class PriceBreakIn(Command):
    min_qty: NonNegQty = Decimal(0)
    unit_price: NonNegMoney


class SupplierItemIn(Command):
    supplier: Code
    item: Code
    supplier_code: str | None = Field(default=None, max_length=60)
    lead_time_days: int = Field(default=0, ge=0, le=3650)
    min_qty: NonNegQty = Decimal(0)
    preferred: bool = False
    price_breaks: list[PriceBreakIn] = Field(default_factory=list, max_length=100)


class SupplierItemPatch(Patch):
    supplier_code: str | None = Field(default=None, max_length=60)
    lead_time_days: int | None = Field(default=None, ge=0, le=3650)
    min_qty: NonNegQty | None = None
    preferred: bool | None = None
    price_breaks: list[PriceBreakIn] | None = Field(
        default=None, max_length=100, description="The complete new set of breaks.")


def _breaks(item: Item, breaks: list[PriceBreakIn]) -> list[PriceBreak]:
    errors = ErrorCollector()
    seen: set[Decimal] = set()
    for n, b in enumerate(breaks):
        if b.min_qty in seen:
            errors.add(f"price_breaks[{n}].min_qty", "unique",
                       f"two breaks start at {b.min_qty}")
        seen.add(b.min_qty)
        try:
            check_precision(b.min_qty, item.uom, f"price_breaks[{n}].min_qty")
        except ValidationFailed as exc:
            errors.issues.extend(exc.issues)
    errors.raise_if_any()
    return [PriceBreak(min_qty=b.min_qty, unit_price=b.unit_price)
            for b in sorted(breaks, key=lambda b: b.min_qty)]


def find_purchasable(uow: UnitOfWork, code: str, field: str) -> Item:
    """An item named in a purchasing command: it must exist and hold stock."""
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on(field, "exists", f"item {code!r} does not exist")
    if item.type in NOT_PURCHASABLE:
        raise ValidationFailed.on(field, "stockable",
                                  f"{code} is a {item.type.value} item; only stock items are "
                                  "bought on purchase orders")
    return item


def _clear_other_preferred(uow: UnitOfWork, si: SupplierItem) -> None:
    """One preferred supplier per item: marking one unmarks the others."""
    others = uow.session.scalars(select(SupplierItem).where(
        SupplierItem.item_id == si.item_id, SupplierItem.id != si.id,
        SupplierItem.preferred.is_(True)))
    for other in others:
        other.preferred = False


def get_supplier_item(uow: UnitOfWork, key: str) -> SupplierItem:
    """By id (the REST and web key)."""
    uow.actor.require(Permission.PURCHASING_READ)
    si = uow.session.get(SupplierItem, int(key)) if key.isdigit() else None
    if si is None:
        raise NotFound(f"supplier item {key!r} does not exist")
    return si


def supplier_item_for(uow: UnitOfWork, supplier_id: int, item_id: int) -> SupplierItem | None:
    return uow.session.scalar(select(SupplierItem).where(SupplierItem.partner_id == supplier_id,
                                                         SupplierItem.item_id == item_id))


def list_supplier_items(uow: UnitOfWork, page: PageRequest) -> Page[SupplierItem]:
    uow.actor.require(Permission.PURCHASING_READ)
    stmt = (select(SupplierItem).join(Partner, Partner.id == SupplierItem.partner_id)
            .join(Item, Item.id == SupplierItem.item_id))
    return paginate(uow.session, stmt, page,
                    search=[Partner.code, Item.code, Item.name, SupplierItem.supplier_code],
                    filterable={"supplier": Partner.code, "item": Item.code,
                                "preferred": SupplierItem.preferred},
                    order_by=[Item.code, Partner.code])


def create_supplier_item(uow: UnitOfWork, data: SupplierItemIn) -> SupplierItem:
    uow.actor.require(Permission.PURCHASING_WRITE)
    partner = find_partner(uow, data.supplier, "supplier", supplier=True)
    item = find_purchasable(uow, data.item, "item")
    check_precision(data.min_qty, item.uom, "min_qty")
    if supplier_item_for(uow, partner.id, item.id) is not None:
        raise Conflict(f"{partner.code} already supplies {item.code}; change that record")
    si = SupplierItem(partner=partner, item=item, supplier_code=data.supplier_code,
                      lead_time_days=data.lead_time_days, min_qty=data.min_qty,
                      preferred=data.preferred, price_breaks=_breaks(item, data.price_breaks))
    uow.session.add(si)
    uow.flush()
    if si.preferred:
        _clear_other_preferred(uow, si)
        uow.flush()
    return si


def update_supplier_item(uow: UnitOfWork, key: str, data: SupplierItemPatch) -> SupplierItem:
    uow.actor.require(Permission.PURCHASING_WRITE)
    si = get_supplier_item(uow, key)
    check_version(si, data.version)
    fields = data.model_dump(exclude_unset=True, exclude={"version", "price_breaks"})
    for name in ("lead_time_days", "min_qty", "preferred"):
        if name in fields and fields[name] is None:
            raise ValidationFailed.on(name, "required", "must not be empty")
    if "min_qty" in fields:
        check_precision(fields["min_qty"], si.item.uom, "min_qty")
    for name, value in fields.items():
        setattr(si, name, value)
    if data.price_breaks is not None:
        si.price_breaks.clear()
        uow.flush()  # the old breaks go before the new ones take their min_qty
        si.price_breaks.extend(_breaks(si.item, data.price_breaks))
        si.updated_at = utcnow()  # the header row is updated, so its version goes up
    if si.preferred:
        _clear_other_preferred(uow, si)
    uow.flush()
    return si


def delete_supplier_item(uow: UnitOfWork, key: str, version: int | None = None) -> None:
    uow.actor.require(Permission.PURCHASING_WRITE)
    si = get_supplier_item(uow, key)
    check_version(si, version)
    uow.session.delete(si)
    uow.flush()


def price_for(uow: UnitOfWork, supplier: str, item: str, qty: Decimal) -> Decimal | None:
    """The supplier's unit price for ``qty`` of ``item`` (None: no price on record)."""
    si = uow.session.scalar(
        select(SupplierItem).join(Partner, Partner.id == SupplierItem.partner_id)
        .join(Item, Item.id == SupplierItem.item_id)
        .where(Partner.code == supplier, Item.code == item))
    return si.price_at(qty) if si is not None else None
