"""Finance pages: chart of accounts, journal entries (list, detail with lines, reversal, a
manual entry form with several lines), fiscal periods with their close button, and the
reports: trial balance, profit and loss, balance sheet, AR/AP aging and the inventory
reconciliation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.finance import account, entries, journal, period, reports
from gemba.erp.finance.open_item import OpenItemKind
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx, Form, WebContext, WebRoute, flash
from gemba.web.forms import Choice, Field, FormState, enum_choices, read_fields, read_rows
from gemba.web.nav import NavEntry, register

P = Permission
PERIODS, REPORTS = "/erp/fiscal-periods", "/erp/reports"
LINE_FIELDS = ("account", "debit", "credit", "partner", "memo")
NEW_ROWS = 4  # empty line rows on a new entry

router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("erp", "Fiscal periods", PERIODS, P.FINANCE_READ, order=142))
register(NavEntry("erp", "Financial reports", REPORTS, P.FINANCE_READ, order=143))


# --- chart of accounts --------------------------------------------------------------------------

def account_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = account.list_accounts(uow, PageRequest(limit=500))
    return [(a.code, f"{a.code} — {a.name}") for a in page.items if a.active]


def load_account_balance(uow: UnitOfWork, record: account.Account) -> dict[str, Any]:
    debit, credit = entries.account_totals(uow, record)
    balance = debit - credit if record.type.debit_normal else credit - debit
    return {"debit": debit, "credit": credit, "balance": balance,
            "side": "debit" if record.type.debit_normal else "credit"}


ACCOUNTS = register_concept(Concept(
    area="erp", slug="accounts", title="Chart of accounts", singular="Account",
    record_type="erp_accounts", read_permission=P.FINANCE_READ,
    write_permission=P.FINANCE_WRITE, list_fn=account.list_accounts,
    get_fn=account.get_account, nav_order=140,
    description="Assets, liabilities and equity (the balance sheet); income and expenses "
                "(profit and loss).",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("type", "Type"), Column("active", "Active")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("type", "Type"),
             Column("active", "Active"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    filters=[ListFilter("type", "Type", enum_choices(account.AccountType))],
    fields=[Field("code", "Code", required=True), Field("name", "Name", required=True),
            Field("type", "Type", kind="select", required=True,
                  choices=enum_choices(account.AccountType))],
    create_in=account.AccountIn, create_fn=account.create_account,
    panels=[Panel("Balance", "erp/accounts/_balance_panel.html", load_account_balance)],
))


# --- journal entries ------------------------------------------------------------------------------

def source_type_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(s, s.replace("_", " ")) for s in entries.source_types(uow)]


def read_entry_form(c: Concept, form: FormData, mode: str) -> tuple[dict[str, Any], FormState]:
    """Header fields plus the debit/credit line rows."""
    data, state = read_fields(c.fields, form, mode)
    data["lines"] = read_rows(form, state, "lines", LINE_FIELDS)
    state.rows = max(state.rows, NEW_ROWS)
    return data, state


def entry_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"accounts": account_choices(uow), "line_fields": LINE_FIELDS}


def load_entry(uow: UnitOfWork, record: journal.JournalEntry) -> dict[str, Any]:
    return {"view": entries.entry_view(uow, record.number), "today": utcnow().date()}


def entry_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_line")
    def line_row(ctx: Ctx, n: int = 0) -> Response:
        """One empty line row of the entry form (HTMX "add line")."""
        ctx.actor.require(c.write_permission)
        with ctx.uow() as uow:
            return ctx.render("erp/journal-entries/_line.html", n=n, state=FormState(),
                              accounts=account_choices(uow))


ENTRIES = register_concept(Concept(
    area="erp", slug="journal-entries", title="Journal entries", singular="Journal entry",
    record_type="erp_journal_entries", read_permission=P.FINANCE_READ,
    write_permission=P.FINANCE_WRITE, list_fn=journal.list_entries,
    get_fn=journal.get_entry, key_attr="number", nav_order=141,
    description="Every posting, balanced and never changed; a mistake is reversed.",
    search_hint="number, memo or document",
    columns=[Column("number", "Number", link=True), Column("entry_date", "Date"),
             Column("memo", "Memo"), Column("source_type", "Source"),
             Column("source_ref", "Document"), Column("posted_by", "Posted by")],
    details=[Column("number", "Number"), Column("entry_date", "Date"), Column("memo", "Memo"),
             Column("source_type", "Source"), Column("source_ref", "Document"),
             Column("posted_at", "Posted at"), Column("posted_by", "Posted by")],
    filters=[ListFilter("source_type", "Source", source_type_choices)],
    fields=[Field("journal", "Journal", kind="select", required=True,
                  choices=entries.journal_choices, default=journal.Journals.GENERAL),
            Field("date", "Date", kind="date", required=True),
            Field("memo", "Memo", required=True)],
    create_in=journal.ManualEntryIn, create_fn=journal.create_manual_entry,
    read_form=read_entry_form, form_context=entry_form_context, row_fields=("lines",),
    extra_routes=entry_routes,
    panels=[Panel("Lines", "erp/journal-entries/_lines_panel.html", load_entry)],
    actions=[Action("reverse", "Reverse this entry", done="Entry reversed.",
                    fields=[Field("date", "Date", kind="date"),
                            Field("reason", "Reason", required=True)],
                    command=entries.EntryReversalIn,
                    run=lambda uow, key, data: entries.reverse(uow, key, data))],
))


# --- fiscal periods -----------------------------------------------------------------------------

def render_periods(ctx: WebContext, uow: UnitOfWork, state: FormState | None = None,
                   status: int = 200) -> Response:
    rows = period.list_periods(uow)
    first_open = next((p.code for p in rows if p.status == period.PeriodStatus.OPEN), None)
    return ctx.render("erp/fiscal-periods/index.html", status, periods=rows,
                      first_open=first_open, can_close=ctx.can(P.FINANCE_CLOSE),
                      state=state or FormState())


@router.get(PERIODS)
def periods_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.FINANCE_READ)
    with ctx.uow() as uow:
        return render_periods(ctx, uow)


@router.post(PERIODS)
def add_period(ctx: Ctx, form: Form) -> Response:
    """Open a month ahead of its first posting (so that it can be closed even if empty)."""
    ctx.actor.require(P.FINANCE_CLOSE)
    raw = form.get("month")
    raw = raw.strip() if isinstance(raw, str) else ""
    state = FormState(values={"month": raw})
    with ctx.uow() as uow:
        try:
            day = date.fromisoformat(f"{raw}-01")
        except ValueError:
            state.errors["month"] = "Choose a month (YYYY-MM)."
            return render_periods(ctx, uow, state, 422)
        record = period.ensure_period(uow, day)
        uow.commit()
        return ctx.redirect(PERIODS, f"Fiscal period {record.code} is open.")


@router.post(PERIODS + "/{code}/close")
def close(ctx: Ctx, code: str, form: Form) -> Response:
    ctx.actor.require(P.FINANCE_CLOSE)
    with ctx.uow() as uow:
        try:
            period.close_period(uow, code)
            uow.commit()
        except (Conflict, NotFound) as exc:
            uow.rollback()
            flash(ctx.request, f"Not closed: {exc.message}", "error")
            return ctx.redirect(PERIODS)
    return ctx.redirect(PERIODS, f"Fiscal period {code} closed.")


# --- reports -------------------------------------------------------------------------------------

def _day(raw: str | None, default: date | None, field: str) -> date | None:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed.on(field, "date", "must be a date (YYYY-MM-DD)") from None


Build = Callable[[UnitOfWork, Mapping[str, str], date], dict[str, Any]]
REPORT_PAGES: list[tuple[str, str, str]] = []  # (slug, title, description)


def report_page(slug: str, title: str, description: str, template: str) -> Callable[[Build],
                                                                                    Build]:
    """Register a report page: the builder reads the query and returns the template data;
    a bad date shows the form again with the message (422)."""
    REPORT_PAGES.append((slug, title, description))

    def decorate(build: Build) -> Build:
        @router.get(f"{REPORTS}/{slug}", name=f"report-{slug}")
        def page(ctx: Ctx) -> Response:
            ctx.actor.require(P.FINANCE_READ)
            query = ctx.request.query_params
            status, error, data = 200, None, {}
            with ctx.uow() as uow:
                try:
                    data = build(uow, query, utcnow().date())
                except ValidationFailed as exc:
                    status, error = 422, exc.message
                return ctx.render(template, status, title=title, slug=slug, error=error,
                                  query=query, reports=REPORT_PAGES, **data)

        return build

    return decorate


@router.get(REPORTS)
def reports_index(ctx: Ctx) -> Response:
    ctx.actor.require(P.FINANCE_READ)
    return ctx.render("erp/reports/index.html", reports=REPORT_PAGES)


@report_page("trial-balance", "Trial balance",
             "Debit and credit totals of every account; the two columns must agree.",
             "erp/reports/trial_balance.html")
def _trial_balance(uow: UnitOfWork, query: Mapping[str, str], today: date) -> dict[str, Any]:
    return {"tb": reports.trial_balance(uow, _day(query.get("end"), None, "end"))}


@report_page("profit-and-loss", "Profit and loss",
             "Income less expenses over a period (default: the year to date).",
             "erp/reports/profit_and_loss.html")
def _profit_and_loss(uow: UnitOfWork, query: Mapping[str, str], today: date) -> dict[str, Any]:
    end = _day(query.get("end"), today, "end") or today
    start = _day(query.get("start"), end.replace(month=1, day=1), "start") or end
    return {"pl": reports.profit_and_loss(uow, start, end)}


@report_page("balance-sheet", "Balance sheet",
             "Assets = liabilities + equity + the earnings not yet closed to equity.",
             "erp/reports/balance_sheet.html")
def _balance_sheet(uow: UnitOfWork, query: Mapping[str, str], today: date) -> dict[str, Any]:
    return {"bs": reports.balance_sheet(uow, _day(query.get("end"), today, "end") or today)}


def _aging(kind: OpenItemKind) -> Build:
    def build(uow: UnitOfWork, query: Mapping[str, str], today: date) -> dict[str, Any]:
        day = _day(query.get("date"), today, "date") or today
        return {"aging": reports.aging(uow, kind, day), "buckets": reports.BUCKETS,
                "bucket_titles": reports.BUCKET_TITLES}

    return build


report_page("ar-aging", "AR aging",
            "What customers owe, by days past due.",
            "erp/reports/aging.html")(_aging(OpenItemKind.RECEIVABLE))
report_page("ap-aging", "AP aging",
            "What we owe suppliers, by days past due.",
            "erp/reports/aging.html")(_aging(OpenItemKind.PAYABLE))


@report_page("inventory-reconciliation", "Inventory reconciliation",
             "The stock valuation, the Inventory account and the stock moves must agree.",
             "erp/reports/inventory_reconciliation.html")
def _reconciliation(uow: UnitOfWork, query: Mapping[str, str], today: date) -> dict[str, Any]:
    return {"rec": reports.inventory_reconciliation(uow)}
