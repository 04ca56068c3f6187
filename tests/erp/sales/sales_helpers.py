"""Checks shared by the sales tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from gemba.erp.finance.journal import JournalEntry, account_balance, account_balances
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.stock import ledger_matches_balances
from gemba.erp.inventory.valuation import inventory_value

D = date(2026, 3, 2)  # the day most documents are dated


def assert_invariants(uow) -> None:
    """Trial balance balances, Inventory equals the valuation, ledger equals balances."""
    balances = account_balances(uow)
    debit = sum((d for d, _ in balances.values()), Decimal(0))
    credit = sum((c for _, c in balances.values()), Decimal(0))
    assert debit == credit
    assert inventory_value(uow) == account_balance(uow, "1300")
    assert ledger_matches_balances(uow)


def counts(uow) -> tuple[int, int]:
    """(stock moves, journal entries): a refused document must change neither."""
    moves = uow.session.scalar(select(func.count()).select_from(StockMove))
    entries = uow.session.scalar(select(func.count()).select_from(JournalEntry))
    return int(moves or 0), int(entries or 0)
