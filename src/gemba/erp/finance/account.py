"""Chart of accounts. The migration seeds a manufacturing template; the well-known accounts the
automatic postings use are named here once (``Accounts``) instead of scattered literals."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name
from gemba.core.db.base import Base, IdMixin, TimestampMixin, VersionedMixin, enum_column
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)

    @property
    def balance_sheet(self) -> bool:
        return self in (AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY)


class Accounts:
    """Account codes of the seeded template that automatic postings use."""

    BANK = "1000"
    AR = "1100"
    TAX_RECEIVABLE = "1150"
    INVENTORY = "1300"
    WIP = "1400"
    AP = "2000"
    GRNI = "2100"
    TAX_PAYABLE = "2200"
    ACCRUED_LABOUR = "2300"
    APPLIED_OVERHEAD = "2400"
    OPENING_EQUITY = "3900"
    RETAINED_EARNINGS = "3100"
    REVENUE = "4000"
    SALES_RETURNS = "4100"
    COGS = "5000"
    PURCHASE_PRICE_VARIANCE = "5100"
    PRODUCTION_VARIANCE = "5200"
    INVENTORY_ADJUSTMENT = "5300"
    SCRAP = "5400"
    REVALUATION = "5500"


# code, name, type: the manufacturing template (migration 0003 inserts it).
CHART_TEMPLATE: list[tuple[str, str, AccountType]] = [
    ("1000", "Bank", AccountType.ASSET),
    ("1100", "Accounts receivable", AccountType.ASSET),
    ("1150", "Input tax receivable", AccountType.ASSET),
    ("1300", "Inventory", AccountType.ASSET),
    ("1400", "Work in process", AccountType.ASSET),
    ("1500", "Machinery and equipment", AccountType.ASSET),
    ("2000", "Accounts payable", AccountType.LIABILITY),
    ("2100", "Goods received not invoiced", AccountType.LIABILITY),
    ("2200", "Output tax payable", AccountType.LIABILITY),
    ("2300", "Accrued labour", AccountType.LIABILITY),
    ("2400", "Applied manufacturing overhead", AccountType.LIABILITY),
    ("3000", "Share capital", AccountType.EQUITY),
    ("3100", "Retained earnings", AccountType.EQUITY),
    ("3900", "Opening balance equity", AccountType.EQUITY),
    ("4000", "Sales revenue", AccountType.INCOME),
    ("4100", "Sales returns and allowances", AccountType.INCOME),
    ("5000", "Cost of goods sold", AccountType.EXPENSE),
    ("5100", "Purchase price variance", AccountType.EXPENSE),
    ("5200", "Production variances", AccountType.EXPENSE),
    ("5300", "Inventory adjustments", AccountType.EXPENSE),
    ("5400", "Scrap", AccountType.EXPENSE),
    ("5500", "Inventory revaluation", AccountType.EXPENSE),
    ("6000", "Salaries and wages", AccountType.EXPENSE),
    ("6100", "Rent and utilities", AccountType.EXPENSE),
    ("6200", "Depreciation", AccountType.EXPENSE),
]


class Account(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_accounts"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[AccountType] = mapped_column(enum_column(AccountType))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AccountIn(Command):
    code: Code
    name: Name
    type: AccountType


def create_account(uow: UnitOfWork, data: AccountIn) -> Account:
    uow.actor.require(Permission.FINANCE_WRITE)
    if uow.session.scalar(select(Account.id).where(Account.code == data.code)):
        raise Conflict(f"account {data.code!r} already exists")
    account = Account(code=data.code, name=data.name, type=data.type, active=True)
    uow.session.add(account)
    uow.flush()
    return account


def get_account(uow: UnitOfWork, code: str) -> Account:
    uow.actor.require(Permission.FINANCE_READ)
    account = uow.session.scalar(select(Account).where(Account.code == code))
    if account is None:
        raise NotFound(f"account {code!r} does not exist")
    return account


def account_ids(uow: UnitOfWork, codes: set[str], field: str = "account") -> dict[str, int]:
    """Resolve account codes in one query; an unknown or inactive code is a 422."""
    rows = uow.session.execute(
        select(Account.code, Account.id, Account.active).where(Account.code.in_(codes))).all()
    found = {r.code: r.id for r in rows if r.active}
    for code in sorted(codes - found.keys()):
        raise ValidationFailed.on(field, "exists", f"account {code!r} does not exist or is "
                                                   "inactive")
    return found


def list_accounts(uow: UnitOfWork, page: PageRequest) -> Page[Account]:
    uow.actor.require(Permission.FINANCE_READ)
    return paginate(uow.session, select(Account), page, search=[Account.code, Account.name],
                    filterable={"type": Account.type}, order_by=[Account.code])
