"""Inventory (locations, lots, stock ledger, balances, valuation), finance (accounts, journals,
fiscal periods, open items, payments) and partners; seeds the manufacturing chart of accounts,
the journals, the virtual locations and warehouse WH, and makes the ledgers append-only.

Revision ID: 0003_inventory_finance
Revises: 0002_reference_data
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0003_inventory_finance"
down_revision: str | None = "0002_reference_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of gemba.erp.finance.account.CHART_TEMPLATE as it was when this revision was written.
ACCOUNTS = [
    ("1000", "Bank", "asset"),
    ("1100", "Accounts receivable", "asset"),
    ("1150", "Input tax receivable", "asset"),
    ("1300", "Inventory", "asset"),
    ("1400", "Work in process", "asset"),
    ("1500", "Machinery and equipment", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Goods received not invoiced", "liability"),
    ("2200", "Output tax payable", "liability"),
    ("2300", "Accrued labour", "liability"),
    ("2400", "Applied manufacturing overhead", "liability"),
    ("3000", "Share capital", "equity"),
    ("3100", "Retained earnings", "equity"),
    ("3900", "Opening balance equity", "equity"),
    ("4000", "Sales revenue", "income"),
    ("4100", "Sales returns and allowances", "income"),
    ("5000", "Cost of goods sold", "expense"),
    ("5100", "Purchase price variance", "expense"),
    ("5200", "Production variances", "expense"),
    ("5300", "Inventory adjustments", "expense"),
    ("5400", "Scrap", "expense"),
    ("5500", "Inventory revaluation", "expense"),
    ("6000", "Salaries and wages", "expense"),
    ("6100", "Rent and utilities", "expense"),
    ("6200", "Depreciation", "expense"),
]
JOURNALS = [
    ("GEN", "General", "general"),
    ("PUR", "Purchases", "purchase"),
    ("SAL", "Sales", "sales"),
    ("BNK", "Bank", "bank"),
    ("STK", "Stock valuation", "stock"),
    ("MFG", "Production", "production"),
]
# code, name, kind, account on the other side of Inventory (None: the kind's default)
VIRTUAL_LOCATIONS = [
    ("SUPPLIER", "Suppliers", "supplier", None),
    ("CUSTOMER", "Customers", "customer", None),
    ("PRODUCTION", "Production (WIP)", "production", None),
    ("SCRAP", "Scrap", "scrap", None),
    ("ADJUSTMENT", "Inventory adjustment", "adjustment", None),
    ("OPENING", "Opening balances", "adjustment", "3900"),
]
SEQUENCES = [
    ("journal_entry", "JE"),
    ("payment", "PAY"),
    ("stock_transfer", "TRF"),
    ("stock_adjustment", "ADJ"),
    ("stock_count", "CNT"),
    ("scrap", "SCR"),
]
APPEND_ONLY = ["erp_stock_moves", "erp_journal_entries", "erp_journal_lines"]


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{table} is append-only: post a reversal instead';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
""")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END""")


def _seed() -> None:
    now = datetime.now(UTC)
    meta = sa.MetaData()
    accounts = sa.Table(
        "erp_accounts",
        meta,
        sa.Column("id", sa.Integer),
        sa.Column("code", sa.String),
        sa.Column("name", sa.String),
        sa.Column("type", sa.String),
        sa.Column("active", sa.Boolean),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer),
    )
    op.bulk_insert(
        accounts,
        [
            {
                "code": c,
                "name": n,
                "type": t,
                "active": True,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for c, n, t in ACCOUNTS
        ],
    )
    journals = sa.Table(
        "erp_journals",
        meta,
        sa.Column("code", sa.String),
        sa.Column("name", sa.String),
        sa.Column("kind", sa.String),
    )
    op.bulk_insert(journals, [{"code": c, "name": n, "kind": k} for c, n, k in JOURNALS])
    warehouses = sa.Table(
        "erp_warehouses",
        meta,
        sa.Column("id", sa.Integer),
        sa.Column("code", sa.String),
        sa.Column("name", sa.String),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer),
    )
    op.bulk_insert(
        warehouses,
        [
            {
                "id": 1,
                "code": "WH",
                "name": "Main warehouse",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
    )
    locations = sa.Table(
        "erp_locations",
        meta,
        sa.Column("code", sa.String),
        sa.Column("name", sa.String),
        sa.Column("kind", sa.String),
        sa.Column("warehouse_id", sa.Integer),
        sa.Column("account_code", sa.String),
        sa.Column("active", sa.Boolean),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer),
    )
    rows = [
        {
            "code": "WH/STOCK",
            "name": "Main warehouse stock",
            "kind": "internal",
            "warehouse_id": 1,
            "account_code": None,
        }
    ]
    rows += [
        {"code": c, "name": n, "kind": k, "warehouse_id": None, "account_code": a}
        for c, n, k, a in VIRTUAL_LOCATIONS
    ]
    op.bulk_insert(
        locations,
        [{**r, "active": True, "created_at": now, "updated_at": now, "version": 1} for r in rows],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('erp_warehouses', 'id'), 1)")
    sequences = sa.Table(
        "core_document_sequences",
        meta,
        sa.Column("doc_type", sa.String),
        sa.Column("prefix", sa.String),
        sa.Column("padding", sa.Integer),
        sa.Column("last_value", sa.Integer),
    )
    op.bulk_insert(
        sequences,
        [{"doc_type": d, "prefix": p, "padding": 6, "last_value": 0} for d, p in SEQUENCES],
    )


def upgrade() -> None:
    op.create_table(
        "erp_accounts",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "asset",
                "liability",
                "equity",
                "income",
                "expense",
                name="accounttype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_accounts_code")),
    )
    op.create_table(
        "erp_fiscal_periods",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="periodstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("closed_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_fiscal_periods")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_fiscal_periods_code")),
    )
    op.create_table(
        "erp_journals",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "general",
                "purchase",
                "sales",
                "bank",
                "stock",
                "production",
                name="journalkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_journals")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_journals_code")),
    )
    op.create_table(
        "erp_partners",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_customer", sa.Boolean(), nullable=False),
        sa.Column("is_supplier", sa.Boolean(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("tax_id", sa.String(length=40), nullable=True),
        sa.Column("credit_limit", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_partners_code")),
    )
    op.create_table(
        "erp_warehouses",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("site_code", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_warehouses_code")),
    )
    op.create_table(
        "erp_journal_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("journal_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("posted_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=80), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=True),
        sa.Column("source_ref", sa.String(length=60), nullable=True),
        sa.Column(
            "reversal_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["journal_id"],
            ["erp_journals.id"],
            name=op.f("fk_erp_journal_entries_journal_id_erp_journals"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["erp_fiscal_periods.id"],
            name=op.f("fk_erp_journal_entries_period_id_erp_fiscal_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_of_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_journal_entries_reversal_of_id_erp_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_journal_entries")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_journal_entries_number")),
        sa.UniqueConstraint("reversal_of_id", name=op.f("uq_erp_journal_entries_reversal_of_id")),
    )
    with op.batch_alter_table("erp_journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_journal_entries_entry_date"), ["entry_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_journal_entries_source_ref"), ["source_ref"], unique=False
        )

    op.create_table(
        "erp_locations",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "internal",
                "supplier",
                "customer",
                "production",
                "scrap",
                "adjustment",
                name="locationkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("account_code", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["erp_locations.id"],
            name=op.f("fk_erp_locations_parent_id_erp_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["erp_warehouses.id"],
            name=op.f("fk_erp_locations_warehouse_id_erp_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_locations_code")),
    )
    op.create_table(
        "erp_open_items",
        sa.Column(
            "kind",
            sa.Enum("receivable", "payable", name="openitemkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_ref", sa.String(length=40), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column(
            "amount_settled", gemba.core.db.base.Money(precision=18, scale=4), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount > 0 AND amount_settled >= 0 AND amount_settled <= amount",
            name=op.f("ck_erp_open_items_settled_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_open_items_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_open_items")),
        sa.UniqueConstraint("kind", "doc_ref", name=op.f("uq_erp_open_items_kind_doc_ref")),
    )
    with op.batch_alter_table("erp_open_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_open_items_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "erp_payments",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("received", "sent", name="paymentdirection", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("pay_date", sa.Date(), nullable=False),
        sa.Column("amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_payments_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_payments_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_payments")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_payments_number")),
    )
    with op.batch_alter_table("erp_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_payments_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "erp_cost_layers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_in", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("value_in", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("qty_remaining", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column(
            "value_remaining", gemba.core.db.base.Money(precision=18, scale=4), nullable=False
        ),
        sa.CheckConstraint("qty_remaining >= 0", name=op.f("ck_erp_cost_layers_qty_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_cost_layers_item_id_erp_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_cost_layers")),
    )
    with op.batch_alter_table("erp_cost_layers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_cost_layers_item_id"), ["item_id"], unique=False)

    op.create_table(
        "erp_item_valuations",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("value", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.CheckConstraint("qty >= 0", name=op.f("ck_erp_item_valuations_qty_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_item_valuations_item_id_erp_items")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_erp_item_valuations")),
    )
    op.create_table(
        "erp_journal_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debit", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("credit", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND (debit = 0 OR credit = 0)",
            name=op.f("ck_erp_journal_lines_one_side"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["erp_accounts.id"],
            name=op.f("fk_erp_journal_lines_account_id_erp_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_journal_lines_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_journal_lines_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_journal_lines_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_journal_lines")),
    )
    with op.batch_alter_table("erp_journal_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_journal_lines_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_journal_lines_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_journal_lines_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "erp_lots",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("supplier_lot", sa.String(length=60), nullable=True),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_lots_item_id_erp_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_lots")),
        sa.UniqueConstraint("item_id", "code", name=op.f("uq_erp_lots_item_id_code")),
    )
    with op.batch_alter_table("erp_lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_lots_item_id"), ["item_id"], unique=False)

    op.create_table(
        "erp_payment_allocations",
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("open_item_id", sa.Integer(), nullable=False),
        sa.Column("amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["open_item_id"],
            ["erp_open_items.id"],
            name=op.f("fk_erp_payment_allocations_open_item_id_erp_open_items"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["erp_payments.id"],
            name=op.f("fk_erp_payment_allocations_payment_id_erp_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_payment_allocations")),
    )
    with op.batch_alter_table("erp_payment_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_payment_allocations_open_item_id"), ["open_item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_payment_allocations_payment_id"), ["payment_id"], unique=False
        )

    op.create_table(
        "erp_stock_balances",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_key", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("qty_on_hand", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_reserved", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.CheckConstraint(
            "qty_on_hand >= 0", name=op.f("ck_erp_stock_balances_on_hand_not_negative")
        ),
        sa.CheckConstraint(
            "qty_reserved >= 0 AND qty_reserved <= qty_on_hand",
            name=op.f("ck_erp_stock_balances_reserved_within_on_hand"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_stock_balances_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["erp_locations.id"],
            name=op.f("fk_erp_stock_balances_location_id_erp_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["erp_lots.id"], name=op.f("fk_erp_stock_balances_lot_id_erp_lots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_stock_balances")),
        sa.UniqueConstraint(
            "item_id",
            "location_id",
            "lot_key",
            name=op.f("uq_erp_stock_balances_item_id_location_id_lot_key"),
        ),
    )
    with op.batch_alter_table("erp_stock_balances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_stock_balances_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "erp_stock_moves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("posted_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("from_location_id", sa.Integer(), nullable=False),
        sa.Column("to_location_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("value", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("doc_value", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_ref", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column(
            "journal_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "reversal_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["erp_locations.id"],
            name=op.f("fk_erp_stock_moves_from_location_id_erp_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_stock_moves_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_stock_moves_journal_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["erp_lots.id"], name=op.f("fk_erp_stock_moves_lot_id_erp_lots")
        ),
        sa.ForeignKeyConstraint(
            ["reversal_of_id"],
            ["erp_stock_moves.id"],
            name=op.f("fk_erp_stock_moves_reversal_of_id_erp_stock_moves"),
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"],
            ["erp_locations.id"],
            name=op.f("fk_erp_stock_moves_to_location_id_erp_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_stock_moves")),
        sa.UniqueConstraint("reversal_of_id", name=op.f("uq_erp_stock_moves_reversal_of_id")),
    )
    with op.batch_alter_table("erp_stock_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_stock_moves_doc_ref"), ["doc_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_stock_moves_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_stock_moves_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_erp_stock_moves_move_date"), ["move_date"], unique=False
        )

    op.create_table(
        "erp_reservations",
        sa.Column(
            "balance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("doc_ref", sa.String(length=60), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["balance_id"],
            ["erp_stock_balances.id"],
            name=op.f("fk_erp_reservations_balance_id_erp_stock_balances"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_reservations_item_id_erp_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_reservations")),
    )
    with op.batch_alter_table("erp_reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_reservations_balance_id"), ["balance_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_erp_reservations_doc_ref"), ["doc_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_reservations_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("erp_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "costing_method",
                sa.Enum(
                    "standard",
                    "average",
                    "fifo",
                    name="costingmethod",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="standard",
            )
        )

    for table in APPEND_ONLY:
        _append_only(table)
    _seed()


def downgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.execute(
        "DELETE FROM core_document_sequences WHERE doc_type IN "
        "('journal_entry', 'payment', 'stock_transfer', 'stock_adjustment', "
        "'stock_count', 'scrap')"
    )
    with op.batch_alter_table("erp_items", schema=None) as batch_op:
        batch_op.drop_column("costing_method")
    for table in TABLES_REVERSED:
        op.drop_table(table)


TABLES_REVERSED = [
    "erp_reservations",
    "erp_stock_moves",
    "erp_stock_balances",
    "erp_payment_allocations",
    "erp_lots",
    "erp_journal_lines",
    "erp_item_valuations",
    "erp_cost_layers",
    "erp_payments",
    "erp_open_items",
    "erp_locations",
    "erp_journal_entries",
    "erp_warehouses",
    "erp_partners",
    "erp_journals",
    "erp_fiscal_periods",
    "erp_accounts",
]
