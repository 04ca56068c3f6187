"""Customer invoices: what was delivered is billed at the order's prices.

Posting (sales journal): Dr Accounts receivable (total, with the customer) / Cr Sales revenue
(net, per item) / Cr Output tax. The total becomes a receivable open item due after the
customer's payment terms; payments and credit notes settle it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import Field
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, PosQty
from gemba.core.db.base import Base, IdMixin, Money, Qty, UtcDateTime
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.uom import check_precision
from gemba.erp.finance.account import Accounts
from gemba.erp.finance.journal import Journals, Posting, post_lines
from gemba.erp.finance.open_item import OpenItem, OpenItemKind, add_open_item
from gemba.erp.partners.partner import Partner
from gemba.erp.sales.sales_order import (
    EDITABLE,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
    cents,
    order_for_update,
    refresh_status,
)

SEQUENCE = "customer_invoice"
DOC_TYPE = "customer_invoice"
ZERO = Decimal(0)
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class CustomerInvoice(Audited, IdMixin, Base):
    __tablename__ = "erp_customer_invoices"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    tax_pct: Mapped[Decimal] = mapped_column(Money)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    net_credited: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    tax_credited: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    entry_id: Mapped[int | None] = mapped_column(BIG_ID, ForeignKey("erp_journal_entries.id"),
                                                 nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    order: Mapped[SalesOrder] = relationship(lazy="joined")
    customer: Mapped[Partner] = relationship(lazy="joined")
    lines: Mapped[list[CustomerInvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", lazy="selectin",
        order_by="CustomerInvoiceLine.id")

    @property
    def order_number(self) -> str:
        return self.order.number

    @property
    def customer_code(self) -> str:
        return self.customer.code

    def line(self, line_no: int) -> CustomerInvoiceLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


class CustomerInvoiceLine(Audited, IdMixin, Base):
    __tablename__ = "erp_customer_invoice_lines"
    __table_args__ = (CheckConstraint("qty > 0 AND qty_credited >= 0 AND qty_credited <= qty "
                                      "AND net_credited >= 0 AND net_credited <= net_amount",
                                      name="credited_within_invoiced"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_customer_invoices", self.invoice_id)

    invoice_id: Mapped[int] = mapped_column(ForeignKey("erp_customer_invoices.id",
                                                       ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_order_lines.id"),
                                               index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    qty_credited: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    net_credited: Mapped[Decimal] = mapped_column(Money, default=ZERO)

    invoice: Mapped[CustomerInvoice] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship(lazy="joined")

    @property
    def line_no(self) -> int:
        return self.order_line.line_no

    @property
    def item_code(self) -> str:
        return self.order_line.item.code


# --- commands -----------------------------------------------------------------------------


class InvoiceLineIn(Command):
    line_no: int = Field(ge=1)  # the order line
    qty: PosQty


class InvoiceIn(Command):
    order: Code
    invoice_date: date | None = None  # default: today
    lines: list[InvoiceLineIn] = Field(
        default_factory=list, max_length=2000,
        description="Empty: everything delivered and not yet invoiced.")


# --- queries ------------------------------------------------------------------------------


def can_read(uow: UnitOfWork) -> None:
    if not (uow.actor.can(Permission.SALES_READ) or uow.actor.can(Permission.FINANCE_READ)):
        raise PermissionDenied(f"{uow.actor.username} may not see customer invoices")


def get_invoice(uow: UnitOfWork, number: str) -> CustomerInvoice:
    can_read(uow)
    invoice = uow.session.scalar(select(CustomerInvoice).where(CustomerInvoice.number == number))
    if invoice is None:
        raise NotFound(f"customer invoice {number!r} does not exist")
    return invoice


def list_invoices(uow: UnitOfWork, page: PageRequest) -> Page[CustomerInvoice]:
    """Filters: order (number), customer (code)."""
    can_read(uow)
    stmt = (select(CustomerInvoice).join(SalesOrder, SalesOrder.id == CustomerInvoice.order_id)
            .join(Partner, Partner.id == CustomerInvoice.customer_id))
    return paginate(uow.session, stmt, page,
                    search=[CustomerInvoice.number, SalesOrder.number, Partner.code],
                    filterable={"order": SalesOrder.number, "customer": Partner.code},
                    order_by=[CustomerInvoice.id.desc()])


def invoices_of(uow: UnitOfWork, order: SalesOrder) -> list[CustomerInvoice]:
    return list(uow.session.scalars(select(CustomerInvoice).where(
        CustomerInvoice.order_id == order.id).order_by(CustomerInvoice.id)))


def open_amounts(uow: UnitOfWork, numbers: list[str]) -> dict[str, Decimal]:
    """What is still owed on each invoice (0 once paid or credited)."""
    if not numbers:
        return {}
    rows = uow.session.execute(select(OpenItem.doc_ref, OpenItem.amount,
                                      OpenItem.amount_settled)
                               .where(OpenItem.kind == OpenItemKind.RECEIVABLE,
                                      OpenItem.doc_ref.in_(numbers)))
    found = {ref: amount - settled for ref, amount, settled in rows}
    return {n: found.get(n, ZERO) for n in numbers}


# --- invoicing ----------------------------------------------------------------------------


def _lines(order: SalesOrder, data: InvoiceIn) -> list[tuple[SalesOrderLine, Decimal]]:
    """(order line, qty) after checking nothing is billed beyond what was delivered."""
    wanted = data.lines or [InvoiceLineIn(line_no=ln.line_no, qty=ln.qty_to_invoice)
                            for ln in order.lines if ln.qty_to_invoice > 0]
    if not wanted:
        raise ValidationFailed.on("lines", "not_empty",
                                  f"nothing of {order.number} is delivered and not invoiced")
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out = []
    for n, cmd in enumerate(wanted):
        line = order.line(cmd.line_no)
        if line is None:
            raise ValidationFailed.on(f"lines[{n}].line_no", "exists",
                                      f"{order.number} has no line {cmd.line_no}")
        check_precision(cmd.qty, line.item.uom, f"lines[{n}].qty")
        asked[line.line_no] += cmd.qty
        if asked[line.line_no] > line.qty_to_invoice:
            raise ValidationFailed.on(
                f"lines[{n}].qty", "not_more_than_delivered",
                f"line {line.line_no} has {line.qty_to_invoice.normalize():f} of "
                f"{line.item.code} delivered and not invoiced "
                f"({line.qty_delivered.normalize():f} delivered, "
                f"{line.qty_invoiced.normalize():f} invoiced); "
                f"{asked[line.line_no].normalize():f} asked")
        out.append((line, cmd.qty))
    return out


def create_invoice(uow: UnitOfWork, data: InvoiceIn) -> CustomerInvoice:
    """Bill delivered quantities; posts the sales entry and the receivable."""
    uow.actor.require(Permission.FINANCE_WRITE)
    order = order_for_update(uow, data.order, field="order")
    if order.status in EDITABLE or order.status == SalesOrderStatus.CANCELLED:
        raise Conflict(f"sales order {order.number} is {order.status.value}: nothing to "
                       "invoice")
    day = data.invoice_date or utcnow().date()
    lines = _lines(order, data)
    nets = [(line, qty, cents(qty * line.unit_price)) for line, qty in lines]
    net = sum((x[2] for x in nets), ZERO)
    tax = cents(net * order.tax_pct / 100)
    total = net + tax
    customer = order.customer
    number = next_number(uow.session, SEQUENCE)
    postings = [Posting(Accounts.AR, total, customer.id, memo=number),
                *(Posting(Accounts.REVENUE, -amount, item_id=line.item_id)
                  for line, _, amount in nets),
                Posting(Accounts.TAX_PAYABLE, -tax)]
    entry = post_lines(uow, journal=Journals.SALES, day=day,
                       memo=f"Invoice {number} {customer.code} ({order.number})",
                       postings=postings, source_type=DOC_TYPE, source_ref=number,
                       date_field="invoice_date")
    due = day + timedelta(days=customer.payment_terms_days)
    invoice = CustomerInvoice(number=number, order=order, customer=customer, invoice_date=day,
                              due_date=due, currency=order.currency, tax_pct=order.tax_pct,
                              net_amount=net, tax_amount=tax, total=total, net_credited=ZERO,
                              tax_credited=ZERO, entry_id=entry.id if entry else None)
    invoice.lines = [CustomerInvoiceLine(order_line_id=line.id, order_line=line, qty=qty,
                                         unit_price=line.unit_price, net_amount=amount,
                                         qty_credited=ZERO, net_credited=ZERO)
                     for line, qty, amount in nets]
    uow.session.add(invoice)
    for line, qty, _ in nets:
        line.qty_invoiced = line.qty_invoiced + qty
    if total > 0:
        add_open_item(uow, kind=OpenItemKind.RECEIVABLE, partner_id=customer.id,
                      doc_type=DOC_TYPE, doc_ref=number, doc_date=day, due_date=due,
                      amount=total)
    refresh_status(order)
    uow.flush()
    return invoice
