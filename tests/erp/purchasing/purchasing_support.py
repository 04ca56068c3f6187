"""Shared by the purchasing tests: the business day and the ledger invariants."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gemba.core.db.uow import UnitOfWork
from gemba.erp.finance.journal import JournalEntry, account_balance, account_balances
from gemba.erp.finance.payment import Payment
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.lot import Lot
from gemba.erp.inventory.stock import ledger_matches_balances
from gemba.erp.inventory.valuation import inventory_value
from gemba.erp.purchasing.bill import SupplierBill
from gemba.erp.purchasing.receipt import GoodsReceipt

DAY = date(2026, 3, 2)


def check_invariants(uow: UnitOfWork) -> None:
    """Trial balance balances, Inventory account = valuation, ledger = balances."""
    balances = account_balances(uow)
    assert sum(d for d, _ in balances.values()) == sum(c for _, c in balances.values())
    assert inventory_value(uow) == account_balance(uow, "1300")
    assert ledger_matches_balances(uow)


def counts(uow: UnitOfWork) -> dict[str, int]:
    """Rows of every table a purchasing document writes to."""
    return {model.__tablename__: uow.session.scalar(select(func.count()).select_from(model))
            for model in (StockMove, JournalEntry, Lot, GoodsReceipt, SupplierBill, Payment)}


