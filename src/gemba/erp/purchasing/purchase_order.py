"""Purchase orders: what we ordered from a supplier, at which price, for when.

A PO is edited freely while draft; once confirmed only receipts and bills change it, and its
status follows from the quantities: partially_received -> received when every line has
arrived, billed once billing of a fully received order has started, closed when every received
unit is billed. A buyer may close an order early with a reason, or cancel it while nothing has
been received.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import Field
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    select,
)
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
from gemba.core.types import MONEY_PLACES, quantize, utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.uom import check_precision
from gemba.erp.partners.partner import Partner, find_partner
from gemba.erp.purchasing.supplier_item import find_purchasable, supplier_item_for

ZERO = Decimal(0)
SEQUENCE = "purchase_order"


class POStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    BILLED = "billed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Statuses in which goods may still arrive.
RECEIVABLE = frozenset({POStatus.CONFIRMED, POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED,
                        POStatus.BILLED})


class PurchaseOrder(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_purchase_orders"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[POStatus] = mapped_column(enum_column(POStatus), default=POStatus.DRAFT,
                                             index=True)
    receipt_tolerance_pct: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    partner: Mapped[Partner] = relationship(lazy="joined")
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin",
        order_by="PurchaseOrderLine.line_no")

    @property
    def supplier(self) -> str:
        return self.partner.code

    @property
    def supplier_name(self) -> str:
        return self.partner.name

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def line(self, line_no: int) -> PurchaseOrderLine | None:
        return next((x for x in self.lines if x.line_no == line_no), None)


class PurchaseOrderLine(Audited, IdMixin, Base):
    __tablename__ = "erp_purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_received >= 0 AND qty_billed >= 0 AND qty_billed <= qty_received",
                        name="billed_within_received"),
    )

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_purchase_orders", self.order_id)

    order_id: Mapped[int] = mapped_column(ForeignKey("erp_purchase_orders.id",
                                                     ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)  # in the item's base unit
    unit_price: Mapped[Decimal] = mapped_column(Money)
    expected_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    qty_received: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_billed: Mapped[Decimal] = mapped_column(Qty, default=ZERO)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def item_name(self) -> str:
        return self.item.name

    @property
    def uom_code(self) -> str:
        return self.item.uom.code

    @property
    def amount(self) -> Decimal:
        return quantize(self.qty * self.unit_price, MONEY_PLACES)

    @property
    def qty_open(self) -> Decimal:
        """Still to arrive (never negative: an accepted over-receipt leaves nothing open)."""
        return max(self.qty - self.qty_received, ZERO)

    @property
    def qty_to_bill(self) -> Decimal:
        return self.qty_received - self.qty_billed


# --- commands -----------------------------------------------------------------------------


class POLineIn(Command):
    line_no: int | None = Field(default=None, ge=1, le=9999,
                                description="Default: the previous line's number + 1.")
    item: Code
    qty: PosQty
    unit_price: NonNegMoney | None = Field(
        default=None, description="Default: the supplier's price break for the quantity.")
    expected_date: date | None = None


class PurchaseOrderIn(Command):
    supplier: Code
    order_date: date | None = None  # default: today
    expected_date: date | None = None
    receipt_tolerance_pct: Percent = ZERO
    notes: str | None = Field(default=None, max_length=1000)
    lines: list[POLineIn] = Field(min_length=1, max_length=500)


class PurchaseOrderPatch(Patch):
    """Header changes and, when given, the complete new set of lines (draft orders only)."""

    order_date: date | None = None
    expected_date: date | None = None
    receipt_tolerance_pct: Percent | None = None
    notes: str | None = Field(default=None, max_length=1000)
    lines: list[POLineIn] | None = Field(default=None, min_length=1, max_length=500)


class CloseIn(Command):
    reason: str = Field(min_length=1, max_length=200)
    version: int | None = Field(default=None, ge=1)


class CancelIn(Command):
    reason: str | None = Field(default=None, max_length=200)
    version: int | None = Field(default=None, ge=1)


# --- queries ------------------------------------------------------------------------------


def get_purchase_order(uow: UnitOfWork, number: str) -> PurchaseOrder:
    uow.actor.require(Permission.PURCHASING_READ)
    po = uow.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))
    if po is None:
        raise NotFound(f"purchase order {number!r} does not exist")
    return po


def lock_purchase_order(uow: UnitOfWork, number: str, field: str) -> PurchaseOrder:
    """The PO named in a receipt or bill, row-locked so two documents cannot both take the
    same open quantity; an unknown number is a 422 on ``field``."""
    po_id = uow.session.scalar(for_update(uow.session, select(PurchaseOrder.id).where(
        PurchaseOrder.number == number)))
    if po_id is None:
        raise ValidationFailed.on(field, "exists", f"purchase order {number!r} does not exist")
    po = uow.session.get(PurchaseOrder, po_id, populate_existing=True)
    assert po is not None
    return po


def list_purchase_orders(uow: UnitOfWork, page: PageRequest) -> Page[PurchaseOrder]:
    uow.actor.require(Permission.PURCHASING_READ)
    stmt = select(PurchaseOrder).join(Partner, Partner.id == PurchaseOrder.partner_id)
    return paginate(uow.session, stmt, page,
                    search=[PurchaseOrder.number, Partner.code, Partner.name],
                    filterable={"status": PurchaseOrder.status, "supplier": Partner.code},
                    order_by=[PurchaseOrder.id.desc()])


def purchase_order_history(uow: UnitOfWork, number: str) -> list[AuditEntry]:
    """The order's own changes and those of its lines, oldest first."""
    uow.actor.require(Permission.AUDIT_READ)
    return history(uow.session, PurchaseOrder.__tablename__, get_purchase_order(uow, number).id)


# --- status -------------------------------------------------------------------------------


def derive_status(po: PurchaseOrder) -> POStatus:
    """The status the quantities give a confirmed order."""
    received_all = all(x.qty_received >= x.qty for x in po.lines)
    received_any = any(x.qty_received > 0 for x in po.lines)
    billed_any = any(x.qty_billed > 0 for x in po.lines)
    billed_all = all(x.qty_billed >= x.qty_received for x in po.lines)
    if received_all and billed_all:
        return POStatus.CLOSED
    if received_all:
        return POStatus.BILLED if billed_any else POStatus.RECEIVED
    return POStatus.PARTIALLY_RECEIVED if received_any else POStatus.CONFIRMED


def refresh_status(po: PurchaseOrder) -> None:
    """After a receipt, a reversal or a bill. Draft, cancelled and manually closed orders keep
    their status."""
    if po.status in (POStatus.DRAFT, POStatus.CANCELLED):
        return
    if po.status == POStatus.CLOSED and po.close_reason:
        return
    new = derive_status(po)
    if new != po.status:
        po.status = new


# --- writes -------------------------------------------------------------------------------


def _build_lines(uow: UnitOfWork, partner: Partner, lines: Sequence[POLineIn],
                 order_date: date, expected: date | None) -> list[PurchaseOrderLine]:
    """Every line checked, all problems reported at once (``lines[n].field``)."""
    errors = ErrorCollector()
    out: list[PurchaseOrderLine] = []
    numbers: set[int] = set()
    previous = 0
    for n, line in enumerate(lines):
        f = f"lines[{n}]"
        line_no = line.line_no or previous + 1
        previous = line_no
        try:
            if line_no in numbers:
                raise ValidationFailed.on(f"{f}.line_no", "unique",
                                          f"line {line_no} appears twice")
            numbers.add(line_no)
            item = find_purchasable(uow, line.item, f"{f}.item")
            check_precision(line.qty, item.uom, f"{f}.qty")
            si = supplier_item_for(uow, partner.id, item.id)
            if si is not None and line.qty < si.min_qty:
                raise ValidationFailed.on(
                    f"{f}.qty", "min_qty",
                    f"{partner.code} sells {item.code} from {si.min_qty.normalize():f} "
                    f"{item.uom.code}; {line.qty.normalize():f} is below that minimum")
            price = line.unit_price
            if price is None and si is not None:
                price = si.price_at(line.qty)
            if price is None:
                raise ValidationFailed.on(
                    f"{f}.unit_price", "required",
                    f"no price of {partner.code} for {line.qty.normalize():f} {item.code} on "
                    "record; give a unit price")
            lead = si.lead_time_days if si is not None else item.lead_time_days
            due = line.expected_date or expected or order_date + timedelta(days=lead)
            out.append(PurchaseOrderLine(line_no=line_no, item=item, qty=line.qty,
                                         unit_price=price, expected_date=due,
                                         qty_received=ZERO, qty_billed=ZERO))
        except ValidationFailed as exc:
            errors.issues.extend(exc.issues)
    errors.raise_if_any()
    return out


def create_purchase_order(uow: UnitOfWork, data: PurchaseOrderIn) -> PurchaseOrder:
    """A draft order; line prices default from the supplier's price breaks."""
    uow.actor.require(Permission.PURCHASING_WRITE)
    partner = find_partner(uow, data.supplier, "supplier", supplier=True)
    order_date = data.order_date or utcnow().date()
    lines = _build_lines(uow, partner, data.lines, order_date, data.expected_date)
    po = PurchaseOrder(number=next_number(uow.session, SEQUENCE), partner=partner,
                       order_date=order_date,
                       expected_date=data.expected_date or max(
                           (x.expected_date for x in lines if x.expected_date), default=None),
                       status=POStatus.DRAFT, receipt_tolerance_pct=data.receipt_tolerance_pct,
                       notes=data.notes, lines=lines)
    uow.session.add(po)
    uow.flush()
    return po


def _for_write(uow: UnitOfWork, number: str, version: int | None) -> PurchaseOrder:
    uow.actor.require(Permission.PURCHASING_WRITE)
    po = get_purchase_order(uow, number)
    check_version(po, version)
    return po


def update_purchase_order(uow: UnitOfWork, number: str,
                          data: PurchaseOrderPatch) -> PurchaseOrder:
    po = _for_write(uow, number, data.version)
    if po.status != POStatus.DRAFT:
        raise Conflict(f"{number} is {po.status.value}; only a draft order can be changed")
    fields = data.model_dump(exclude_unset=True, exclude={"version", "lines"})
    for name in ("order_date", "receipt_tolerance_pct"):
        if name in fields and fields[name] is None:
            raise ValidationFailed.on(name, "required", "must not be empty")
    if data.lines is not None:
        lines = _build_lines(uow, po.partner, data.lines,
                             fields.get("order_date", po.order_date),
                             fields.get("expected_date", po.expected_date))
        po.lines.clear()
        uow.flush()  # the old lines go before the new ones take their numbers
        po.lines.extend(lines)
    for name, value in fields.items():
        setattr(po, name, value)
    po.updated_at = utcnow()  # line changes bump the order's version too
    uow.flush()
    return po


def confirm_purchase_order(uow: UnitOfWork, number: str,
                           version: int | None = None) -> PurchaseOrder:
    """Send it: from now on goods can be received against it and it can no longer change."""
    po = _for_write(uow, number, version)
    if po.status != POStatus.DRAFT:
        raise Conflict(f"{number} is {po.status.value}; only a draft order can be confirmed")
    find_partner(uow, po.partner.code, "supplier", supplier=True)
    po.status = POStatus.CONFIRMED
    uow.flush()
    return po


def cancel_purchase_order(uow: UnitOfWork, number: str,
                          data: CancelIn | None = None) -> PurchaseOrder:
    data = data or CancelIn()
    po = _for_write(uow, number, data.version)
    if po.status not in (POStatus.DRAFT, POStatus.CONFIRMED):
        raise Conflict(f"{number} is {po.status.value}; only a draft or confirmed order with "
                       "nothing received can be cancelled")
    if any(x.qty_received > 0 for x in po.lines):
        raise Conflict(f"goods were received against {number}; reverse the receipts or "
                       "close the order instead")
    po.status = POStatus.CANCELLED
    po.close_reason = data.reason
    uow.flush()
    return po


def close_purchase_order(uow: UnitOfWork, number: str, data: CloseIn) -> PurchaseOrder:
    """Close early (the rest will not come): no more receipts; received goods may still be
    billed."""
    po = _for_write(uow, number, data.version)
    if po.status in (POStatus.DRAFT, POStatus.CANCELLED, POStatus.CLOSED):
        hint = "; cancel a draft instead" if po.status == POStatus.DRAFT else ""
        raise Conflict(f"{number} is {po.status.value} and cannot be closed{hint}")
    po.status = POStatus.CLOSED
    po.close_reason = data.reason
    uow.flush()
    return po
