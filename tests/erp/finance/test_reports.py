"""Financial reports on a small set of postings: trial balance, profit and loss, balance sheet,
AR/AP aging and the inventory reconciliation, every figure checked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.journal import EntryLineIn, ManualEntryIn, create_manual_entry
from gemba.erp.finance.open_item import OpenItemKind, add_open_item, settle
from gemba.erp.finance.reports import (
    aging,
    balance_sheet,
    bucket_of,
    inventory_reconciliation,
    profit_and_loss,
    trial_balance,
)
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.operations import AdjustmentIn, adjust
from gemba.erp.partners.partner import PartnerIn, create_partner

JAN, FEB = date(2025, 1, 15), date(2025, 2, 10)


def entry(uow, day: date, memo: str, *lines: tuple[str, str, str]) -> None:
    create_manual_entry(uow, ManualEntryIn(date=day, memo=memo, lines=[
        EntryLineIn(account=a, debit=D(d), credit=D(c)) for a, d, c in lines]))


@pytest.fixture
def books(gemba):
    """January: capital 10000, a sale 1200 (cost 300 of GEAR), rent 500.
    February: a sale 800, wages 400. Stock: GEAR received 10 x 30 and 5 x 40 (FIFO), WIDGET
    adjusted in 4 x 2.50."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("30")))
        create_item(uow, ItemIn(code="WIDGET", name="Widget", type="purchased", uom="ea",
                                costing_method="average", standard_cost=D("2.50")))
        entry(uow, JAN, "Capital", ("1000", "10000", "0"), ("3000", "0", "10000"))
        post_moves(uow, [MoveIn("GEAR", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D("30"))],
                   doc_type="receipt", doc_ref="GR-1", day=JAN)
        post_moves(uow, [MoveIn("GEAR", D(5), "SUPPLIER", "WH/STOCK", unit_cost=D("40"))],
                   doc_type="receipt", doc_ref="GR-2", day=JAN)
        post_moves(uow, [MoveIn("GEAR", D(10), "WH/STOCK", "CUSTOMER")],
                   doc_type="delivery", doc_ref="DEL-1", day=JAN)  # COGS 300 (FIFO)
        entry(uow, JAN, "Sale", ("1100", "1200", "0"), ("4000", "0", "1200"))
        entry(uow, JAN, "Rent", ("6100", "500", "0"), ("1000", "0", "500"))
        entry(uow, FEB, "Sale", ("1100", "800", "0"), ("4000", "0", "800"))
        entry(uow, FEB, "Wages", ("6000", "400", "0"), ("1000", "0", "400"))
        adjust(uow, AdjustmentIn(item="WIDGET", location="WH/STOCK", qty=D(4),
                                 unit_cost=D("2.50"), reason="found", date=FEB))
        uow.commit()
    return gemba


def test_trial_balance(books):
    with books.uow() as uow:
        tb = trial_balance(uow)
        by_code = {r.code: r for r in tb.rows}
        assert tb.balanced and tb.total_debit == tb.total_credit
        # 10000 + 500 (GR) + 300 (COGS) + 1200 + 500 + 800 + 400 + 10 (adjustment)
        assert tb.total_debit == D("13710.00")
        assert by_code["1000"].debit == D("10000") and by_code["1000"].credit == D("900")
        assert by_code["1000"].balance == D("9100")
        assert by_code["1300"].balance == D("210")  # 500 in, 300 out, 10 adjusted in
        assert by_code["2100"].balance == D("-500")
        assert by_code["4000"].name == "Sales revenue" and by_code["4000"].type == "income"
        assert "1500" not in by_code  # no postings, not listed
        jan = trial_balance(uow, JAN)
        assert jan.balanced and {r.code for r in jan.rows} >= {"6100"}
        assert "6000" not in {r.code for r in jan.rows}


def test_profit_and_loss(books):
    with books.uow() as uow:
        jan = profit_and_loss(uow, date(2025, 1, 1), date(2025, 1, 31))
        assert [(x.code, x.amount) for x in jan.income.lines] == [("4000", D("1200"))]
        assert {x.code: x.amount for x in jan.expenses.lines} == {"5000": D("300"),
                                                                   "6100": D("500")}
        assert jan.net_income == D("400")
        both = profit_and_loss(uow, date(2025, 1, 1), date(2025, 2, 28))
        # income 2000; expenses 300 COGS + 500 rent + 400 wages - 10 adjustment gain
        assert both.income.total == D("2000")
        assert both.expenses.total == D("1190")
        assert both.net_income == D("810")
        with pytest.raises(ValidationFailed) as exc:
            profit_and_loss(uow, date(2025, 2, 1), date(2025, 1, 1))
        assert exc.value.issues[0].field == "end"


def test_balance_sheet(books):
    with books.uow() as uow:
        bs = balance_sheet(uow, date(2025, 2, 28))
        assets = {x.code: x.amount for x in bs.assets.lines}
        assert assets == {"1000": D("9100"), "1100": D("2000"), "1300": D("210")}
        assert bs.assets.total == D("11310")
        assert {x.code: x.amount for x in bs.liabilities.lines} == {"2100": D("500")}
        assert {x.code: x.amount for x in bs.equity.lines} == {"3000": D("10000")}
        assert bs.earnings == D("810")
        assert bs.liabilities_and_equity == D("11310") and bs.balanced
        jan = balance_sheet(uow, date(2025, 1, 31))
        assert jan.balanced and jan.earnings == D("400")


def test_aging_buckets(gemba):
    day = date(2025, 6, 30)
    with gemba.uow() as uow:
        acme = create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True))
        bolt = create_partner(uow, PartnerIn(code="BOLTCO", name="Bolt Co", is_customer=True,
                                             is_supplier=True))
        items = {}
        for ref, partner, days_past, amount in [("INV-1", acme, 10, "100"),
                                                ("INV-2", acme, 45, "200"),
                                                ("INV-3", acme, 100, "300"),
                                                ("INV-4", bolt, -5, "50"),
                                                ("INV-5", bolt, 75, "70")]:
            due = day - timedelta(days=days_past)
            items[ref] = add_open_item(uow, kind=OpenItemKind.RECEIVABLE,
                                       partner_id=partner.id, doc_type="invoice", doc_ref=ref,
                                       doc_date=due - timedelta(days=30), due_date=due,
                                       amount=D(amount))
        add_open_item(uow, kind=OpenItemKind.RECEIVABLE, partner_id=acme.id,
                      doc_type="invoice", doc_ref="INV-LATER", doc_date=day + timedelta(days=1),
                      due_date=day + timedelta(days=31), amount=D("999"))
        add_open_item(uow, kind=OpenItemKind.PAYABLE, partner_id=bolt.id, doc_type="bill",
                      doc_ref="BILL-1", doc_date=date(2025, 5, 1), due_date=date(2025, 5, 31),
                      amount=D("40"))
        settle(uow, items["INV-2"], D("50"), "amount")
        entry(uow, date(2025, 6, 1), "AR opening", ("1100", "720", "0"), ("3900", "0", "720"))
        entry(uow, date(2025, 5, 1), "AP opening", ("3900", "40", "0"), ("2000", "0", "40"))
        uow.commit()
    with gemba.uow() as uow:
        ar = aging(uow, OpenItemKind.RECEIVABLE, day)
        rows = {r.partner_code: r for r in ar.rows}
        assert list(rows) == ["ACME", "BOLTCO"]
        assert rows["ACME"].buckets == {"current": 0, "1-30": D("100"), "31-60": D("150"),
                                        "61-90": 0, "over_90": D("300")}
        assert [d.doc_ref for d in rows["ACME"].documents] == ["INV-3", "INV-2", "INV-1"]
        assert rows["BOLTCO"].buckets["current"] == D("50")
        assert rows["BOLTCO"].buckets["61-90"] == D("70")
        assert ar.totals == {"current": D("50"), "1-30": D("100"), "31-60": D("150"),
                             "61-90": D("70"), "over_90": D("300")}
        assert ar.total == D("670") and rows["ACME"].total == D("550")
        # The ledger says 720 (the open items do not know about the settlement): reported.
        assert ar.account_code == "1100" and ar.account_balance == D("720")
        assert ar.difference == D("-50")
        ap = aging(uow, OpenItemKind.PAYABLE, day)
        assert [(r.partner_code, r.buckets["1-30"]) for r in ap.rows] == [("BOLTCO", D("40"))]
        assert ap.account_balance == D("40") and ap.difference == 0
    assert [bucket_of(n) for n in (-1, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current", "current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "over_90"]


def test_inventory_reconciliation(books):
    with books.uow() as uow:
        rec = inventory_reconciliation(uow)
        assert rec.reconciled
        assert rec.valuation_total == rec.account_balance == rec.moves_total == D("210")
        lines = {v.item: v for v in rec.lines}
        assert lines["GEAR"].qty == 5 and lines["GEAR"].value == D("200")  # the 40s left
        assert lines["WIDGET"].value == D("10") and rec.lines_total == D("210")


def test_reconciliation_notices_a_manual_posting_to_inventory(books):
    with books.uow() as uow:
        entry(uow, FEB, "Wrong: inventory by hand", ("1300", "5", "0"), ("1000", "0", "5"))
        uow.commit()
    with books.uow() as uow:
        rec = inventory_reconciliation(uow)
        assert not rec.reconciled
        assert rec.account_balance == D("215") and rec.valuation_total == D("210")


def test_totals_are_exact_decimals(gemba):
    """SQLite sums NUMERIC columns in binary floating point; the reports round back."""
    with gemba.uow() as uow:
        for amount in ("0.1", "0.2", "0.0001", "1234567.89"):
            entry(uow, JAN, "Small", ("6100", amount, "0"), ("1000", "0", amount))
        uow.commit()
    with gemba.uow() as uow:
        tb = trial_balance(uow)
        assert tb.total_debit == D("1234568.1901") == tb.total_credit
        assert {r.code: r.balance for r in tb.rows} == {"6100": D("1234568.1901"),
                                                         "1000": D("-1234568.1901")}
        assert profit_and_loss(uow, JAN, JAN).net_income == D("-1234568.1901")
