"""Price lists: unit prices per item with quantity breaks, valid between two dates.

An order line without an explicit price takes it from the order's price list (the customer's
default one unless the order names another): the line of the item with the largest
``min_qty`` not above the ordered quantity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, NonNegMoney, NonNegQty, Patch
from gemba.core.db.base import Base, IdMixin, Money, Qty, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.uom import check_precision
from gemba.erp.partners.partner import Partner, find_partner

ZERO = Decimal(0)
Currency = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class PriceList(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_price_lists"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    lines: Mapped[list[PriceListLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by="(PriceListLine.item_id, PriceListLine.min_qty)")

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


class PriceListLine(Audited, IdMixin, Base):
    __tablename__ = "erp_price_list_lines"
    __table_args__ = (UniqueConstraint("price_list_id", "item_id", "min_qty"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_price_lists", self.price_list_id)

    price_list_id: Mapped[int] = mapped_column(ForeignKey("erp_price_lists.id",
                                                          ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    min_qty: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code


class CustomerPriceList(Audited, IdMixin, Base):
    """A customer's default price list (a table of its own: partners belong to the core)."""

    __tablename__ = "erp_customer_price_lists"

    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), unique=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("erp_price_lists.id"), index=True)

    partner: Mapped[Partner] = relationship(lazy="joined")
    price_list: Mapped[PriceList] = relationship(lazy="joined")


# --- commands -----------------------------------------------------------------------------


class PriceListLineIn(Command):
    item: Code
    min_qty: NonNegQty = ZERO
    unit_price: NonNegMoney


class _Validity(Command):
    valid_from: date | None = None
    valid_to: date | None = None

    @field_validator("valid_to")
    @classmethod
    def _dates(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before valid_from")
        return value


class PriceListIn(_Validity):
    code: Code
    name: Name
    currency: str = Currency
    lines: list[PriceListLineIn] = Field(default_factory=list, max_length=5000)


class PriceListPatch(Patch):
    """Header changes; ``lines`` given: the complete new set of lines."""

    name: Name | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    valid_from: date | None = None
    valid_to: date | None = None
    lines: list[PriceListLineIn] | None = Field(default=None, max_length=5000)


class CustomerPriceListIn(Command):
    price_list: Code | None = None  # None: the customer has no default price list


# --- queries ------------------------------------------------------------------------------


def get_price_list(uow: UnitOfWork, code: str) -> PriceList:
    uow.actor.require(Permission.SALES_READ)
    price_list = uow.session.scalar(select(PriceList).where(PriceList.code == code))
    if price_list is None:
        raise NotFound(f"price list {code!r} does not exist")
    return price_list


def find_price_list(uow: UnitOfWork, code: str, field: str = "price_list") -> PriceList:
    price_list = uow.session.scalar(select(PriceList).where(PriceList.code == code))
    if price_list is None:
        raise ValidationFailed.on(field, "exists", f"price list {code!r} does not exist")
    return price_list


def list_price_lists(uow: UnitOfWork, page: PageRequest) -> Page[PriceList]:
    uow.actor.require(Permission.SALES_READ)
    return paginate(uow.session, select(PriceList), page,
                    search=[PriceList.code, PriceList.name],
                    filterable={"code": PriceList.code, "currency": PriceList.currency},
                    order_by=[PriceList.code])


def price_for(uow: UnitOfWork, price_list_code: str, item: str, qty: Decimal,
              day: date) -> Decimal | None:
    """The unit price of ``qty`` of ``item`` on ``day``: the line with the largest minimum
    quantity not above ``qty``; None when the list is not valid then or has no such line."""
    price_list = uow.session.scalar(select(PriceList).where(PriceList.code == price_list_code))
    if price_list is None or not price_list.valid_on(day):
        return None
    row = uow.session.scalar(
        select(PriceListLine.unit_price).join(Item, Item.id == PriceListLine.item_id)
        .where(PriceListLine.price_list_id == price_list.id, Item.code == item,
               PriceListLine.min_qty <= qty)
        .order_by(PriceListLine.min_qty.desc()).limit(1))
    return None if row is None else Decimal(row)


def customer_price_list(uow: UnitOfWork, partner_id: int) -> PriceList | None:
    link = uow.session.scalar(select(CustomerPriceList).where(
        CustomerPriceList.partner_id == partner_id))
    return link.price_list if link else None


# --- changes ------------------------------------------------------------------------------


def _resolve_lines(uow: UnitOfWork, lines: Sequence[PriceListLineIn]) -> list[PriceListLine]:
    """Every line checked, all problems reported at once."""
    codes = {line.item for line in lines}
    items = {i.code: i for i in uow.session.scalars(select(Item).where(Item.code.in_(codes)))}
    errors = ErrorCollector()
    seen: set[tuple[str, Decimal]] = set()
    out = []
    for n, line in enumerate(lines):
        item = items.get(line.item)
        if item is None:
            errors.add(f"lines[{n}].item", "exists", f"item {line.item!r} does not exist")
            continue
        key = (item.code, line.min_qty.normalize())
        if key in seen:
            errors.add(f"lines[{n}].min_qty", "unique",
                       f"{item.code} has two prices from quantity {line.min_qty.normalize():f}")
        seen.add(key)
        try:
            check_precision(line.min_qty, item.uom, f"lines[{n}].min_qty")
        except ValidationFailed as exc:
            errors.issues.extend(exc.issues)
        out.append(PriceListLine(item=item, min_qty=line.min_qty, unit_price=line.unit_price))
    errors.raise_if_any()
    return out


def create_price_list(uow: UnitOfWork, data: PriceListIn) -> PriceList:
    uow.actor.require(Permission.SALES_WRITE)
    if uow.session.scalar(select(PriceList.id).where(PriceList.code == data.code)):
        raise Conflict(f"price list {data.code!r} already exists")
    lines = _resolve_lines(uow, data.lines)
    price_list = PriceList(code=data.code, name=data.name, currency=data.currency,
                           valid_from=data.valid_from, valid_to=data.valid_to)
    price_list.lines = lines
    uow.session.add(price_list)
    uow.flush()
    return price_list


def update_price_list(uow: UnitOfWork, code: str, data: PriceListPatch) -> PriceList:
    uow.actor.require(Permission.SALES_WRITE)
    price_list = get_price_list(uow, code)
    check_version(price_list, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "lines"})
    for field in ("name", "currency"):
        if field in changes and changes[field] is None:
            raise ValidationFailed.on(field, "required", "must not be empty")
    start = changes.get("valid_from", price_list.valid_from)
    end = changes.get("valid_to", price_list.valid_to)
    if start is not None and end is not None and end < start:
        raise ValidationFailed.on("valid_to", "after_valid_from", "must not be before valid_from")
    for key, value in changes.items():
        setattr(price_list, key, value)
    if data.lines is not None:
        new = _resolve_lines(uow, data.lines)
        old = {(ln.item_id, ln.min_qty.normalize()): ln for ln in price_list.lines}
        kept = []
        for line in new:
            match = old.pop((line.item.id, line.min_qty.normalize()), None)
            if match is None:
                kept.append(line)
                continue
            if match.unit_price != line.unit_price:
                match.unit_price = line.unit_price
            kept.append(match)
        price_list.lines = kept
        price_list.updated_at = utcnow()  # the header row is updated: its version goes up
    uow.flush()
    return price_list


def delete_price_list(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    """Only a price list nothing refers to: no order, no customer default."""
    from gemba.erp.sales.sales_order import SalesOrder  # it imports this module

    uow.actor.require(Permission.SALES_WRITE)
    price_list = get_price_list(uow, code)
    check_version(price_list, version)
    if uow.session.scalar(select(SalesOrder.id).where(
            SalesOrder.price_list_id == price_list.id).limit(1)):
        raise Conflict(f"price list {code!r} is used by sales orders; set its valid_to instead")
    if uow.session.scalar(select(CustomerPriceList.id).where(
            CustomerPriceList.price_list_id == price_list.id).limit(1)):
        raise Conflict(f"price list {code!r} is a customer's default price list")
    uow.session.delete(price_list)
    uow.flush()


def set_customer_price_list(uow: UnitOfWork, customer: str,
                            data: CustomerPriceListIn) -> PriceList | None:
    """Give a customer a default price list (or none)."""
    uow.actor.require(Permission.SALES_WRITE)
    partner = find_partner(uow, customer, "customer", customer=True)
    link = uow.session.scalar(select(CustomerPriceList).where(
        CustomerPriceList.partner_id == partner.id))
    if data.price_list is None:
        if link is not None:
            uow.session.delete(link)
            uow.flush()
        return None
    price_list = find_price_list(uow, data.price_list)
    if link is None:
        uow.session.add(CustomerPriceList(partner_id=partner.id, price_list_id=price_list.id))
    elif link.price_list_id != price_list.id:
        link.price_list_id = price_list.id
    uow.flush()
    return price_list


def get_customer_price_list(uow: UnitOfWork, customer: str) -> PriceList | None:
    uow.actor.require(Permission.SALES_READ)
    partner = find_partner(uow, customer, "customer", customer=True)
    return customer_price_list(uow, partner.id)
