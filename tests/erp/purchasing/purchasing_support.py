"""Shared by the purchasing tests: the business day and the ledger invariants."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gemba.core.db.uow import UnitOfWork
from gemba.erp.finance.journal import JournalEntry
from gemba.erp.finance.payment import Payment
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.lot import Lot
from gemba.erp.purchasing.bill import SupplierBill
from gemba.erp.purchasing.receipt import GoodsReceipt
from gemba_testing import assert_books_balance

DAY = date(2026, 3, 2)
check_invariants = assert_books_balance


def counts(uow: UnitOfWork) -> dict[str, int]:
    """Rows of every table a purchasing document writes to."""
    return {model.__tablename__: uow.session.scalar(select(func.count()).select_from(model))
            for model in (StockMove, JournalEntry, Lot, GoodsReceipt, SupplierBill, Payment)}


