"""Supplier bills, matched three ways: each line bills a PO line, for no more than was received
and not yet billed, and its price is compared with the PO price.

Posting clears GRNI at the PO price (what the receipt credited), books the price difference to
purchase price variance and the input tax, credits the supplier's payable and opens a payable
item for the payment run. A supplier's own invoice number may be booked once only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, NonNegMoney, Percent, PosQty
from gemba.core.db.base import Base, IdMixin, Money, Qty, TimestampMixin
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.erp.finance.account import Accounts
from gemba.erp.finance.journal import Journals, Posting, post_lines
from gemba.erp.finance.open_item import OpenItemKind, add_open_item
from gemba.erp.inventory.valuation import money
from gemba.erp.partners.partner import Partner, find_partner
from gemba.erp.purchasing.purchase_order import (
    PurchaseOrder,
    PurchaseOrderLine,
    get_purchase_order,
    lock_purchase_order,
    refresh_status,
)

ZERO = Decimal(0)
SEQUENCE = "supplier_bill"


class SupplierBill(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_supplier_bills"
    __table_args__ = (UniqueConstraint("partner_id", "supplier_ref"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    bill_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    supplier_ref: Mapped[str] = mapped_column(String(60))
    tax_pct: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    price_variance: Mapped[Decimal] = mapped_column(Money)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("erp_journal_entries.id"),
                                                 nullable=True)

    partner: Mapped[Partner] = relationship(lazy="joined")
    lines: Mapped[list[SupplierBillLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SupplierBillLine.id")

    @property
    def supplier(self) -> str:
        return self.partner.code


class SupplierBillLine(Audited, IdMixin, Base):
    __tablename__ = "erp_supplier_bill_lines"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_supplier_bills", self.bill_id)

    bill_id: Mapped[int] = mapped_column(ForeignKey("erp_supplier_bills.id",
                                                    ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("erp_purchase_order_lines.id"),
                                               index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)  # as billed
    po_price: Mapped[Decimal] = mapped_column(Money)    # as ordered (and received)
    amount: Mapped[Decimal] = mapped_column(Money)      # qty x billed price
    variance: Mapped[Decimal] = mapped_column(Money)    # qty x (billed - PO price)

    order_line: Mapped[PurchaseOrderLine] = relationship(lazy="joined")

    @property
    def order_number(self) -> str:
        return self.order_line.order.number

    @property
    def po_line(self) -> int:
        return self.order_line.line_no

    @property
    def item_code(self) -> str:
        return self.order_line.item.code


# --- commands -----------------------------------------------------------------------------


class BillLineIn(Command):
    order: Code | None = Field(default=None, description="Default: the bill's order.")
    po_line: int = Field(ge=1)
    qty: PosQty
    unit_price: NonNegMoney | None = Field(default=None, description="Default: the PO price.")


class BillIn(Command):
    supplier: Code | None = Field(default=None,
                                  description="Default: the supplier of the orders billed.")
    supplier_ref: str = Field(min_length=1, max_length=60,
                              description="The supplier's invoice number.")
    date: dt.date
    order: Code | None = Field(default=None, description="The PO all lines bill, if one.")
    tax_pct: Percent = ZERO
    lines: list[BillLineIn] = Field(min_length=1, max_length=500)


@dataclass(frozen=True)
class MatchLine:
    """One PO line in the three-way match: ordered, received, billed, and the price gap."""

    line_no: int
    item: str
    item_name: str
    qty_ordered: Decimal
    qty_received: Decimal
    qty_billed: Decimal
    po_price: Decimal
    billed_amount: Decimal
    price_variance: Decimal

    @property
    def qty_to_receive(self) -> Decimal:
        return max(self.qty_ordered - self.qty_received, ZERO)

    @property
    def qty_to_bill(self) -> Decimal:
        return self.qty_received - self.qty_billed

    @property
    def matched(self) -> bool:
        return self.qty_to_receive == 0 and self.qty_to_bill == 0 and self.price_variance == 0


# --- queries ------------------------------------------------------------------------------


def _can_read(uow: UnitOfWork) -> None:
    if not (uow.actor.can(Permission.PURCHASING_READ) or uow.actor.can(Permission.FINANCE_READ)):
        raise PermissionDenied(f"{uow.actor.username} may not see supplier bills")


def get_bill(uow: UnitOfWork, number: str) -> SupplierBill:
    _can_read(uow)
    bill = uow.session.scalar(select(SupplierBill).where(SupplierBill.number == number))
    if bill is None:
        raise NotFound(f"supplier bill {number!r} does not exist")
    return bill


def list_bills(uow: UnitOfWork, page: PageRequest) -> Page[SupplierBill]:
    _can_read(uow)
    stmt = select(SupplierBill).join(Partner, Partner.id == SupplierBill.partner_id)
    return paginate(uow.session, stmt, page,
                    search=[SupplierBill.number, SupplierBill.supplier_ref, Partner.code],
                    filterable={"supplier": Partner.code,
                                "supplier_ref": SupplierBill.supplier_ref},
                    order_by=[SupplierBill.id.desc()])


def bills_of(uow: UnitOfWork, order: PurchaseOrder) -> list[SupplierBill]:
    """Bills with at least one line on ``order``."""
    _can_read(uow)
    line_ids = [x.id for x in order.lines]
    return list(uow.session.scalars(
        select(SupplierBill).join(SupplierBillLine, SupplierBillLine.bill_id == SupplierBill.id)
        .where(SupplierBillLine.order_line_id.in_(line_ids)).distinct()
        .order_by(SupplierBill.id)))


def match_report(uow: UnitOfWork, po_number: str) -> list[MatchLine]:
    """Ordered, received and billed quantity and the billed price variance per PO line."""
    po = get_purchase_order(uow, po_number)
    billed: dict[int, tuple[Decimal, Decimal]] = defaultdict(lambda: (ZERO, ZERO))
    for line in uow.session.scalars(select(SupplierBillLine).where(
            SupplierBillLine.order_line_id.in_([x.id for x in po.lines]))):
        amount, variance = billed[line.order_line_id]
        billed[line.order_line_id] = (amount + line.amount, variance + line.variance)
    return [MatchLine(line_no=x.line_no, item=x.item.code, item_name=x.item.name,
                      qty_ordered=x.qty, qty_received=x.qty_received, qty_billed=x.qty_billed,
                      po_price=x.unit_price, billed_amount=billed[x.id][0],
                      price_variance=billed[x.id][1]) for x in po.lines]


# --- post ---------------------------------------------------------------------------------


def _order_of(uow: UnitOfWork, n: int, line: BillLineIn, data: BillIn,
              orders: dict[str, PurchaseOrder]) -> PurchaseOrder:
    number = line.order or data.order
    if number is None:
        raise ValidationFailed.on(f"lines[{n}].order", "required",
                                  "name the purchase order the line bills")
    if number not in orders:
        orders[number] = lock_purchase_order(uow, number, f"lines[{n}].order")
    return orders[number]


def post_bill(uow: UnitOfWork, data: BillIn) -> SupplierBill:
    """Match, post and open the payable; refused whole if any line fails the match."""
    uow.actor.require(Permission.FINANCE_WRITE)
    partner = (find_partner(uow, data.supplier, "supplier", supplier=True)
               if data.supplier else None)
    orders: dict[str, PurchaseOrder] = {}
    matched: list[tuple[PurchaseOrderLine, BillLineIn, Decimal]] = []
    taking: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for n, line in enumerate(data.lines):
        po = _order_of(uow, n, line, data, orders)
        if partner is None:
            partner = find_partner(uow, po.partner.code, "supplier", supplier=True)
        if po.partner_id != partner.id:
            raise ValidationFailed.on(f"lines[{n}].order", "same_supplier",
                                      f"{po.number} is an order to {po.partner.code}, not "
                                      f"{partner.code}")
        po_line = po.line(line.po_line)
        if po_line is None:
            raise ValidationFailed.on(f"lines[{n}].po_line", "exists",
                                      f"{po.number} has no line {line.po_line}")
        taking[po_line.id] += line.qty
        if taking[po_line.id] > po_line.qty_to_bill:
            raise ValidationFailed.on(
                f"lines[{n}].qty", "received_not_billed",
                f"line {po_line.line_no} of {po.number}: "
                f"{po_line.qty_received.normalize():f} received, "
                f"{po_line.qty_billed.normalize():f} already billed, so at most "
                f"{po_line.qty_to_bill.normalize():f} can be billed; this bill asks "
                f"{taking[po_line.id].normalize():f}")
        price = line.unit_price if line.unit_price is not None else po_line.unit_price
        matched.append((po_line, line, price))
    assert partner is not None
    if uow.session.scalar(select(SupplierBill.number).where(
            SupplierBill.partner_id == partner.id, SupplierBill.supplier_ref == data.supplier_ref)):
        raise Conflict(f"{partner.code}'s invoice {data.supplier_ref!r} is already booked")

    number = next_number(uow.session, SEQUENCE)
    postings: list[Posting] = []
    lines: list[SupplierBillLine] = []
    for po_line, line, price in matched:
        at_po = money(line.qty * po_line.unit_price)
        amount = money(line.qty * price)
        postings += [Posting(Accounts.GRNI, at_po, item_id=po_line.item_id),
                     Posting(Accounts.PURCHASE_PRICE_VARIANCE, amount - at_po,
                             item_id=po_line.item_id)]
        lines.append(SupplierBillLine(order_line=po_line, qty=line.qty, unit_price=price,
                                      po_price=po_line.unit_price, amount=amount,
                                      variance=amount - at_po))
    net = sum((x.amount for x in lines), ZERO)
    tax = money(net * data.tax_pct / 100)
    total = net + tax
    postings += [Posting(Accounts.TAX_RECEIVABLE, tax),
                 Posting(Accounts.AP, -total, partner_id=partner.id, memo=number)]
    entry = post_lines(uow, journal=Journals.PURCHASE, day=data.date,
                       memo=f"Bill {number} {partner.code} {data.supplier_ref}",
                       postings=postings, source_type="bill", source_ref=number)
    due = data.date + dt.timedelta(days=partner.payment_terms_days)
    bill = SupplierBill(number=number, partner_id=partner.id, bill_date=data.date, due_date=due,
                        supplier_ref=data.supplier_ref, tax_pct=data.tax_pct, net_amount=net,
                        tax_amount=tax, total=total,
                        price_variance=sum((x.variance for x in lines), ZERO),
                        entry_id=entry.id if entry else None, lines=lines)
    uow.session.add(bill)
    if total > 0:
        add_open_item(uow, kind=OpenItemKind.PAYABLE, partner_id=partner.id, doc_type="bill",
                      doc_ref=number, doc_date=data.date, due_date=due, amount=total)
    for po_line, line, _ in matched:
        po_line.qty_billed = po_line.qty_billed + line.qty
    for po in orders.values():
        refresh_status(po)
    uow.flush()
    return bill
