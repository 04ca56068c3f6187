"""REST resources of finance: chart of accounts, journal entries (manual entries, reversals),
fiscal periods and the financial reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request

from gemba.api.crud import CodeResource, Out, PageOut, code_router, page_request
from gemba.api.deps import UowDep
from gemba.core.types import utcnow
from gemba.erp.finance import account, entries, journal, period, reports
from gemba.erp.finance.account import AccountType
from gemba.erp.finance.open_item import OpenItemKind
from gemba.erp.finance.period import PeriodStatus


class AccountOut(Out):
    id: int
    code: str
    name: str
    type: AccountType
    active: bool
    version: int
    updated_at: datetime


class EntryLineOut(Out):
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    partner_code: str | None
    memo: str | None


class EntryOut(Out):
    number: str
    journal: str
    entry_date: date
    period: str
    memo: str
    source_type: str | None
    source_ref: str | None
    posted_at: datetime
    posted_by: str
    reversal_of: str | None
    reversed_by: str | None
    total: Decimal


class EntryDetailOut(EntryOut):
    lines: list[EntryLineOut]


class PeriodOut(Out):
    code: str
    start_date: date
    end_date: date
    status: PeriodStatus
    closed_at: datetime | None
    closed_by: str | None
    version: int


class TrialBalanceRowOut(Out):
    code: str
    name: str
    type: AccountType
    debit: Decimal
    credit: Decimal
    balance: Decimal


class TrialBalanceOut(Out):
    end: date | None
    rows: list[TrialBalanceRowOut]
    total_debit: Decimal
    total_credit: Decimal
    balanced: bool


class ReportLineOut(Out):
    code: str
    name: str
    amount: Decimal


class SectionOut(Out):
    title: str
    lines: list[ReportLineOut]
    total: Decimal


class ProfitAndLossOut(Out):
    start: date
    end: date
    income: SectionOut
    expenses: SectionOut
    net_income: Decimal


class BalanceSheetOut(Out):
    end: date
    assets: SectionOut
    liabilities: SectionOut
    equity: SectionOut
    earnings: Decimal
    liabilities_and_equity: Decimal
    balanced: bool


class AgingDocumentOut(Out):
    doc_type: str
    doc_ref: str
    doc_date: date
    due_date: date
    days_past_due: int
    bucket: str
    open_amount: Decimal


class AgingRowOut(Out):
    partner_code: str
    partner_name: str
    buckets: dict[str, Decimal]
    total: Decimal
    documents: list[AgingDocumentOut]


class AgingOut(Out):
    kind: OpenItemKind
    day: date
    rows: list[AgingRowOut]
    totals: dict[str, Decimal]
    total: Decimal
    account_code: str
    account_balance: Decimal
    difference: Decimal


class ValuationLineOut(Out):
    item: str
    name: str
    method: str
    qty: Decimal
    value: Decimal
    unit_cost: Decimal


class ReconciliationOut(Out):
    valuation_total: Decimal
    account_balance: Decimal
    moves_total: Decimal
    reconciled: bool
    lines: list[ValuationLineOut]


router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/accounts", tag="finance", record_type="erp_accounts", out=AccountOut,
    create_in=account.AccountIn, patch_in=None, list_fn=account.list_accounts,
    get_fn=account.get_account, create_fn=account.create_account, filters=["type"])))

fin = APIRouter(tags=["finance"])


@fin.get("/journal-entries", response_model=PageOut[EntryOut])
def list_entries(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                 offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    """Newest first. Exact-match filters: source_type, source_ref; ``q`` searches number,
    memo and source reference."""
    page = journal.list_entries(uow, page_request(request, limit, offset, q))
    return {"items": [EntryOut.model_validate(v)
                      for v in entries.entry_views(uow, list(page.items))],
            "total": page.total, "limit": page.limit, "offset": page.offset}


@fin.post("/journal-entries", response_model=EntryDetailOut, status_code=201)
def create_entry(body: journal.ManualEntryIn, uow: UowDep) -> Any:
    """A manual entry: balanced, in an open period, or nothing is written."""
    entry = journal.create_manual_entry(uow, body)
    uow.commit()
    return EntryDetailOut.model_validate(entries.entry_view(uow, entry.number))


@fin.get("/journal-entries/{number}", response_model=EntryDetailOut)
def get_entry(number: str, uow: UowDep) -> Any:
    return EntryDetailOut.model_validate(entries.entry_view(uow, number))


@fin.post("/journal-entries/{number}/reverse", response_model=EntryDetailOut,
          status_code=201)
def reverse_entry(number: str, body: entries.EntryReversalIn, uow: UowDep) -> Any:
    """Post the mirror image of an entry (once); 409 if already reversed."""
    entry = entries.reverse(uow, number, body)
    uow.commit()
    return EntryDetailOut.model_validate(entries.entry_view(uow, entry.number))


@fin.get("/fiscal-periods", response_model=list[PeriodOut])
def list_periods(uow: UowDep) -> Any:
    return [PeriodOut.model_validate(p) for p in period.list_periods(uow)]


@fin.post("/fiscal-periods/{code}/close", response_model=PeriodOut)
def close_period(code: str, uow: UowDep) -> Any:
    """Close a month; earlier months first (409 otherwise)."""
    record = period.close_period(uow, code)
    uow.commit()
    return PeriodOut.model_validate(record)


@fin.get("/reports/trial-balance", response_model=TrialBalanceOut)
def trial_balance(uow: UowDep, end: date | None = None) -> Any:
    return TrialBalanceOut.model_validate(reports.trial_balance(uow, end))


@fin.get("/reports/profit-and-loss", response_model=ProfitAndLossOut)
def profit_and_loss(uow: UowDep, start: date = Query(...), end: date = Query(...)) -> Any:
    return ProfitAndLossOut.model_validate(reports.profit_and_loss(uow, start, end))


@fin.get("/reports/balance-sheet", response_model=BalanceSheetOut)
def balance_sheet(uow: UowDep, end: date | None = None) -> Any:
    return BalanceSheetOut.model_validate(reports.balance_sheet(uow, end or utcnow().date()))


@fin.get("/reports/aging", response_model=AgingOut)
def aging(uow: UowDep, kind: OpenItemKind = Query(...),
          day: date | None = Query(None, alias="date")) -> Any:
    """Open receivables or payables per partner by days past due on ``date`` (default
    today), with the AR (1100) / AP (2000) balance for comparison."""
    return AgingOut.model_validate(reports.aging(uow, kind, day))


@fin.get("/reports/inventory-reconciliation", response_model=ReconciliationOut)
def inventory_reconciliation(uow: UowDep) -> Any:
    """Valuation, Inventory account and stock-move values side by side."""
    return ReconciliationOut.model_validate(reports.inventory_reconciliation(uow))


router.include_router(fin)
