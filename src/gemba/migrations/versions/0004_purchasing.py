"""Purchasing: supplier items, purchase orders, goods receipts, supplier bills.

Revision ID: 0004_purchasing
Revises: 0003_inventory_finance
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0004_purchasing"
down_revision: str | None = "0003_inventory_finance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = [
    ("purchase_order", "PO"),
    ("goods_receipt", "GR"),
    ("supplier_bill", "BILL"),
]


def _sequences() -> sa.Table:
    return sa.Table(
        "core_document_sequences",
        sa.MetaData(),
        sa.Column("doc_type", sa.String),
        sa.Column("prefix", sa.String),
        sa.Column("padding", sa.Integer),
        sa.Column("last_value", sa.Integer),
    )


def upgrade() -> None:
    op.create_table(
        "erp_supplier_items",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("supplier_code", sa.String(length=60), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("min_qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_supplier_items_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_supplier_items_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_supplier_items")),
        sa.UniqueConstraint(
            "partner_id", "item_id", name=op.f("uq_erp_supplier_items_partner_id_item_id")
        ),
    )
    with op.batch_alter_table("erp_supplier_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_supplier_items_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_supplier_items_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "erp_supplier_price_breaks",
        sa.Column("supplier_item_id", sa.Integer(), nullable=False),
        sa.Column("min_qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_item_id"],
            ["erp_supplier_items.id"],
            name=op.f("fk_erp_supplier_price_breaks_supplier_item_id_erp_supplier_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_supplier_price_breaks")),
        sa.UniqueConstraint(
            "supplier_item_id",
            "min_qty",
            name=op.f("uq_erp_supplier_price_breaks_supplier_item_id_min_qty"),
        ),
    )

    op.create_table(
        "erp_purchase_orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "confirmed",
                "partially_received",
                "received",
                "billed",
                "closed",
                "cancelled",
                name="postatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "receipt_tolerance_pct", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False
        ),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_purchase_orders_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_purchase_orders_number")),
    )
    with op.batch_alter_table("erp_purchase_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_purchase_orders_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_erp_purchase_orders_status"), ["status"], unique=False)

    op.create_table(
        "erp_purchase_order_lines",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("qty_received", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_billed", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_erp_purchase_order_lines_qty_positive")),
        sa.CheckConstraint(
            "qty_received >= 0 AND qty_billed >= 0 AND qty_billed <= qty_received",
            name=op.f("ck_erp_purchase_order_lines_billed_within_received"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["erp_items.id"],
            name=op.f("fk_erp_purchase_order_lines_item_id_erp_items"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_purchase_orders.id"],
            name=op.f("fk_erp_purchase_order_lines_order_id_erp_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_purchase_order_lines")),
        sa.UniqueConstraint(
            "order_id", "line_no", name=op.f("uq_erp_purchase_order_lines_order_id_line_no")
        ),
    )
    with op.batch_alter_table("erp_purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_purchase_order_lines_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "erp_goods_receipts",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("reversed", sa.Boolean(), nullable=False),
        sa.Column("reversal_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["erp_locations.id"],
            name=op.f("fk_erp_goods_receipts_location_id_erp_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_purchase_orders.id"],
            name=op.f("fk_erp_goods_receipts_order_id_erp_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_goods_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_goods_receipts_number")),
    )
    with op.batch_alter_table("erp_goods_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_goods_receipts_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "erp_goods_receipt_lines",
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("lot", sa.String(length=60), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("supplier_lot", sa.String(length=60), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["erp_purchase_order_lines.id"],
            name=op.f("fk_erp_goods_receipt_lines_order_line_id_erp_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["erp_goods_receipts.id"],
            name=op.f("fk_erp_goods_receipt_lines_receipt_id_erp_goods_receipts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_goods_receipt_lines")),
    )
    with op.batch_alter_table("erp_goods_receipt_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_goods_receipt_lines_order_line_id"), ["order_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_goods_receipt_lines_receipt_id"), ["receipt_id"], unique=False
        )

    op.create_table(
        "erp_supplier_bills",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("supplier_ref", sa.String(length=60), nullable=False),
        sa.Column("tax_pct", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("net_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("tax_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("total", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column(
            "price_variance", gemba.core.db.base.Money(precision=18, scale=4), nullable=False
        ),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_supplier_bills_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_supplier_bills_partner_id_erp_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_supplier_bills")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_supplier_bills_number")),
        sa.UniqueConstraint(
            "partner_id", "supplier_ref", name=op.f("uq_erp_supplier_bills_partner_id_supplier_ref")
        ),
    )
    with op.batch_alter_table("erp_supplier_bills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_supplier_bills_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "erp_supplier_bill_lines",
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("po_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("variance", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["erp_supplier_bills.id"],
            name=op.f("fk_erp_supplier_bill_lines_bill_id_erp_supplier_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["erp_purchase_order_lines.id"],
            name=op.f("fk_erp_supplier_bill_lines_order_line_id_erp_purchase_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_supplier_bill_lines")),
    )
    with op.batch_alter_table("erp_supplier_bill_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_supplier_bill_lines_bill_id"), ["bill_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_supplier_bill_lines_order_line_id"), ["order_line_id"], unique=False
        )

    op.bulk_insert(
        _sequences(),
        [{"doc_type": d, "prefix": p, "padding": 6, "last_value": 0} for d, p in SEQUENCES],
    )


def downgrade() -> None:
    table = _sequences()
    op.execute(table.delete().where(table.c.doc_type.in_([d for d, _ in SEQUENCES])))
    with op.batch_alter_table("erp_supplier_bill_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_supplier_bill_lines_bill_id"))
        batch_op.drop_index(batch_op.f("ix_erp_supplier_bill_lines_order_line_id"))

    op.drop_table("erp_supplier_bill_lines")
    with op.batch_alter_table("erp_supplier_bills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_supplier_bills_partner_id"))

    op.drop_table("erp_supplier_bills")
    with op.batch_alter_table("erp_goods_receipt_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_goods_receipt_lines_order_line_id"))
        batch_op.drop_index(batch_op.f("ix_erp_goods_receipt_lines_receipt_id"))

    op.drop_table("erp_goods_receipt_lines")
    with op.batch_alter_table("erp_goods_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_goods_receipts_order_id"))

    op.drop_table("erp_goods_receipts")
    with op.batch_alter_table("erp_purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_purchase_order_lines_item_id"))

    op.drop_table("erp_purchase_order_lines")
    with op.batch_alter_table("erp_purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_purchase_orders_partner_id"))
        batch_op.drop_index(batch_op.f("ix_erp_purchase_orders_status"))

    op.drop_table("erp_purchase_orders")
    op.drop_table("erp_supplier_price_breaks")
    with op.batch_alter_table("erp_supplier_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_supplier_items_item_id"))
        batch_op.drop_index(batch_op.f("ix_erp_supplier_items_partner_id"))

    op.drop_table("erp_supplier_items")
