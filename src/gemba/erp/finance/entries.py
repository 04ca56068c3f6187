"""Journal entries as people read them: with their journal, period, lines and totals, and
which entry reverses which; plus the reversal command of the front doors.

``journal.py`` writes entries; this module only reads them (and names the reversal input
once for the API and the web form)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.types import MONEY_PLACES, quantize, utcnow
from gemba.erp.finance.account import Account
from gemba.erp.finance.journal import (
    Journal,
    JournalEntry,
    JournalLine,
    entry_lines,
    get_entry,
    reverse_entry,
)
from gemba.erp.finance.period import FiscalPeriod
from gemba.erp.partners.partner import Partner

ZERO = Decimal(0)


class EntryReversalIn(Command):
    date: dt.date | None = Field(default=None, description="Default: today.")
    reason: str = Field(min_length=1, max_length=150)


def reverse(uow: UnitOfWork, number: str, data: EntryReversalIn) -> JournalEntry:
    return reverse_entry(uow, number, data.date or utcnow().date(), data.reason)


@dataclass(frozen=True)
class LineView:
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    partner_code: str | None
    memo: str | None


@dataclass(frozen=True)
class EntryView:
    number: str
    journal: str
    entry_date: dt.date
    period: str
    memo: str
    source_type: str | None
    source_ref: str | None
    posted_at: dt.datetime
    posted_by: str
    reversal_of: str | None   # the entry this one reverses
    reversed_by: str | None   # the entry that reverses this one
    total: Decimal            # sum of the debits (= sum of the credits)
    lines: list[LineView]


def _views(uow: UnitOfWork, entries: list[JournalEntry], *,
           with_lines: bool) -> list[EntryView]:
    if not entries:
        return []
    ids = [e.id for e in entries]
    journals = dict(uow.session.execute(select(Journal.id, Journal.code)).all())
    periods = dict(uow.session.execute(select(FiscalPeriod.id, FiscalPeriod.code).where(
        FiscalPeriod.id.in_({e.period_id for e in entries}))).all())
    originals = {e.reversal_of_id for e in entries if e.reversal_of_id}
    numbers = dict(uow.session.execute(select(JournalEntry.id, JournalEntry.number).where(
        JournalEntry.id.in_(originals))).all()) if originals else {}
    rev = aliased(JournalEntry)
    reversed_by = dict(uow.session.execute(select(rev.reversal_of_id, rev.number).where(
        rev.reversal_of_id.in_(ids))).all())
    totals = dict(uow.session.execute(
        select(JournalLine.entry_id, func.coalesce(func.sum(JournalLine.debit), 0))
        .where(JournalLine.entry_id.in_(ids)).group_by(JournalLine.entry_id)).all())
    out = []
    for e in entries:
        lines: list[LineView] = []
        if with_lines:
            partners = _partner_codes(uow, e)
            lines = [LineView(acc.code, acc.name, line.debit, line.credit,
                              partners.get(line.partner_id) if line.partner_id else None,
                              line.memo) for line, acc in entry_lines(uow, e)]
        out.append(EntryView(e.number, journals[e.journal_id], e.entry_date,
                             periods[e.period_id], e.memo, e.source_type, e.source_ref,
                             e.posted_at, e.posted_by,
                             numbers.get(e.reversal_of_id) if e.reversal_of_id else None,
                             reversed_by.get(e.id), _money(totals.get(e.id, ZERO)),
                             lines))
    return out


def _partner_codes(uow: UnitOfWork, entry: JournalEntry) -> dict[int, str]:
    return dict(uow.session.execute(
        select(Partner.id, Partner.code).join(JournalLine, JournalLine.partner_id == Partner.id)
        .where(JournalLine.entry_id == entry.id)).all())


def entry_view(uow: UnitOfWork, number: str) -> EntryView:
    """One entry with its lines (404 if unknown)."""
    return _views(uow, [get_entry(uow, number)], with_lines=True)[0]


def entry_views(uow: UnitOfWork, entries: list[JournalEntry]) -> list[EntryView]:
    """Header views of a page of entries (no lines), in a few queries."""
    uow.actor.require(Permission.FINANCE_READ)
    return _views(uow, list(entries), with_lines=False)


def journal_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    uow.actor.require(Permission.FINANCE_READ)
    return [(code, f"{code} — {name}") for code, name in uow.session.execute(
        select(Journal.code, Journal.name).order_by(Journal.id))]


def source_types(uow: UnitOfWork) -> list[str]:
    """The kinds of documents that have posted entries (for a list filter)."""
    uow.actor.require(Permission.FINANCE_READ)
    return [s for s in uow.session.scalars(select(JournalEntry.source_type).distinct()
                                           .order_by(JournalEntry.source_type)) if s]


def account_totals(uow: UnitOfWork, account: Account) -> tuple[Decimal, Decimal]:
    """Debit and credit totals of one account over all time."""
    uow.actor.require(Permission.FINANCE_READ)
    row = uow.session.execute(
        select(func.coalesce(func.sum(JournalLine.debit), 0),
               func.coalesce(func.sum(JournalLine.credit), 0))
        .where(JournalLine.account_id == account.id)).one()
    return _money(row[0]), _money(row[1])


def _money(value: object) -> Decimal:
    """SQLite sums NUMERIC in binary floating point: round back to the money places."""
    return quantize(Decimal(str(value)), MONEY_PLACES)
