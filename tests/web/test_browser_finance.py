"""A real browser on the accountant's manual journal entry: add a line through HTMX, see an
unbalanced entry refused next to the form with nothing posted, fix it, post it, and find it on
the trial balance. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from test_browser import browser, live_server, log_in, shot  # noqa: F401 - fixtures

from gemba.erp.finance.journal import JournalEntry

pytestmark = pytest.mark.browser


def _entries(gemba) -> int:
    with gemba.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def _line(page, n: int, account: str, debit: str = "", credit: str = "") -> None:
    row = page.locator("#lines-body tr.line-row").nth(n)
    row.locator("select").select_option(account)
    row.locator('input[aria-label="Debit"]').fill(debit)
    row.locator('input[aria-label="Credit"]').fill(credit)


def test_manual_journal_entry(live_server, browser):  # noqa: F811 - pytest fixtures
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, base)
    page.goto(base + "/erp/journal-entries/new")
    rows = page.locator("#lines-body tr.line-row")
    before = rows.count()
    page.click("button.add-line")
    page.wait_for_function(f"document.querySelectorAll('#lines-body tr.line-row').length"
                           f" === {before + 1}")
    page.fill("#f-date", date.today().isoformat())
    page.fill("#f-memo", "Rent December")
    _line(page, 0, "6100", debit="1200")
    _line(page, 1, "1000", credit="1000")
    page.click("main button[type=submit]")
    page.wait_for_selector("#err-lines")
    assert "must balance" in page.inner_text("#err-lines")
    shot(page, "finance-01-unbalanced-entry")
    assert _entries(live_server.gemba) == 0
    _line(page, 1, "1000", credit="1200")
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/erp/journal-entries/JE-*")
    assert "Rent December" in page.inner_text("main")
    shot(page, "finance-02-entry-posted")
    assert _entries(live_server.gemba) == 1
    page.goto(base + "/erp/reports/trial-balance")
    text = page.inner_text("main")
    assert "6100\tRent and utilities\texpense\t1,200.00\t0.00\t1,200.00" in text
    assert "TOTAL\t1,200.00\t1,200.00" in text
    shot(page, "finance-03-trial-balance")
