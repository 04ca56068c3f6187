"""Posting rules for production (the closed-loop issue drives them from MES results).

Materials reach WIP through stock moves (stock -> PRODUCTION: Dr WIP / Cr Inventory) and
finished goods leave it the same way (PRODUCTION -> stock at the order's cost). What stock
moves do not carry is conversion cost and the order's closing:
- labour absorbed: Dr WIP / Cr Accrued labour (hours x the labour rate in force);
- overhead absorbed: Dr WIP / Cr Applied overhead (machine or labour hours x a rate);
- closing an order: whatever is left in WIP for it goes to Production variances, so a closed
  order leaves nothing behind in WIP.
WIP is tracked per production order through the entries' ``source_ref`` (post the order's
stock moves with the order number as ``doc_ref``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.finance.account import Account, Accounts
from gemba.erp.finance.journal import (
    JournalEntry,
    JournalLine,
    Journals,
    Posting,
    post_lines,
)

ZERO = Decimal(0)
SOURCE = "production"


def absorb_conversion_cost(uow: UnitOfWork, order_ref: str, *, day: date,
                           labour: Decimal = ZERO, overhead: Decimal = ZERO) -> JournalEntry:
    """Charge an order's labour and overhead to WIP."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    for name, amount in (("labour", labour), ("overhead", overhead)):
        if amount < 0:
            raise ValidationFailed.on(name, "ge_zero", "must not be negative")
    if not labour and not overhead:
        raise ValidationFailed.on("labour", "non_zero", "nothing to absorb")
    entry = post_lines(uow, journal=Journals.PRODUCTION, day=day,
                       memo=f"Conversion cost {order_ref}", source_type=SOURCE,
                       source_ref=order_ref, postings=[
                           Posting(Accounts.WIP, labour + overhead),
                           Posting(Accounts.ACCRUED_LABOUR, -labour),
                           Posting(Accounts.APPLIED_OVERHEAD, -overhead)])
    assert entry is not None
    return entry


def wip_balance(uow: UnitOfWork, order_ref: str) -> Decimal:
    """WIP of one production order: the WIP lines of every entry booked for it (material
    issues and output through the stock ledger carry the order as their source too)."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(Account, Account.id == JournalLine.account_id)
        .where(Account.code == Accounts.WIP, JournalEntry.source_ref == order_ref))
    return Decimal(str(total))


def close_order_variance(uow: UnitOfWork, order_ref: str, *, day: date) -> JournalEntry | None:
    """Clear what is left in WIP for the order to Production variances (None: nothing left)."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    left = wip_balance(uow, order_ref)
    return post_lines(uow, journal=Journals.PRODUCTION, day=day,
                      memo=f"Variance on closing {order_ref}", source_type=SOURCE,
                      source_ref=order_ref, postings=[
                          Posting(Accounts.PRODUCTION_VARIANCE, left),
                          Posting(Accounts.WIP, -left)])
