"""Finance pages: chart of accounts, journal entries (manual entry form, detail, reversal),
fiscal periods with their close button, and the report pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from gemba.core.types import utcnow
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.journal import JournalEntry, account_balance
from gemba.erp.finance.open_item import OpenItemKind, add_open_item
from gemba.erp.finance.period import PeriodStatus, get_period
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.partners.partner import PartnerIn, create_partner

REPORTS = ("trial-balance", "profit-and-loss", "balance-sheet", "ar-aging", "ap-aging",
           "inventory-reconciliation")


def entries(gemba) -> int:
    with gemba.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(JournalEntry))


def rent(day: str = "2025-03-14", credit: str = "250") -> dict[str, str]:
    return {"journal": "GEN", "date": day, "memo": "Rent March",
            "lines[0].account": "6100", "lines[0].debit": "250",
            "lines[1].account": "1000", "lines[1].credit": credit,
            "lines[2].account": "", "lines[2].debit": "", "lines[2].credit": ""}


@pytest.fixture
def business(gemba):
    """GEAR 10 x 3.00 received; ACME owes INV-1 (120) 45 days past due, BOLTCO is owed
    BILL-1 (80) due in 10 days."""
    today = utcnow().date()
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("3")))
        post_moves(uow, [MoveIn("GEAR", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D("3"))],
                   doc_type="receipt", doc_ref="GR-1", day=today)
        acme = create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True))
        bolt = create_partner(uow, PartnerIn(code="BOLTCO", name="Bolt Co",
                                             is_supplier=True))
        add_open_item(uow, kind=OpenItemKind.RECEIVABLE, partner_id=acme.id,
                      doc_type="invoice", doc_ref="INV-1", doc_date=today - timedelta(days=75),
                      due_date=today - timedelta(days=45), amount=D("120"))
        add_open_item(uow, kind=OpenItemKind.PAYABLE, partner_id=bolt.id, doc_type="bill",
                      doc_ref="BILL-1", doc_date=today, due_date=today + timedelta(days=10),
                      amount=D("80"))
        uow.commit()
    return gemba


def test_pages_render(admin, business):
    home = admin.get("/").text
    for url in ("/erp/accounts", "/erp/journal-entries", "/erp/fiscal-periods",
                "/erp/reports"):
        assert f'href="{url}"' in home, url
        assert admin.get(url).status_code == 200, url
    for slug in REPORTS:
        r = admin.get(f"/erp/reports/{slug}")
        assert r.status_code == 200, slug
    for url in ("/erp/accounts/1300", "/erp/accounts/new", "/erp/journal-entries/new",
                "/erp/journal-entries/_line?n=9", "/erp/journal-entries/JE-000001"):
        assert admin.get(url).status_code == 200, url
    detail = admin.get("/erp/journal-entries/JE-000001").text
    assert "Journal <strong>STK</strong>" in detail and "Goods received not invoiced" in detail
    assert 'id="account-balance">30<' in admin.get("/erp/accounts/1300").text
    rec = admin.get("/erp/reports/inventory-reconciliation").text
    assert 'id="reconciled">yes<' in rec and 'id="valuation-total">30.00<' in rec
    ar = admin.get("/erp/reports/ar-aging").text
    assert "ACME" in ar and 'id="bucket-31-60">120.00<' in ar and "45 days late" in ar
    ap = admin.get("/erp/reports/ap-aging").text
    assert "BOLTCO" in ap and 'id="bucket-current">80.00<' in ap
    tb = admin.get("/erp/reports/trial-balance").text
    assert 'id="total-debit">30.00<' in tb and 'id="total-credit">30.00<' in tb and "balanced" in tb
    bs = admin.get("/erp/reports/balance-sheet").text
    assert "assets = liabilities + equity" in bs and 'id="total-assets">30.00<' in bs
    assert 'href="/erp/accounts/2100"' in bs and 'id="total-liabilities">30.00<' in bs
    bad = admin.get("/erp/reports/profit-and-loss", params={"start": "yesterday"})
    assert bad.status_code == 422 and "must be a date" in bad.text
    backwards = admin.get("/erp/reports/profit-and-loss",
                          params={"start": "2025-02-01", "end": "2025-01-01"})
    assert backwards.status_code == 422 and "before it starts" in backwards.text


def test_manual_entry_through_the_form(admin, gemba):
    form = admin.get("/erp/journal-entries/new").text
    assert 'name="lines[3].account"' in form and "6100 — Rent and utilities" in form
    unbalanced = admin.submit("/erp/journal-entries/new", rent(credit="240"))
    assert unbalanced.status_code == 422
    assert 'id="err-lines"' in unbalanced.text and "must balance" in unbalanced.text
    assert 'value="240"' in unbalanced.text  # the form is drawn again as typed
    assert entries(gemba) == 0
    one_line = admin.submit("/erp/journal-entries/new", {
        "journal": "GEN", "date": "2025-03-14", "memo": "x",
        "lines[0].account": "6100", "lines[0].debit": "5"})
    assert one_line.status_code == 422 and 'id="err-lines"' in one_line.text
    both = admin.submit("/erp/journal-entries/new", {**rent(), "lines[0].credit": "250"})
    assert both.status_code == 422 and "either a debit or a credit" in both.text
    no_date = admin.submit("/erp/journal-entries/new", {**rent(), "date": ""})
    assert no_date.status_code == 422 and 'id="err-date"' in no_date.text
    assert entries(gemba) == 0

    r = admin.submit("/erp/journal-entries/new", rent(), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/erp/journal-entries/JE-000001"
    detail = admin.get(r.headers["location"]).text
    assert "Journal entry JE-000001 created." in detail and "Rent March" in detail
    assert "Reverse this entry" in detail
    with gemba.uow() as uow:
        assert account_balance(uow, "1000") == D("-250")
    listed = admin.get("/erp/journal-entries", params={"source_type": "manual"}).text
    assert "JE-000001" in listed

    no_reason = admin.submit("/erp/journal-entries/JE-000001/actions/reverse",
                             {"date": "2025-03-20", "reason": ""})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    reversed_ = admin.submit("/erp/journal-entries/JE-000001/actions/reverse",
                             {"date": "2025-03-20", "reason": "wrong month"})
    assert reversed_.status_code == 200 and "Entry reversed." in reversed_.text
    assert "JE-000002" in reversed_.text and "Reverse this entry" not in reversed_.text
    mirror = admin.get("/erp/journal-entries/JE-000002").text
    assert "reverses" in mirror and "Reverse this entry" not in mirror
    again = admin.submit("/erp/journal-entries/JE-000001/actions/reverse",
                         {"date": "2025-03-20", "reason": "again"})
    assert again.status_code == 409 and "already reversed" in again.text
    with gemba.uow() as uow:
        assert account_balance(uow, "1000") == 0
    assert entries(gemba) == 2


def test_fiscal_periods_close(admin, gemba):
    assert admin.submit("/erp/journal-entries/new", rent("2025-03-14"),
                        follow_redirects=False).status_code == 303
    opened = admin.submit("/erp/fiscal-periods", {"month": "2025-04"}, follow_redirects=False)
    assert opened.status_code == 303
    bad_month = admin.submit("/erp/fiscal-periods", {"month": "April"})
    assert bad_month.status_code == 422 and 'id="err-month"' in bad_month.text
    page = admin.get("/erp/fiscal-periods").text
    assert "2025-03" in page and "2025-04" in page and 'title="Close 2025-03 first"' in page
    early = admin.submit("/erp/fiscal-periods/2025-04/close", {})
    assert "Not closed: close fiscal period 2025-03 before 2025-04" in early.text
    r = admin.submit("/erp/fiscal-periods/2025-03/close", {}, follow_redirects=False)
    assert r.status_code == 303
    assert "Fiscal period 2025-03 closed." in admin.get("/erp/fiscal-periods").text
    with gemba.uow() as uow:
        assert get_period(uow, "2025-03").status == PeriodStatus.CLOSED
        assert get_period(uow, "2025-04").status == PeriodStatus.OPEN
    late = admin.submit("/erp/journal-entries/new", rent("2025-03-31"))
    assert late.status_code == 422 and 'id="err-date"' in late.text and "closed" in late.text
    assert entries(gemba) == 1


def test_accounts_and_permissions(admin, web, add_user, gemba):
    r = admin.submit("/erp/accounts/new", {"code": "1600", "name": "Vehicles",
                                           "type": "asset"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/accounts/1600"
    dup = admin.submit("/erp/accounts/new", {"code": "1600", "name": "Again",
                                             "type": "asset"})
    assert dup.status_code == 409
    assert "Vehicles" in admin.get("/erp/accounts", params={"type": "asset"}).text
    admin.post("/logout", data={"csrf_token": admin.token()})
    add_user("bob", ("buyer",))
    assert web.login("bob").status_code == 303
    assert 'href="/erp/reports"' not in web.get("/").text
    assert web.get("/erp/reports/trial-balance").status_code == 403
    assert web.get("/erp/journal-entries/new").status_code == 403
    assert web.get("/erp/stock").status_code == 200  # a buyer works with stock
