"""Manual journal entries, reversals and fiscal periods, and the append-only ledgers: what is
refused writes nothing, and posted lines and moves cannot be changed even with raw SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.entries import EntryReversalIn, entry_view, reverse
from gemba.erp.finance.journal import (
    EntryLineIn,
    JournalEntry,
    JournalLine,
    ManualEntryIn,
    account_balance,
    create_manual_entry,
)
from gemba.erp.finance.period import PeriodStatus, close_period, ensure_period, get_period
from gemba.erp.inventory.ledger import MoveIn, StockMove, post_moves

DAY = date(2025, 3, 14)


def manual(day: date = DAY, *lines: tuple[str, str, str]) -> ManualEntryIn:
    lines = lines or (("6100", "250", "0"), ("1000", "0", "250"))
    return ManualEntryIn(date=day, memo="Rent March", lines=[
        EntryLineIn(account=a, debit=D(d), credit=D(c)) for a, d, c in lines])


def count(uow, model) -> int:
    return uow.session.scalar(select(func.count()).select_from(model))


def test_balanced_manual_entry(gemba):
    with gemba.uow() as uow:
        entry = create_manual_entry(uow, manual())
        uow.commit()
        number = entry.number
    with gemba.uow() as uow:
        view = entry_view(uow, number)
        assert number.startswith("JE-") and view.journal == "GEN" and view.period == "2025-03"
        assert view.total == D("250") and view.source_type == "manual"
        assert [(x.account_code, x.debit, x.credit) for x in view.lines] == [
            ("6100", D("250"), D("0")), ("1000", D("0"), D("250"))]
        assert account_balance(uow, "1000") == D("-250")


def test_unbalanced_entry_writes_nothing(gemba):
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as exc:
            create_manual_entry(uow, manual(DAY, ("6100", "250", "0"), ("1000", "0", "240")))
        assert exc.value.status == 422
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == ("lines", "balanced")
    with gemba.uow() as uow:
        assert count(uow, JournalEntry) == 0 and count(uow, JournalLine) == 0


def test_line_rules(gemba):
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as both:
            create_manual_entry(uow, manual(DAY, ("6100", "5", "5"), ("1000", "0", "0")))
        assert (both.value.issues[0].field, both.value.issues[0].rule) == ("lines[0].credit",
                                                                           "one_side")
        with pytest.raises(ValidationFailed) as unknown:
            create_manual_entry(uow, manual(DAY, ("6100", "5", "0"), ("9999", "0", "5")))
        assert (unknown.value.issues[0].field, unknown.value.issues[0].rule) == (
            "lines[1].account", "exists")


def test_closed_period_refuses_posting(gemba):
    with gemba.uow() as uow:
        create_manual_entry(uow, manual())
        close_period(uow, "2025-03")
        uow.commit()
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as exc:
            create_manual_entry(uow, manual(date(2025, 3, 31)))
        assert exc.value.status == 422
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == ("date", "period_open")
    with gemba.uow() as uow:
        assert count(uow, JournalEntry) == 1 and count(uow, JournalLine) == 2
        assert get_period(uow, "2025-03").status == PeriodStatus.CLOSED
        with pytest.raises(Conflict):
            close_period(uow, "2025-03")  # already closed


def test_periods_close_in_order(gemba):
    with gemba.uow() as uow:
        ensure_period(uow, date(2025, 4, 1))
        ensure_period(uow, date(2025, 5, 1))
        uow.commit()
    with gemba.uow() as uow:
        with pytest.raises(Conflict) as exc:
            close_period(uow, "2025-05")
        assert "2025-04" in exc.value.message
    with gemba.uow() as uow:
        assert get_period(uow, "2025-05").status == PeriodStatus.OPEN
        close_period(uow, "2025-04")
        close_period(uow, "2025-05")
        uow.commit()


def test_reversal_once(gemba):
    with gemba.uow() as uow:
        number = create_manual_entry(uow, manual()).number
        uow.commit()
    with gemba.uow() as uow:
        rev = reverse(uow, number, EntryReversalIn(date=date(2025, 3, 20), reason="wrong month"))
        uow.commit()
        rev_number = rev.number
    with gemba.uow() as uow:
        original, mirror = entry_view(uow, number), entry_view(uow, rev_number)
        assert original.reversed_by == rev_number and mirror.reversal_of == number
        assert [(x.account_code, x.debit, x.credit) for x in mirror.lines] == [
            ("6100", D("0"), D("250")), ("1000", D("250"), D("0"))]
        assert account_balance(uow, "1000") == 0 and account_balance(uow, "6100") == 0
        with pytest.raises(Conflict):
            reverse(uow, number, EntryReversalIn(reason="again"))
        with pytest.raises(Conflict):
            reverse(uow, rev_number, EntryReversalIn(reason="undo the undo"))
    with gemba.uow() as uow:
        assert count(uow, JournalEntry) == 2


@pytest.mark.parametrize("sql", [
    "UPDATE erp_journal_lines SET debit = 1",
    "DELETE FROM erp_journal_lines",
    "UPDATE erp_journal_entries SET memo = 'changed'",
    "UPDATE erp_stock_moves SET qty = 1",
    "DELETE FROM erp_stock_moves",
])
def test_ledgers_are_append_only(gemba, sql):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("3")))
        post_moves(uow, [MoveIn("GEAR", D(2), "SUPPLIER", "WH/STOCK", unit_cost=D("3"))],
                   doc_type="receipt", doc_ref="GR-1", day=DAY)
        uow.commit()
    with gemba.uow() as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(text(sql))
    with gemba.uow() as uow:
        assert count(uow, StockMove) == 1 and count(uow, JournalLine) == 2
        assert uow.session.scalar(select(JournalLine.debit).where(JournalLine.debit > 0)) \
            == D("6")
