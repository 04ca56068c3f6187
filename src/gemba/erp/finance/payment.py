"""Payments: money received from customers (Bank / AR) and paid to suppliers (AP / Bank).

A payment is allocated to open items; it must be fully allocated and may not exceed what is
owed, so an overpayment is refused instead of silently turning into a credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import Field
from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command
from gemba.core.db.base import Base, IdMixin, Money, enum_column
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.erp.finance.account import Accounts
from gemba.erp.finance.journal import Journals, Posting, post_lines
from gemba.erp.finance.open_item import OpenItemKind, lock_open_item, open_items, settle
from gemba.erp.partners.partner import Partner, find_partner

ZERO = Decimal(0)
PositiveMoney = Decimal


class PaymentDirection(StrEnum):
    RECEIVED = "received"  # from a customer
    SENT = "sent"          # to a supplier


class Payment(Audited, IdMixin, Base):
    __tablename__ = "erp_payments"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    direction: Mapped[PaymentDirection] = mapped_column(enum_column(PaymentDirection))
    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    pay_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("erp_journal_entries.id"),
                                                 nullable=True)

    partner: Mapped[Partner] = relationship(lazy="joined")
    allocations: Mapped[list[PaymentAllocation]] = relationship(lazy="selectin")


class PaymentAllocation(Audited, IdMixin, Base):
    __tablename__ = "erp_payment_allocations"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_payments", self.payment_id)

    payment_id: Mapped[int] = mapped_column(ForeignKey("erp_payments.id"), index=True)
    open_item_id: Mapped[int] = mapped_column(ForeignKey("erp_open_items.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)


class AllocationIn(Command):
    document: Code  # the invoice or bill number
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=4)


class PaymentIn(Command):
    partner: Code
    date: dt.date
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=4)
    reference: str | None = Field(default=None, max_length=100)
    allocations: list[AllocationIn] = Field(
        default_factory=list,
        description="Documents paid; empty: the oldest open documents first.")


def _allocate(uow: UnitOfWork, kind: OpenItemKind, partner: Partner,
              data: PaymentIn) -> list[tuple[int, Decimal]]:
    """(open item id, amount) pairs; refuses anything beyond what the partner owes."""
    out: list[tuple[int, Decimal]] = []
    if data.allocations:
        total = sum((a.amount for a in data.allocations), ZERO)
        if total != data.amount:
            raise ValidationFailed.on("allocations", "sum_equals_amount",
                                      f"allocations add up to {total}, the payment is "
                                      f"{data.amount}")
        for n, alloc in enumerate(data.allocations):
            try:
                item = lock_open_item(uow, kind, alloc.document)
            except NotFound as exc:
                raise ValidationFailed.on(f"allocations[{n}].document", "exists",
                                          exc.message) from exc
            if item.partner_id != partner.id:
                raise ValidationFailed.on(f"allocations[{n}].document", "same_partner",
                                          f"{alloc.document} belongs to another partner")
            settle(uow, item, alloc.amount, f"allocations[{n}].amount")
            out.append((item.id, alloc.amount))
        return out
    items = open_items(uow, kind, partner.id, lock=True)
    owed = sum((i.amount_open for i in items), ZERO)
    if data.amount > owed:
        raise ValidationFailed.on("amount", "not_more_than_owed",
                                  f"{data.amount} is more than the {owed} {partner.code} "
                                  "has open")
    left = data.amount
    for item in items:
        if left == 0:
            break
        take = min(left, item.amount_open)
        settle(uow, item, take, "amount")
        out.append((item.id, take))
        left -= take
    return out


def _record(uow: UnitOfWork, direction: PaymentDirection, data: PaymentIn) -> Payment:
    uow.actor.require(Permission.FINANCE_WRITE)
    customer = direction == PaymentDirection.RECEIVED
    partner = find_partner(uow, data.partner, "partner", customer=customer,
                           supplier=not customer)
    kind = OpenItemKind.RECEIVABLE if customer else OpenItemKind.PAYABLE
    allocations = _allocate(uow, kind, partner, data)
    number = next_number(uow.session, "payment")
    if customer:
        postings = [Posting(Accounts.BANK, data.amount, memo=number),
                    Posting(Accounts.AR, -data.amount, partner.id)]
    else:
        postings = [Posting(Accounts.AP, data.amount, partner.id),
                    Posting(Accounts.BANK, -data.amount, memo=number)]
    entry = post_lines(uow, journal=Journals.BANK, day=data.date,
                       memo=f"Payment {number} {partner.code}", postings=postings,
                       source_type="payment", source_ref=number)
    payment = Payment(number=number, direction=direction, partner_id=partner.id,
                      pay_date=data.date, amount=data.amount, reference=data.reference,
                      entry_id=entry.id if entry else None)
    uow.session.add(payment)
    uow.flush()
    for item_id, amount in allocations:
        uow.session.add(PaymentAllocation(payment_id=payment.id, open_item_id=item_id,
                                          amount=amount))
    uow.flush()
    return payment


def receive_payment(uow: UnitOfWork, data: PaymentIn) -> Payment:
    """A customer paid: Bank / AR, settling their invoices."""
    return _record(uow, PaymentDirection.RECEIVED, data)


def pay_supplier(uow: UnitOfWork, data: PaymentIn) -> Payment:
    """We paid a supplier: AP / Bank, settling their bills."""
    return _record(uow, PaymentDirection.SENT, data)


def get_payment(uow: UnitOfWork, number: str) -> Payment:
    uow.actor.require(Permission.FINANCE_READ)
    payment = uow.session.scalar(select(Payment).where(Payment.number == number))
    if payment is None:
        raise NotFound(f"payment {number!r} does not exist")
    return payment


def list_payments(uow: UnitOfWork, page: PageRequest) -> Page[Payment]:
    uow.actor.require(Permission.FINANCE_READ)
    return paginate(uow.session, select(Payment), page, search=[Payment.number],
                    filterable={"direction": Payment.direction}, order_by=[Payment.id.desc()])
