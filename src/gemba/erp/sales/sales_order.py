"""Quotations and sales orders: quotation/draft -> confirmed -> (partially) delivered ->
invoiced, or cancelled.

A quotation is an order in status ``quotation`` (same numbers). Confirming reserves stock for
every line (as much as is free, FEFO) under the document reference ``<SO>/<line no>``, so
deliveries take what was promised; cancelling releases it. Deliveries and invoices move the
line quantities and, through ``refresh_status``, the order's status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, field_validator
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited, AuditEntry
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, NonNegMoney, Patch, Percent, PosQty
from gemba.core.db.base import (
    Base,
    IdMixin,
    Money,
    Qty,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from gemba.core.db.dialect import for_update
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import quantize, utcnow
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.uom import check_precision
from gemba.erp.inventory.location import Locations
from gemba.erp.inventory.reservation import release, reserve, reserved_for
from gemba.erp.partners.partner import Partner, find_partner
from gemba.erp.sales.price_list import (
    PriceList,
    customer_price_list,
    find_price_list,
    price_for,
)

SEQUENCE = "sales_order"
SHIP_FROM = Locations.STOCK  # where orders reserve and deliveries pick
ZERO = Decimal(0)
CENT = 2


def cents(value: Decimal) -> Decimal:
    """Document amounts are rounded to the cent, half-up, line by line."""
    return quantize(value, CENT)


class SalesOrderStatus(StrEnum):
    QUOTATION = "quotation"
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


S = SalesOrderStatus
EDITABLE = frozenset({S.QUOTATION, S.DRAFT})
OPEN = frozenset({S.CONFIRMED, S.PARTIALLY_DELIVERED})  # may still be delivered
STOCKABLE = frozenset({ItemType.PURCHASED, ItemType.MANUFACTURED})


class SalesOrder(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_sales_orders"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date, index=True)
    requested_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[SalesOrderStatus] = mapped_column(enum_column(SalesOrderStatus),
                                                     default=S.DRAFT, index=True)
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("erp_price_lists.id"),
                                                      nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    tax_pct: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    customer_ref: Mapped[str | None] = mapped_column(String(60), nullable=True)

    customer: Mapped[Partner] = relationship(lazy="joined")
    price_list: Mapped[PriceList | None] = relationship(lazy="joined")
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin",
        order_by="SalesOrderLine.line_no")

    @property
    def customer_code(self) -> str:
        return self.customer.code

    @property
    def customer_name(self) -> str:
        return self.customer.name

    @property
    def price_list_code(self) -> str | None:
        return self.price_list.code if self.price_list else None

    @property
    def net_amount(self) -> Decimal:
        return sum((ln.net_amount for ln in self.lines), ZERO)

    @property
    def tax_amount(self) -> Decimal:
        return cents(self.net_amount * self.tax_pct / 100)

    @property
    def total(self) -> Decimal:
        return self.net_amount + self.tax_amount

    def line(self, line_no: int) -> SalesOrderLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


class SalesOrderLine(Audited, IdMixin, Base):
    __tablename__ = "erp_sales_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("qty > 0 AND qty_delivered >= 0 AND qty_delivered <= qty "
                        "AND qty_invoiced >= 0 AND qty_invoiced <= qty_delivered "
                        "AND qty_returned >= 0 AND qty_returned <= qty_delivered",
                        name="quantities_within_ordered"),
    )

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_sales_orders", self.order_id)

    order_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_orders.id", ondelete="CASCADE"),
                                          index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    requested_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    qty_delivered: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_invoiced: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_returned: Mapped[Decimal] = mapped_column(Qty, default=ZERO)

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def item_name(self) -> str:
        return self.item.name

    @property
    def doc_ref(self) -> str:
        """The reservation reference of this line."""
        return f"{self.order.number}/{self.line_no}"

    @property
    def qty_open(self) -> Decimal:
        """Still to deliver."""
        return max(self.qty - self.qty_delivered, ZERO)

    @property
    def qty_to_invoice(self) -> Decimal:
        return max(self.qty_delivered - self.qty_invoiced, ZERO)

    @property
    def net_amount(self) -> Decimal:
        return cents(self.qty * self.unit_price)

    def due_on(self) -> date:
        """When the customer wants this line: its own date, else the order's."""
        return self.requested_date or self.order.requested_date or self.order.order_date


# --- commands -----------------------------------------------------------------------------


class SalesOrderLineIn(Command):
    line_no: int | None = Field(default=None, ge=1, le=99999)  # default: previous + 10
    item: Code
    qty: PosQty
    unit_price: NonNegMoney | None = None  # default: from the order's price list
    requested_date: date | None = None


class SalesOrderIn(Command):
    customer: Code
    status: SalesOrderStatus = S.DRAFT
    order_date: date | None = None  # default: today
    requested_date: date | None = None
    price_list: Code | None = None  # default: the customer's default price list
    tax_pct: Percent = ZERO
    customer_ref: str | None = Field(default=None, max_length=60)
    lines: list[SalesOrderLineIn] = Field(min_length=1, max_length=2000)

    @field_validator("status")
    @classmethod
    def _new_status(cls, value: SalesOrderStatus) -> SalesOrderStatus:
        if value not in EDITABLE:
            raise ValueError("a new order is a quotation or a draft; confirm it afterwards")
        return value


class SalesOrderPatch(Patch):
    """Changes to a quotation or draft; ``lines`` given: the complete new set of lines."""

    requested_date: date | None = None
    price_list: Code | None = None
    tax_pct: Percent | None = None
    customer_ref: str | None = Field(default=None, max_length=60)
    lines: list[SalesOrderLineIn] | None = Field(default=None, min_length=1, max_length=2000)


# --- queries ------------------------------------------------------------------------------


def get_sales_order(uow: UnitOfWork, number: str) -> SalesOrder:
    uow.actor.require(Permission.SALES_READ)
    order = uow.session.scalar(select(SalesOrder).where(SalesOrder.number == number))
    if order is None:
        raise NotFound(f"sales order {number!r} does not exist")
    return order


def order_for_update(uow: UnitOfWork, number: str, field: str | None = None) -> SalesOrder:
    """The order, row-locked (PostgreSQL) and re-read: deliveries and invoices of one order
    queue instead of both passing the quantity checks. ``field``: unknown is a 422 on it."""
    order = uow.session.scalar(for_update(uow.session, select(SalesOrder).where(
        SalesOrder.number == number), of=SalesOrder).execution_options(populate_existing=True))
    if order is None:
        if field:
            raise ValidationFailed.on(field, "exists", f"sales order {number!r} does not exist")
        raise NotFound(f"sales order {number!r} does not exist")
    return order


def list_sales_orders(uow: UnitOfWork, page: PageRequest) -> Page[SalesOrder]:
    """Filters: status, customer (code)."""
    uow.actor.require(Permission.SALES_READ)
    stmt = select(SalesOrder).join(Partner, Partner.id == SalesOrder.customer_id)
    return paginate(uow.session, stmt, page,
                    search=[SalesOrder.number, Partner.code, Partner.name,
                            SalesOrder.customer_ref],
                    filterable={"status": SalesOrder.status, "customer": Partner.code},
                    order_by=[SalesOrder.id.desc()])


def open_lines_for_item(uow: UnitOfWork, item_id: int) -> list[SalesOrderLine]:
    """Lines of confirmed, not fully delivered orders for an item (the committed demand)."""
    return list(uow.session.scalars(
        select(SalesOrderLine).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrderLine.item_id == item_id, SalesOrder.status.in_(list(OPEN)),
               SalesOrderLine.qty_delivered < SalesOrderLine.qty)))


def reservations(uow: UnitOfWork, order: SalesOrder) -> list[tuple[int, str, str | None,
                                                                   Decimal]]:
    """(line no, location, lot, qty) reserved for the order's lines."""
    return [(ln.line_no, loc, lot, qty) for ln in order.lines
            for loc, lot, qty in reserved_for(uow, ln.doc_ref)]


def sales_order_history(uow: UnitOfWork, number: str) -> list[AuditEntry]:
    uow.actor.require(Permission.AUDIT_READ)
    return history(uow.session, SalesOrder.__tablename__, get_sales_order(uow, number).id)


# --- creating and editing -----------------------------------------------------------------


def _resolve_lines(uow: UnitOfWork, lines: Sequence[SalesOrderLineIn],
                   price_list: PriceList | None, day: date) -> list[SalesOrderLine]:
    """Check every line (all problems at once); prices default from the price list."""
    codes = {line.item for line in lines}
    items = {i.code: i for i in uow.session.scalars(select(Item).where(Item.code.in_(codes)))}
    errors = ErrorCollector()
    out: list[SalesOrderLine] = []
    seen: set[int] = set()
    last = 0
    for n, line in enumerate(lines):
        f = f"lines[{n}]"
        line_no = line.line_no if line.line_no is not None else last + 10
        last = line_no
        if line_no in seen:
            errors.add(f"{f}.line_no", "unique", f"line number {line_no} is used twice")
        seen.add(line_no)
        item = items.get(line.item)
        if item is None:
            errors.add(f"{f}.item", "exists", f"item {line.item!r} does not exist")
            continue
        if item.type not in STOCKABLE:
            errors.add(f"{f}.item", "stockable",
                       f"{item.code} is a {item.type.value} item; orders sell stock items")
            continue
        try:
            check_precision(line.qty, item.uom, f"{f}.qty")
        except ValidationFailed as exc:
            errors.issues.extend(exc.issues)
        price = line.unit_price
        if price is None and price_list is not None:
            price = price_for(uow, price_list.code, item.code, line.qty,
                              line.requested_date or day)
        if price is None:
            where = (f"in price list {price_list.code} on {line.requested_date or day}"
                     if price_list else "(the order has no price list)")
            errors.add(f"{f}.unit_price", "price_required",
                       f"no price for {item.code} {where}; give a unit price")
            continue
        out.append(SalesOrderLine(line_no=line_no, item=item, qty=line.qty, unit_price=price,
                                  requested_date=line.requested_date, qty_delivered=ZERO,
                                  qty_invoiced=ZERO, qty_returned=ZERO))
    errors.raise_if_any()
    return out


def create_sales_order(uow: UnitOfWork, data: SalesOrderIn) -> SalesOrder:
    """A quotation or a draft order; nothing is reserved before it is confirmed."""
    uow.actor.require(Permission.SALES_WRITE)
    customer = find_partner(uow, data.customer, "customer", customer=True)
    price_list = (find_price_list(uow, data.price_list) if data.price_list
                  else customer_price_list(uow, customer.id))
    order_date = data.order_date or utcnow().date()
    if data.requested_date and data.requested_date < order_date:
        raise ValidationFailed.on("requested_date", "not_before_order_date",
                                  "must not be before the order date")
    lines = _resolve_lines(uow, data.lines, price_list, data.requested_date or order_date)
    order = SalesOrder(number=next_number(uow.session, SEQUENCE), customer=customer,
                       order_date=order_date, requested_date=data.requested_date,
                       status=data.status, price_list=price_list,
                       currency=price_list.currency if price_list else "EUR",
                       tax_pct=data.tax_pct, customer_ref=data.customer_ref)
    order.lines = lines
    uow.session.add(order)
    uow.flush()
    return order


def update_sales_order(uow: UnitOfWork, number: str, data: SalesOrderPatch) -> SalesOrder:
    """Only quotations and drafts change; a confirmed order is cancelled and re-entered."""
    uow.actor.require(Permission.SALES_WRITE)
    order = get_sales_order(uow, number)
    check_version(order, data.version)
    if order.status not in EDITABLE:
        raise Conflict(f"sales order {number} is {order.status.value}; only quotations and "
                       "drafts can be changed")
    changes = data.model_dump(exclude_unset=True, exclude={"version", "lines"})
    if "tax_pct" in changes and changes["tax_pct"] is None:
        raise ValidationFailed.on("tax_pct", "required", "must not be empty")
    if "price_list" in changes:
        code = changes.pop("price_list")
        order.price_list = find_price_list(uow, code) if code else None
        if order.price_list:
            order.currency = order.price_list.currency
    if changes.get("requested_date") and changes["requested_date"] < order.order_date:
        raise ValidationFailed.on("requested_date", "not_before_order_date",
                                  "must not be before the order date")
    for key, value in changes.items():
        setattr(order, key, value)
    if data.lines is not None:
        new = _resolve_lines(uow, data.lines, order.price_list,
                             order.requested_date or order.order_date)
        old = {ln.line_no: ln for ln in order.lines}
        kept = []
        for line in new:
            match = old.pop(line.line_no, None)
            if match is None:
                kept.append(line)
                continue
            for attr in ("qty", "unit_price", "requested_date"):
                if getattr(match, attr) != getattr(line, attr):
                    setattr(match, attr, getattr(line, attr))
            if match.item_id != line.item.id:  # set the column too: the audit trail reads it
                match.item_id, match.item = line.item.id, line.item
            kept.append(match)
        order.lines = kept
        order.updated_at = utcnow()  # the header row is updated: its version goes up
    uow.flush()
    order.lines.sort(key=lambda ln: ln.line_no)
    return order


# --- confirming and cancelling ------------------------------------------------------------


def confirm_sales_order(uow: UnitOfWork, number: str, version: int | None = None,
                        day: date | None = None) -> SalesOrder:
    """Quotation/draft -> confirmed, reserving what is free for every line (partial
    reservations are fine: ATP says when the rest can come)."""
    uow.actor.require(Permission.SALES_WRITE)
    order = order_for_update(uow, number)
    check_version(order, version)
    if order.status not in EDITABLE:
        raise Conflict(f"sales order {number} is {order.status.value}; only quotations and "
                       "drafts can be confirmed")
    day = day or utcnow().date()
    order.status = S.CONFIRMED
    uow.flush()
    for line in order.lines:
        reserve_open_qty(uow, line, day)
    return order


def reserve_open_qty(uow: UnitOfWork, line: SalesOrderLine, day: date) -> Decimal:
    """Reserve what is free of the line's undelivered quantity, in lots still good on the
    day it is wanted."""
    if line.qty_open <= 0:
        return ZERO
    return reserve(uow, line.item.code, line.qty_open, line.doc_ref, location=SHIP_FROM,
                   day=max(day, line.due_on()), partial=True)


def cancel_sales_order(uow: UnitOfWork, number: str, version: int | None = None) -> SalesOrder:
    """Cancel an order nothing was delivered of; its reservations are released."""
    uow.actor.require(Permission.SALES_WRITE)
    order = order_for_update(uow, number)
    check_version(order, version)
    if order.status in (S.CANCELLED, S.INVOICED, S.DELIVERED):
        raise Conflict(f"sales order {number} is {order.status.value} and cannot be cancelled")
    if any(ln.qty_delivered > 0 for ln in order.lines):
        raise Conflict(f"sales order {number} is partly delivered; it cannot be cancelled "
                       "(return the goods or close the remaining lines instead)")
    for line in order.lines:
        release(uow, line.doc_ref)
    order.status = S.CANCELLED
    uow.flush()
    return order


def refresh_status(order: SalesOrder) -> None:
    """Status from the line quantities, after a delivery or an invoice."""
    if order.status in (S.CANCELLED, *EDITABLE):
        return
    delivered = all(ln.qty_delivered >= ln.qty for ln in order.lines)
    invoiced = all(ln.qty_invoiced >= ln.qty for ln in order.lines)
    if delivered and invoiced:
        status = S.INVOICED
    elif delivered:
        status = S.DELIVERED
    elif any(ln.qty_delivered > 0 for ln in order.lines):
        status = S.PARTIALLY_DELIVERED
    else:
        status = S.CONFIRMED
    if order.status != status:
        order.status = status

