"""Financial reports read straight from the journal lines: trial balance, profit and loss,
balance sheet, AR/AP aging from the open items, and the inventory reconciliation (valuation
= Inventory account = sum of the stock moves' values).

Nothing here writes; every figure is recomputed from the append-only ledgers, so a report
can always be re-run for a past date and gives the same answer once its periods are closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import MONEY_PLACES, quantize, utcnow
from gemba.erp.finance.account import Account, Accounts, AccountType
from gemba.erp.finance.journal import account_balance, account_balances
from gemba.erp.finance.open_item import OpenItem, OpenItemKind
from gemba.erp.inventory.stock import ValuationLine, moves_value, valuation_report
from gemba.erp.inventory.valuation import inventory_value
from gemba.erp.partners.partner import Partner

ZERO = Decimal(0)


def _money(value: Decimal) -> Decimal:
    """SQLite sums NUMERIC in binary floating point: round back to the money places."""
    return quantize(value, MONEY_PLACES)


def _balances(uow: UnitOfWork, start: date | None = None,
              end: date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    return {code: (_money(d), _money(c))
            for code, (d, c) in account_balances(uow, start=start, end=end).items()}


# --- trial balance ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: AccountType
    debit: Decimal   # total of the debit lines
    credit: Decimal  # total of the credit lines

    @property
    def balance(self) -> Decimal:
        """Debit minus credit (negative: a credit balance)."""
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    end: date | None
    rows: list[TrialBalanceRow]
    total_debit: Decimal
    total_credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit


def _accounts(uow: UnitOfWork) -> dict[str, Account]:
    return {a.code: a for a in uow.session.scalars(select(Account).order_by(Account.code))}


def trial_balance(uow: UnitOfWork, end: date | None = None) -> TrialBalance:
    """Every account with postings up to ``end`` (inclusive; None: everything)."""
    uow.actor.require(Permission.FINANCE_READ)
    totals = _balances(uow, end=end)
    accounts = _accounts(uow)
    rows = [TrialBalanceRow(code, accounts[code].name, accounts[code].type, d, c)
            for code, (d, c) in sorted(totals.items()) if d or c]
    return TrialBalance(end, rows, sum((r.debit for r in rows), ZERO),
                        sum((r.credit for r in rows), ZERO))


# --- profit and loss and balance sheet ------------------------------------------------------------

@dataclass(frozen=True)
class ReportLine:
    """An account's amount in its normal direction (credit-normal accounts shown positive
    when in credit)."""

    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[ReportLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def _section(title: str, kinds: Iterable[AccountType], accounts: dict[str, Account],
             totals: dict[str, tuple[Decimal, Decimal]]) -> Section:
    wanted = set(kinds)
    lines = []
    for code, account in accounts.items():
        if account.type not in wanted or code not in totals:
            continue
        debit, credit = totals[code]
        amount = debit - credit if account.type.debit_normal else credit - debit
        if debit or credit:
            lines.append(ReportLine(code, account.name, amount))
    return Section(title, lines)


@dataclass(frozen=True)
class ProfitAndLoss:
    start: date
    end: date
    income: Section
    expenses: Section

    @property
    def net_income(self) -> Decimal:
        return self.income.total - self.expenses.total


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed.on("end", "not_before_start",
                                  f"the period ends ({end}) before it starts ({start})")


def profit_and_loss(uow: UnitOfWork, start: date, end: date) -> ProfitAndLoss:
    """Income (credit-normal) less expenses (debit-normal) of entries dated in [start, end]."""
    uow.actor.require(Permission.FINANCE_READ)
    _check_range(start, end)
    totals = _balances(uow, start, end)
    accounts = _accounts(uow)
    return ProfitAndLoss(start, end,
                         _section("Income", [AccountType.INCOME], accounts, totals),
                         _section("Expenses", [AccountType.EXPENSE], accounts, totals))


@dataclass(frozen=True)
class BalanceSheet:
    end: date
    assets: Section
    liabilities: Section
    equity: Section
    earnings: Decimal  # net income of every entry up to ``end`` not yet closed to equity

    @property
    def liabilities_and_equity(self) -> Decimal:
        return self.liabilities.total + self.equity.total + self.earnings

    @property
    def balanced(self) -> bool:
        return self.assets.total == self.liabilities_and_equity


def balance_sheet(uow: UnitOfWork, end: date) -> BalanceSheet:
    """Assets = liabilities + equity + earnings, all as at ``end``.

    There is no year-end closing entry yet, so the earnings are the net income of every
    income and expense posting up to ``end``."""
    uow.actor.require(Permission.FINANCE_READ)
    totals = _balances(uow, end=end)
    accounts = _accounts(uow)
    income = _section("Income", [AccountType.INCOME], accounts, totals)
    expenses = _section("Expenses", [AccountType.EXPENSE], accounts, totals)
    return BalanceSheet(end,
                        _section("Assets", [AccountType.ASSET], accounts, totals),
                        _section("Liabilities", [AccountType.LIABILITY], accounts, totals),
                        _section("Equity", [AccountType.EQUITY], accounts, totals),
                        income.total - expenses.total)


# --- aging ---------------------------------------------------------------------------------------

BUCKETS = ("current", "1-30", "31-60", "61-90", "over_90")
BUCKET_TITLES = {"current": "Not yet due", "1-30": "1–30 days", "31-60": "31–60 days",
                 "61-90": "61–90 days", "over_90": "Over 90 days"}


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "over_90"


def _empty_buckets() -> dict[str, Decimal]:
    return dict.fromkeys(BUCKETS, ZERO)


@dataclass(frozen=True)
class AgingDocument:
    doc_type: str
    doc_ref: str
    doc_date: date
    due_date: date
    days_past_due: int
    open_amount: Decimal

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_past_due)


@dataclass
class AgingRow:
    partner_code: str
    partner_name: str
    buckets: dict[str, Decimal] = field(default_factory=_empty_buckets)
    documents: list[AgingDocument] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass(frozen=True)
class Aging:
    kind: OpenItemKind
    day: date
    rows: list[AgingRow]
    totals: dict[str, Decimal]
    account_code: str
    account_balance: Decimal  # AR as a debit balance, AP as a credit balance, at ``day``

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def difference(self) -> Decimal:
        """Open items less the control account; not always zero (tax, credit notes)."""
        return self.total - self.account_balance


def aging(uow: UnitOfWork, kind: OpenItemKind, day: date | None = None) -> Aging:
    """Open amounts per partner by days past due on ``day`` (default today).

    Documents dated after ``day`` are left out; what is settled is what is settled now (the
    open items keep no settlement history)."""
    uow.actor.require(Permission.FINANCE_READ)
    day = day or utcnow().date()
    rows = uow.session.execute(
        select(OpenItem, Partner.code, Partner.name)
        .join(Partner, Partner.id == OpenItem.partner_id)
        .where(OpenItem.kind == kind, OpenItem.amount_settled < OpenItem.amount,
               OpenItem.doc_date <= day)
        .order_by(Partner.code, OpenItem.due_date, OpenItem.id)).all()
    by_partner: dict[str, AgingRow] = {}
    totals = _empty_buckets()
    for item, code, name in rows:
        row = by_partner.setdefault(code, AgingRow(code, name))
        doc = AgingDocument(item.doc_type, item.doc_ref, item.doc_date, item.due_date,
                            (day - item.due_date).days, item.amount - item.amount_settled)
        row.documents.append(doc)
        row.buckets[doc.bucket] += doc.open_amount
        totals[doc.bucket] += doc.open_amount
    account = Accounts.AR if kind == OpenItemKind.RECEIVABLE else Accounts.AP
    balance = _money(account_balance(uow, account, end=day))
    if kind == OpenItemKind.PAYABLE:
        balance = -balance
    return Aging(kind, day, list(by_partner.values()), totals, account, balance)


# --- inventory reconciliation ------------------------------------------------------------------

@dataclass(frozen=True)
class InventoryReconciliation:
    valuation_total: Decimal  # sum of the item valuations
    account_balance: Decimal  # the Inventory account (1300)
    moves_total: Decimal      # sum of the stock moves' value changes
    lines: list[ValuationLine]  # per item, from the valuation

    @property
    def reconciled(self) -> bool:
        return self.valuation_total == self.account_balance == self.moves_total

    @property
    def lines_total(self) -> Decimal:
        return sum((line.value for line in self.lines), ZERO)


def inventory_reconciliation(uow: UnitOfWork) -> InventoryReconciliation:
    """The three ways to reach the inventory value must agree."""
    uow.actor.require(Permission.FINANCE_READ)
    return InventoryReconciliation(_money(inventory_value(uow)),
                                   _money(account_balance(uow, Accounts.INVENTORY)),
                                   _money(moves_value(uow)), valuation_report(uow))
