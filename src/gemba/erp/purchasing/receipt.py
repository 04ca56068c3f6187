"""Goods receipts: what arrived against a purchase order, into which location, in which lots.

A receipt is one stock document: its moves come from the SUPPLIER location at the PO price
(so GRNI is credited with what we owe and lots are created with their expiry) and it updates
the PO lines' received quantities in the same transaction. More than ordered is accepted only
within the order's tolerance. A receipt is undone by ``reverse_receipt``, never edited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import Boolean, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, PosQty
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Tracking
from gemba.erp.inventory.ledger import MoveIn, post_moves, reverse_moves
from gemba.erp.inventory.location import Location, LocationKind, Locations, find_location
from gemba.erp.purchasing.purchase_order import (
    RECEIVABLE,
    PurchaseOrder,
    PurchaseOrderLine,
    lock_purchase_order,
    refresh_status,
)

ZERO = Decimal(0)
SEQUENCE = "goods_receipt"
LotCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class GoodsReceipt(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_goods_receipts"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_purchase_orders.id"), index=True)
    receipt_date: Mapped[dt.date] = mapped_column(Date)
    location_id: Mapped[int] = mapped_column(ForeignKey("erp_locations.id"))
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    reversal_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    order: Mapped[PurchaseOrder] = relationship(lazy="joined")
    location: Mapped[Location] = relationship(lazy="joined")
    lines: Mapped[list[GoodsReceiptLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="GoodsReceiptLine.id")

    @property
    def order_number(self) -> str:
        return self.order.number

    @property
    def location_code(self) -> str:
        return self.location.code


class GoodsReceiptLine(Audited, IdMixin, Base):
    """One move of the receipt: a serial item received as three serials is three lines."""

    __tablename__ = "erp_goods_receipt_lines"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_goods_receipts", self.receipt_id)

    receipt_id: Mapped[int] = mapped_column(ForeignKey("erp_goods_receipts.id",
                                                       ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("erp_purchase_order_lines.id"),
                                               index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    lot: Mapped[str | None] = mapped_column(String(60), nullable=True)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    supplier_lot: Mapped[str | None] = mapped_column(String(60), nullable=True)

    order_line: Mapped[PurchaseOrderLine] = relationship(lazy="joined")

    @property
    def po_line(self) -> int:
        return self.order_line.line_no

    @property
    def item_code(self) -> str:
        return self.order_line.item.code


# --- commands -----------------------------------------------------------------------------


class ReceiptLineIn(Command):
    po_line: int = Field(ge=1, description="The purchase order line number.")
    qty: PosQty
    lot: LotCode | None = Field(default=None, description="Lot-tracked items.")
    expiry_date: dt.date | None = Field(
        default=None, description="A new lot's expiry (default: the item's shelf life).")
    supplier_lot: str | None = Field(default=None, max_length=60)
    serials: list[Code] = Field(default_factory=list, max_length=1000,
                                description="Serialised items: one serial number per unit.")


class ReceiptIn(Command):
    order: Code
    date: dt.date | None = None  # default: today
    location: Code = Locations.STOCK
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)


class ReverseIn(Command):
    reason: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None


# --- queries ------------------------------------------------------------------------------


def get_receipt(uow: UnitOfWork, number: str) -> GoodsReceipt:
    uow.actor.require(Permission.PURCHASING_READ)
    receipt = uow.session.scalar(select(GoodsReceipt).where(GoodsReceipt.number == number))
    if receipt is None:
        raise NotFound(f"goods receipt {number!r} does not exist")
    return receipt


def list_receipts(uow: UnitOfWork, page: PageRequest) -> Page[GoodsReceipt]:
    uow.actor.require(Permission.PURCHASING_READ)
    stmt = select(GoodsReceipt).join(PurchaseOrder, PurchaseOrder.id == GoodsReceipt.order_id)
    return paginate(uow.session, stmt, page, search=[GoodsReceipt.number, PurchaseOrder.number],
                    filterable={"order": PurchaseOrder.number,
                                "reversed": GoodsReceipt.reversed},
                    order_by=[GoodsReceipt.id.desc()])


def receipts_of(uow: UnitOfWork, order: PurchaseOrder) -> list[GoodsReceipt]:
    uow.actor.require(Permission.PURCHASING_READ)
    return list(uow.session.scalars(select(GoodsReceipt).where(
        GoodsReceipt.order_id == order.id).order_by(GoodsReceipt.id)))


# --- receive ------------------------------------------------------------------------------


def _plain(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def _moves_of(n: int, line: ReceiptLineIn, po_line: PurchaseOrderLine
              ) -> list[tuple[MoveIn, str]]:
    """The moves for one receipt line, each with the receipt field its lot came from."""
    f = f"lines[{n}]"
    item = po_line.item
    if item.tracking == Tracking.SERIAL:
        if line.lot:
            raise ValidationFailed.on(f"{f}.lot", "not_lot_tracked",
                                      f"{item.code} is serialised: give serials, not a lot")
        if Decimal(len(line.serials)) != line.qty:
            raise ValidationFailed.on(f"{f}.serials", "one_per_unit",
                                      f"{_plain(line.qty)} {item.code} need "
                                      f"{_plain(line.qty)} serial numbers, "
                                      f"{len(line.serials)} given")
        dupes = sorted({s for s in line.serials if line.serials.count(s) > 1})
        if dupes:
            raise ValidationFailed.on(f"{f}.serials", "unique_serial",
                                      f"serial number {dupes[0]} appears twice")
        return [(MoveIn(item.code, Decimal(1), "", "", lot=s, unit_cost=po_line.unit_price,
                        expiry_date=line.expiry_date, supplier_lot=line.supplier_lot),
                 f"{f}.serials") for s in line.serials]
    if line.serials:
        raise ValidationFailed.on(f"{f}.serials", "not_serialised",
                                  f"{item.code} is not serialised")
    if item.tracking == Tracking.LOT and not line.lot:
        raise ValidationFailed.on(f"{f}.lot", "required", f"{item.code} needs a lot")
    if item.tracking == Tracking.NONE and (line.lot or line.expiry_date or line.supplier_lot):
        raise ValidationFailed.on(f"{f}.lot", "not_tracked",
                                  f"{item.code} is not tracked by lot or serial")
    return [(MoveIn(item.code, line.qty, "", "", lot=line.lot, unit_cost=po_line.unit_price,
                    expiry_date=line.expiry_date, supplier_lot=line.supplier_lot),
             f"{f}.lot")]


def _check_tolerance(po: PurchaseOrder, data: ReceiptIn,
                     lines: list[PurchaseOrderLine]) -> None:
    """Received in total (before + this receipt) may exceed ordered by the tolerance only."""
    running: dict[int, Decimal] = defaultdict(lambda: ZERO)
    factor = 1 + po.receipt_tolerance_pct / 100
    for n, (line, po_line) in enumerate(zip(data.lines, lines, strict=True)):
        running[po_line.id] += line.qty
        total = po_line.qty_received + running[po_line.id]
        limit = po_line.qty * factor
        if total > limit:
            tol = (f"the {_plain(po.receipt_tolerance_pct)}% tolerance allows "
                   f"{_plain(limit)}" if po.receipt_tolerance_pct else "no over-receipt is "
                   "allowed on this order")
            raise ValidationFailed.on(
                f"lines[{n}].qty", "within_tolerance",
                f"line {po_line.line_no} ordered {_plain(po_line.qty)}, "
                f"{_plain(po_line.qty_received)} already received: receiving "
                f"{_plain(running[po_line.id])} more makes {_plain(total)}; {tol}")


def receive(uow: UnitOfWork, data: ReceiptIn) -> GoodsReceipt:
    """Book goods in against a confirmed PO: moves, lots, GRNI, received quantities."""
    uow.actor.require(Permission.PURCHASING_WRITE)
    po = lock_purchase_order(uow, data.order, "order")
    if po.status not in RECEIVABLE:
        raise Conflict(f"{po.number} is {po.status.value}; goods can be received only against "
                       "a confirmed, open order")
    location = find_location(uow, data.location, "location")
    if location.kind != LocationKind.INTERNAL or not location.active:
        raise ValidationFailed.on("location", "internal",
                                  f"{location.code} is not an active stock location")
    day = data.date or utcnow().date()
    po_lines: list[PurchaseOrderLine] = []
    planned: list[tuple[int, MoveIn, str]] = []  # (receipt line n, move, its lot field)
    for n, line in enumerate(data.lines):
        po_line = po.line(line.po_line)
        if po_line is None:
            raise ValidationFailed.on(f"lines[{n}].po_line", "exists",
                                      f"{po.number} has no line {line.po_line}")
        po_lines.append(po_line)
        planned += [(n, m, f) for m, f in _moves_of(n, line, po_line)]
    _check_tolerance(po, data, po_lines)

    number = next_number(uow.session, SEQUENCE)
    # Errors name the receipt's own fields: lines[n].qty, lines[n].lot or lines[n].serials.
    moves = [MoveIn(m.item, m.qty, Locations.SUPPLIER, location.code, lot=m.lot,
                    unit_cost=m.unit_cost, expiry_date=m.expiry_date,
                    supplier_lot=m.supplier_lot, source=f"lines[{n}]", lot_field=lot_field)
             for n, m, lot_field in planned]
    post_moves(uow, moves, doc_type="receipt", doc_ref=number, day=day,
               memo=f"Receipt {number} of {po.number} from {po.partner.code}")
    receipt = GoodsReceipt(number=number, order=po, receipt_date=day, location=location,
                           reversed=False, lines=[
                               GoodsReceiptLine(order_line=po_lines[n], qty=m.qty, lot=m.lot,
                                                expiry_date=m.expiry_date,
                                                supplier_lot=m.supplier_lot)
                               for n, m, _ in planned])
    uow.session.add(receipt)
    for line, po_line in zip(data.lines, po_lines, strict=True):
        po_line.qty_received = po_line.qty_received + line.qty
    refresh_status(po)
    uow.flush()
    return receipt


def reverse_receipt(uow: UnitOfWork, number: str, data: ReverseIn) -> GoodsReceipt:
    """Undo a receipt (wrong goods, booked twice): the stock goes back to the supplier at the
    receipt's cost and the PO's received quantities drop. Billed goods cannot be un-received."""
    uow.actor.require(Permission.PURCHASING_WRITE)
    receipt = get_receipt(uow, number)
    po = lock_purchase_order(uow, receipt.order.number, "order")
    uow.session.refresh(receipt)
    if receipt.reversed:
        raise Conflict(f"goods receipt {number} is already reversed")
    less: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in receipt.lines:
        less[line.order_line_id] += line.qty
    for po_line in po.lines:
        if po_line.id in less and po_line.qty_received - less[po_line.id] < po_line.qty_billed:
            raise Conflict(f"line {po_line.line_no} of {po.number} is already billed for "
                           f"{_plain(po_line.qty_billed)}; reversing {number} would leave "
                           "less received than billed")
    reverse_moves(uow, number, reason=data.reason, day=data.date)
    receipt.reversed = True
    receipt.reversal_reason = data.reason
    for po_line in po.lines:
        if po_line.id in less:
            po_line.qty_received = po_line.qty_received - less[po_line.id]
    refresh_status(po)
    uow.flush()
    return receipt
