"""Checks shared by the sales tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gemba.erp.finance.journal import JournalEntry
from gemba.erp.inventory.ledger import StockMove
from gemba_testing import assert_books_balance

D = date(2026, 3, 2)  # the day most documents are dated
assert_invariants = assert_books_balance


def counts(uow) -> tuple[int, int]:
    """(stock moves, journal entries): a refused document must change neither."""
    moves = uow.session.scalar(select(func.count()).select_from(StockMove))
    entries = uow.session.scalar(select(func.count()).select_from(JournalEntry))
    return int(moves or 0), int(entries or 0)
