"""Journals and double-entry journal entries.

An entry is written once, balanced, in an open period, and never changed: the tables are
append-only (database triggers) and a mistake is corrected by ``reverse_entry``, which posts
the mirror image and links it to the original (a unique key: an entry is reversed once).

``post_lines`` is what automatic postings call (receipts, deliveries, invoices, payments,
production); ``create_manual_entry`` is the accountant's front door to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import Audited, lock_audit_head
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, NonNegMoney
from gemba.core.db.base import Base, IdMixin, Money, UtcDateTime, enum_column
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import MONEY_PLACES, format_money, quantize, utcnow
from gemba.erp.finance.account import Account, account_ids
from gemba.erp.finance.period import open_period_for

BIG_ID = BigInteger().with_variant(Integer, "sqlite")
ZERO = Decimal(0)


class JournalKind(StrEnum):
    GENERAL = "general"
    PURCHASE = "purchase"
    SALES = "sales"
    BANK = "bank"
    STOCK = "stock"
    PRODUCTION = "production"


class Journals:
    """Journal codes seeded by the migration."""

    GENERAL = "GEN"
    PURCHASE = "PUR"
    SALES = "SAL"
    BANK = "BNK"
    STOCK = "STK"
    PRODUCTION = "MFG"


JOURNAL_TEMPLATE = [("GEN", "General", JournalKind.GENERAL),
                    ("PUR", "Purchases", JournalKind.PURCHASE),
                    ("SAL", "Sales", JournalKind.SALES), ("BNK", "Bank", JournalKind.BANK),
                    ("STK", "Stock valuation", JournalKind.STOCK),
                    ("MFG", "Production", JournalKind.PRODUCTION)]


class Journal(IdMixin, Base):
    __tablename__ = "erp_journals"

    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[JournalKind] = mapped_column(enum_column(JournalKind))


class JournalEntry(Audited, Base):
    __tablename__ = "erp_journal_entries"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("erp_journals.id"))
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("erp_fiscal_periods.id"))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_by: Mapped[str] = mapped_column(String(80))
    memo: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_ref: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("erp_journal_entries.id"), nullable=True, unique=True)


class JournalLine(Base):
    __tablename__ = "erp_journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)",
                        name="one_side"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("erp_journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("erp_accounts.id"), index=True)
    debit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("erp_partners.id"),
                                                   nullable=True, index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("erp_items.id"), nullable=True)
    memo: Mapped[str | None] = mapped_column(String(200), nullable=True)


@dataclass(frozen=True)
class Posting:
    """One side of an automatic posting: a signed amount (debit positive, credit negative)."""

    account: str
    amount: Decimal
    partner_id: int | None = None
    item_id: int | None = None
    memo: str | None = None


_JOURNAL_IDS: dict[tuple[str, str], int] = {}


def _journal_id(uow: UnitOfWork, code: str) -> int:
    """Journals are seeded reference data that no service changes: looked up once per
    database and process."""
    key = (str(uow.session.get_bind().url), code)
    if key not in _JOURNAL_IDS:
        jid = uow.session.scalar(select(Journal.id).where(Journal.code == code))
        if jid is None:
            raise ValidationFailed.on("journal", "exists", f"journal {code!r} does not exist")
        _JOURNAL_IDS[key] = int(jid)
    return _JOURNAL_IDS[key]


def _merge(postings: list[Posting]) -> list[Posting]:
    """Add up postings with the same account, partner and item; drop zero lines."""
    sums: dict[tuple[str, int | None, int | None, str | None], Decimal] = defaultdict(
        lambda: ZERO)
    for p in postings:
        sums[(p.account, p.partner_id, p.item_id, p.memo)] += quantize(p.amount, MONEY_PLACES)
    return [Posting(a, amt, partner, item, memo)
            for (a, partner, item, memo), amt in sums.items() if amt != 0]


def post_lines(uow: UnitOfWork, *, journal: str, day: date, memo: str,
               postings: list[Posting], source_type: str | None = None,
               source_ref: str | None = None, reversal_of_id: int | None = None,
               date_field: str = "date") -> JournalEntry | None:
    """Post a balanced entry now; None when every amount is zero (nothing to book)."""
    lines = _merge(postings)
    if not lines:
        return None
    total = sum((p.amount for p in lines), ZERO)
    if total != 0:
        debit = sum((p.amount for p in lines if p.amount > 0), ZERO)
        raise ValidationFailed.on("lines", "balanced",
                                  f"debits {format_money(debit)} and credits "
                                  f"{format_money(debit - total)} differ by "
                                  f"{format_money(abs(total))}; an entry must balance")
    lock_audit_head(uow.session)  # lock order: audit head first, then the period (no deadlock)
    period_id = open_period_for(uow, day, date_field)
    ids = account_ids(uow, {p.account for p in lines})
    entry = JournalEntry(number=next_number(uow.session, "journal_entry"),
                         journal_id=_journal_id(uow, journal), entry_date=day,
                         period_id=period_id, posted_at=utcnow(),
                         posted_by=uow.actor.username, memo=memo[:200],
                         source_type=source_type, source_ref=source_ref,
                         reversal_of_id=reversal_of_id)
    uow.session.add(entry)
    uow.flush()
    uow.session.connection().execute(insert(JournalLine.__table__), [
        {"entry_id": entry.id, "account_id": ids[p.account],
         "debit": p.amount if p.amount > 0 else ZERO,
         "credit": -p.amount if p.amount < 0 else ZERO,
         "partner_id": p.partner_id, "item_id": p.item_id, "memo": p.memo}
        for p in lines])
    return entry


class EntryLineIn(Command):
    account: Code
    debit: NonNegMoney = ZERO
    credit: NonNegMoney = ZERO
    partner: Code | None = None
    memo: str | None = Field(default=None, max_length=200)


class ManualEntryIn(Command):
    journal: Code = Journals.GENERAL
    date: dt.date
    memo: Name
    lines: list[EntryLineIn] = Field(min_length=2)


def create_manual_entry(uow: UnitOfWork, data: ManualEntryIn) -> JournalEntry:
    """An accountant's entry: checked line by line, then posted balanced or not at all."""
    from gemba.erp.partners.partner import find_partner

    uow.actor.require(Permission.FINANCE_WRITE)
    postings = []
    for n, line in enumerate(data.lines):
        if line.debit and line.credit:
            raise ValidationFailed.on(f"lines[{n}].credit", "one_side",
                                      "a line is either a debit or a credit, not both")
        if not line.debit and not line.credit:
            raise ValidationFailed.on(f"lines[{n}].debit", "non_zero",
                                      "a line needs a debit or a credit amount")
        partner_id = (find_partner(uow, line.partner, f"lines[{n}].partner").id
                      if line.partner else None)
        account_ids(uow, {line.account}, f"lines[{n}].account")
        postings.append(Posting(line.account, line.debit - line.credit, partner_id,
                                memo=line.memo))
    entry = post_lines(uow, journal=data.journal, day=data.date, memo=data.memo,
                       postings=postings, source_type="manual")
    assert entry is not None
    return entry


def get_entry(uow: UnitOfWork, number: str) -> JournalEntry:
    uow.actor.require(Permission.FINANCE_READ)
    entry = uow.session.scalar(select(JournalEntry).where(JournalEntry.number == number))
    if entry is None:
        raise NotFound(f"journal entry {number!r} does not exist")
    return entry


def entry_lines(uow: UnitOfWork, entry: JournalEntry) -> list[tuple[JournalLine, Account]]:
    rows = uow.session.execute(
        select(JournalLine, Account).join(Account, Account.id == JournalLine.account_id)
        .where(JournalLine.entry_id == entry.id).order_by(JournalLine.id)).all()
    return [(line, account) for line, account in rows]


def reverse_entry(uow: UnitOfWork, number: str, day: date, reason: str) -> JournalEntry:
    """Post the mirror image of an entry on ``day`` (an open period)."""
    uow.actor.require(Permission.FINANCE_WRITE)
    original = get_entry(uow, number)
    if original.reversal_of_id is not None:
        raise Conflict(f"{number} is itself a reversal; post a new entry instead")
    if uow.session.scalar(select(JournalEntry.number)
                          .where(JournalEntry.reversal_of_id == original.id)):
        raise Conflict(f"journal entry {number} is already reversed")
    postings = [Posting(acc.code, line.credit - line.debit, line.partner_id, line.item_id,
                        line.memo) for line, acc in entry_lines(uow, original)]
    journal = uow.session.scalar(select(Journal.code).where(Journal.id == original.journal_id))
    entry = post_lines(uow, journal=str(journal), day=day,
                       memo=f"Reversal of {number}: {reason}", postings=postings,
                       source_type=original.source_type, source_ref=original.source_ref,
                       reversal_of_id=original.id)
    assert entry is not None
    return entry


def list_entries(uow: UnitOfWork, page: PageRequest) -> Page[JournalEntry]:
    uow.actor.require(Permission.FINANCE_READ)
    return paginate(uow.session, select(JournalEntry), page,
                    search=[JournalEntry.number, JournalEntry.memo, JournalEntry.source_ref],
                    filterable={"source_type": JournalEntry.source_type,
                                "source_ref": JournalEntry.source_ref},
                    order_by=[JournalEntry.id.desc()])


def account_balances(uow: UnitOfWork, *, start: date | None = None,
                     end: date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """Debit and credit totals per account code over a date range (inclusive)."""
    stmt = (select(Account.code, func.coalesce(func.sum(JournalLine.debit), 0),
                   func.coalesce(func.sum(JournalLine.credit), 0))
            .join(JournalLine, JournalLine.account_id == Account.id)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .group_by(Account.code))
    if start is not None:
        stmt = stmt.where(JournalEntry.entry_date >= start)
    if end is not None:
        stmt = stmt.where(JournalEntry.entry_date <= end)
    return {code: (Decimal(str(d)), Decimal(str(c))) for code, d, c in uow.session.execute(stmt)}


def account_balance(uow: UnitOfWork, code: str, end: date | None = None) -> Decimal:
    """Debit minus credit of one account."""
    debit, credit = account_balances(uow, end=end).get(code, (ZERO, ZERO))
    return debit - credit
