"""Credit notes: part or all of an invoice taken back (returned goods, a price allowance).

Posting (sales journal): Dr Sales returns (net, per item) + Dr Output tax / Cr Accounts
receivable (total, with the customer). The credit settles the invoice's open item, so it can
never exceed what is still open on it, and per line never more than was invoiced and not yet
credited."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator
from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, NonNegMoney, PosQty
from gemba.core.db.base import Base, IdMixin, Money, Qty, UtcDateTime
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.uom import check_precision
from gemba.erp.finance.account import Accounts
from gemba.erp.finance.journal import Journals, Posting, post_lines
from gemba.erp.finance.open_item import OpenItem, OpenItemKind, lock_open_item, settle
from gemba.erp.sales.invoice import CustomerInvoice, CustomerInvoiceLine, can_read
from gemba.erp.sales.sales_order import cents

SEQUENCE = "credit_note"
DOC_TYPE = "credit_note"
ZERO = Decimal(0)
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class CreditNote(Audited, IdMixin, Base):
    __tablename__ = "erp_credit_notes"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("erp_customer_invoices.id"), index=True)
    credit_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    entry_id: Mapped[int | None] = mapped_column(BIG_ID, ForeignKey("erp_journal_entries.id"),
                                                 nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    invoice: Mapped[CustomerInvoice] = relationship(lazy="joined")
    lines: Mapped[list[CreditNoteLine]] = relationship(
        back_populates="credit_note", cascade="all, delete-orphan", lazy="selectin",
        order_by="CreditNoteLine.id")

    @property
    def invoice_number(self) -> str:
        return self.invoice.number

    @property
    def customer_code(self) -> str:
        return self.invoice.customer.code


class CreditNoteLine(Audited, IdMixin, Base):
    __tablename__ = "erp_credit_note_lines"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_credit_notes", self.credit_note_id)

    credit_note_id: Mapped[int] = mapped_column(ForeignKey("erp_credit_notes.id",
                                                           ondelete="CASCADE"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("erp_customer_invoice_lines.id"),
                                                 index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)  # 0: an amount only (a price allowance)
    net_amount: Mapped[Decimal] = mapped_column(Money)

    credit_note: Mapped[CreditNote] = relationship(back_populates="lines")
    invoice_line: Mapped[CustomerInvoiceLine] = relationship(lazy="joined")

    @property
    def line_no(self) -> int:
        return self.invoice_line.line_no

    @property
    def item_code(self) -> str:
        return self.invoice_line.item_code


# --- commands -----------------------------------------------------------------------------


class CreditNoteLineIn(Command):
    line_no: int = Field(ge=1)  # the order line, as on the invoice
    qty: PosQty | None = None  # credit this many units at the invoiced price ...
    amount: NonNegMoney | None = None  # ... or this net amount (a price allowance)

    @model_validator(mode="after")
    def _qty_or_amount(self) -> CreditNoteLineIn:
        if self.qty is None and self.amount is None:
            raise ValueError("give a qty or an amount to credit")
        return self


class CreditNoteIn(Command):
    invoice: Code
    credit_date: date | None = None  # default: today
    reason: str | None = Field(default=None, max_length=200)
    lines: list[CreditNoteLineIn] = Field(
        default_factory=list, max_length=2000,
        description="Empty: everything of the invoice not yet credited.")


# --- queries ------------------------------------------------------------------------------


def get_credit_note(uow: UnitOfWork, number: str) -> CreditNote:
    can_read(uow)
    note = uow.session.scalar(select(CreditNote).where(CreditNote.number == number))
    if note is None:
        raise NotFound(f"credit note {number!r} does not exist")
    return note


def list_credit_notes(uow: UnitOfWork, page: PageRequest) -> Page[CreditNote]:
    """Filters: invoice (number)."""
    can_read(uow)
    stmt = select(CreditNote).join(CustomerInvoice,
                                   CustomerInvoice.id == CreditNote.invoice_id)
    return paginate(uow.session, stmt, page, search=[CreditNote.number, CustomerInvoice.number],
                    filterable={"invoice": CustomerInvoice.number},
                    order_by=[CreditNote.id.desc()])


def credit_notes_of(uow: UnitOfWork, invoice_ids: list[int]) -> list[CreditNote]:
    if not invoice_ids:
        return []
    return list(uow.session.scalars(select(CreditNote).where(
        CreditNote.invoice_id.in_(invoice_ids)).order_by(CreditNote.id)))


# --- crediting ----------------------------------------------------------------------------


def _lines(invoice: CustomerInvoice,
           data: CreditNoteIn) -> list[tuple[CustomerInvoiceLine, Decimal, Decimal]]:
    """(invoice line, qty, net amount), never beyond what is invoiced and not yet credited."""
    wanted = data.lines or [
        CreditNoteLineIn(line_no=ln.line_no, qty=(ln.qty - ln.qty_credited) or None,
                         amount=ln.net_amount - ln.net_credited)
        for ln in invoice.lines if ln.net_amount - ln.net_credited > 0]
    if not wanted:
        raise ValidationFailed.on("lines", "not_empty",
                                  f"invoice {invoice.number} is already fully credited")
    qty_asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    net_asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out = []
    for n, cmd in enumerate(wanted):
        f = f"lines[{n}]"
        line = invoice.line(cmd.line_no)
        if line is None:
            raise ValidationFailed.on(f"{f}.line_no", "exists",
                                      f"invoice {invoice.number} has no line {cmd.line_no}")
        qty = cmd.qty or ZERO
        if qty:
            check_precision(qty, line.order_line.item.uom, f"{f}.qty")
        qty_asked[line.id] += qty
        if qty_asked[line.id] > line.qty - line.qty_credited:
            raise ValidationFailed.on(
                f"{f}.qty", "not_more_than_invoiced",
                f"line {line.line_no}: {(line.qty - line.qty_credited).normalize():f} of "
                f"{line.item_code} invoiced and not credited; "
                f"{qty_asked[line.id].normalize():f} asked")
        amount = cents(cmd.amount if cmd.amount is not None else qty * line.unit_price)
        if amount <= 0:
            raise ValidationFailed.on(f"{f}.amount", "gt_zero", "nothing to credit")
        net_asked[line.id] += amount
        if net_asked[line.id] > line.net_amount - line.net_credited:
            raise ValidationFailed.on(
                f"{f}.amount", "not_more_than_invoiced",
                f"line {line.line_no}: {line.net_amount - line.net_credited} invoiced and not "
                f"credited; {net_asked[line.id]} asked")
        out.append((line, qty, amount))
    return out


def create_credit_note(uow: UnitOfWork, data: CreditNoteIn) -> CreditNote:
    """Credit (part of) an invoice and settle its open item with the credit."""
    uow.actor.require(Permission.FINANCE_WRITE)
    invoice = uow.session.scalar(select(CustomerInvoice).where(
        CustomerInvoice.number == data.invoice))
    if invoice is None:
        raise ValidationFailed.on("invoice", "exists",
                                  f"customer invoice {data.invoice!r} does not exist")
    day = data.credit_date or utcnow().date()
    lines = _lines(invoice, data)
    net = sum((amount for _, _, amount in lines), ZERO)
    tax_left = invoice.tax_amount - invoice.tax_credited
    fully = invoice.net_credited + net >= invoice.net_amount
    tax = tax_left if fully else min(cents(net * invoice.tax_pct / 100), tax_left)
    total = net + tax
    try:
        open_item: OpenItem | None = lock_open_item(uow, OpenItemKind.RECEIVABLE,
                                                    invoice.number)
    except NotFound:  # a zero invoice has no open item
        open_item = None
    still_open = open_item.amount_open if open_item else ZERO
    if total > still_open:
        raise ValidationFailed.on("lines", "not_more_than_open",
                                  f"the credit of {total} is more than the {still_open} still "
                                  f"open on {invoice.number}")
    assert open_item is not None
    customer = invoice.customer
    number = next_number(uow.session, SEQUENCE)
    postings = [*(Posting(Accounts.SALES_RETURNS, amount, item_id=line.order_line.item_id)
                  for line, _, amount in lines),
                Posting(Accounts.TAX_PAYABLE, tax),
                Posting(Accounts.AR, -total, customer.id, memo=number)]
    entry = post_lines(uow, journal=Journals.SALES, day=day,
                       memo=f"Credit note {number} {customer.code} ({invoice.number})",
                       postings=postings, source_type=DOC_TYPE, source_ref=number,
                       date_field="credit_date")
    settle(uow, open_item, total, "lines")
    note = CreditNote(number=number, invoice=invoice, credit_date=day, reason=data.reason,
                      net_amount=net, tax_amount=tax, total=total,
                      entry_id=entry.id if entry else None)
    note.lines = [CreditNoteLine(invoice_line_id=line.id, invoice_line=line, qty=qty,
                                 net_amount=amount) for line, qty, amount in lines]
    uow.session.add(note)
    for line, qty, amount in lines:
        line.qty_credited = line.qty_credited + qty
        line.net_credited = line.net_credited + amount
    invoice.net_credited = invoice.net_credited + net
    invoice.tax_credited = invoice.tax_credited + tax
    uow.flush()
    return note
