"""Sales: price lists, quotations and sales orders, deliveries, invoices, credit notes, returns.

Revision ID: 0005_sales
Revises: 0004_purchasing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0005_sales"
down_revision: str | None = "0004_purchasing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = [
    ("sales_order", "SO"),
    ("delivery", "DEL"),
    ("customer_invoice", "INV"),
    ("credit_note", "CN"),
    ("customer_return", "RET"),
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
        "erp_price_lists",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_price_lists")),
        sa.UniqueConstraint("code", name=op.f("uq_erp_price_lists_code")),
    )
    op.create_table(
        "erp_customer_price_lists",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_customer_price_lists_partner_id_erp_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["erp_price_lists.id"],
            name=op.f("fk_erp_customer_price_lists_price_list_id_erp_price_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_customer_price_lists")),
        sa.UniqueConstraint("partner_id", name=op.f("uq_erp_customer_price_lists_partner_id")),
    )
    with op.batch_alter_table("erp_customer_price_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_customer_price_lists_price_list_id"), ["price_list_id"], unique=False
        )

    op.create_table(
        "erp_sales_orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "quotation",
                "draft",
                "confirmed",
                "partially_delivered",
                "delivered",
                "invoiced",
                "cancelled",
                name="salesorderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("price_list_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_pct", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("customer_ref", sa.String(length=60), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_sales_orders_customer_id_erp_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["erp_price_lists.id"],
            name=op.f("fk_erp_sales_orders_price_list_id_erp_price_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_sales_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_sales_orders_number")),
    )
    with op.batch_alter_table("erp_sales_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_sales_orders_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_sales_orders_order_date"), ["order_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_erp_sales_orders_status"), ["status"], unique=False)

    op.create_table(
        "erp_customer_invoices",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_pct", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("net_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("tax_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("total", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("net_credited", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("tax_credited", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["erp_partners.id"],
            name=op.f("fk_erp_customer_invoices_customer_id_erp_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_customer_invoices_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_sales_orders.id"],
            name=op.f("fk_erp_customer_invoices_order_id_erp_sales_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_customer_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_customer_invoices_number")),
    )
    with op.batch_alter_table("erp_customer_invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_customer_invoices_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_customer_invoices_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "erp_deliveries",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_sales_orders.id"],
            name=op.f("fk_erp_deliveries_order_id_erp_sales_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_deliveries")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_deliveries_number")),
    )
    with op.batch_alter_table("erp_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_deliveries_order_id"), ["order_id"], unique=False)

    op.create_table(
        "erp_credit_notes",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("credit_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("net_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("tax_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("total", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["erp_journal_entries.id"],
            name=op.f("fk_erp_credit_notes_entry_id_erp_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["erp_customer_invoices.id"],
            name=op.f("fk_erp_credit_notes_invoice_id_erp_customer_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_credit_notes")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_credit_notes_number")),
    )
    with op.batch_alter_table("erp_credit_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_credit_notes_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "erp_customer_returns",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("return_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["erp_deliveries.id"],
            name=op.f("fk_erp_customer_returns_delivery_id_erp_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_sales_orders.id"],
            name=op.f("fk_erp_customer_returns_order_id_erp_sales_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_customer_returns")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_customer_returns_number")),
    )
    with op.batch_alter_table("erp_customer_returns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_customer_returns_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_customer_returns_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "erp_price_list_lines",
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("min_qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_price_list_lines_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["erp_price_lists.id"],
            name=op.f("fk_erp_price_list_lines_price_list_id_erp_price_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_price_list_lines")),
        sa.UniqueConstraint(
            "price_list_id",
            "item_id",
            "min_qty",
            name=op.f("uq_erp_price_list_lines_price_list_id_item_id_min_qty"),
        ),
    )
    with op.batch_alter_table("erp_price_list_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_price_list_lines_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_price_list_lines_price_list_id"), ["price_list_id"], unique=False
        )

    op.create_table(
        "erp_sales_order_lines",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=True),
        sa.Column("qty_delivered", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_invoiced", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_returned", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "qty > 0 AND qty_delivered >= 0 AND qty_delivered <= qty "
            "AND qty_invoiced >= 0 AND qty_invoiced <= qty_delivered "
            "AND qty_returned >= 0 AND qty_returned <= qty_delivered",
            name=op.f("ck_erp_sales_order_lines_quantities_within_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"], name=op.f("fk_erp_sales_order_lines_item_id_erp_items")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["erp_sales_orders.id"],
            name=op.f("fk_erp_sales_order_lines_order_id_erp_sales_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_sales_order_lines")),
        sa.UniqueConstraint(
            "order_id", "line_no", name=op.f("uq_erp_sales_order_lines_order_id_line_no")
        ),
    )
    with op.batch_alter_table("erp_sales_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_sales_order_lines_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_sales_order_lines_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "erp_customer_invoice_lines",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("unit_price", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("net_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("qty_credited", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("net_credited", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "qty > 0 AND qty_credited >= 0 AND qty_credited <= qty "
            "AND net_credited >= 0 AND net_credited <= net_amount",
            name=op.f("ck_erp_customer_invoice_lines_credited_within_invoiced"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["erp_customer_invoices.id"],
            name=op.f("fk_erp_customer_invoice_lines_invoice_id_erp_customer_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["erp_sales_order_lines.id"],
            name=op.f("fk_erp_customer_invoice_lines_order_line_id_erp_sales_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_customer_invoice_lines")),
    )
    with op.batch_alter_table("erp_customer_invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_customer_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_customer_invoice_lines_order_line_id"),
            ["order_line_id"],
            unique=False,
        )

    op.create_table(
        "erp_delivery_lines",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_returned", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "qty > 0 AND qty_returned >= 0 AND qty_returned <= qty",
            name=op.f("ck_erp_delivery_lines_returned_within_delivered"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["erp_deliveries.id"],
            name=op.f("fk_erp_delivery_lines_delivery_id_erp_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["erp_sales_order_lines.id"],
            name=op.f("fk_erp_delivery_lines_order_line_id_erp_sales_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_delivery_lines")),
    )
    with op.batch_alter_table("erp_delivery_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_delivery_lines_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_delivery_lines_order_line_id"), ["order_line_id"], unique=False
        )

    op.create_table(
        "erp_credit_note_lines",
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("net_amount", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["erp_credit_notes.id"],
            name=op.f("fk_erp_credit_note_lines_credit_note_id_erp_credit_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["erp_customer_invoice_lines.id"],
            name=op.f("fk_erp_credit_note_lines_invoice_line_id_erp_customer_invoice_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_credit_note_lines")),
    )
    with op.batch_alter_table("erp_credit_note_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_credit_note_lines_credit_note_id"), ["credit_note_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_credit_note_lines_invoice_line_id"),
            ["invoice_line_id"],
            unique=False,
        )

    op.create_table(
        "erp_delivery_picks",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("delivery_line_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_returned", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column(
            "stock_move_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "qty > 0 AND qty_returned >= 0 AND qty_returned <= qty",
            name=op.f("ck_erp_delivery_picks_returned_within_picked"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["erp_deliveries.id"],
            name=op.f("fk_erp_delivery_picks_delivery_id_erp_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_line_id"],
            ["erp_delivery_lines.id"],
            name=op.f("fk_erp_delivery_picks_delivery_line_id_erp_delivery_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["erp_lots.id"], name=op.f("fk_erp_delivery_picks_lot_id_erp_lots")
        ),
        sa.ForeignKeyConstraint(
            ["stock_move_id"],
            ["erp_stock_moves.id"],
            name=op.f("fk_erp_delivery_picks_stock_move_id_erp_stock_moves"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_delivery_picks")),
    )
    with op.batch_alter_table("erp_delivery_picks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_delivery_picks_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_delivery_picks_delivery_line_id"), ["delivery_line_id"], unique=False
        )

    op.create_table(
        "erp_customer_return_lines",
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("delivery_pick_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column(
            "stock_move_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_pick_id"],
            ["erp_delivery_picks.id"],
            name=op.f("fk_erp_customer_return_lines_delivery_pick_id_erp_delivery_picks"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["erp_customer_returns.id"],
            name=op.f("fk_erp_customer_return_lines_return_id_erp_customer_returns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stock_move_id"],
            ["erp_stock_moves.id"],
            name=op.f("fk_erp_customer_return_lines_stock_move_id_erp_stock_moves"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_customer_return_lines")),
    )
    with op.batch_alter_table("erp_customer_return_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_customer_return_lines_delivery_pick_id"),
            ["delivery_pick_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_erp_customer_return_lines_return_id"), ["return_id"], unique=False
        )

    op.bulk_insert(
        _sequences(),
        [{"doc_type": d, "prefix": p, "padding": 6, "last_value": 0} for d, p in SEQUENCES],
    )


def downgrade() -> None:
    table = _sequences()
    op.execute(table.delete().where(table.c.doc_type.in_([d for d, _ in SEQUENCES])))
    # indexes go with their tables
    op.drop_table("erp_customer_return_lines")
    op.drop_table("erp_delivery_picks")
    op.drop_table("erp_credit_note_lines")
    op.drop_table("erp_delivery_lines")
    op.drop_table("erp_customer_invoice_lines")
    op.drop_table("erp_sales_order_lines")
    op.drop_table("erp_price_list_lines")
    op.drop_table("erp_customer_returns")
    op.drop_table("erp_credit_notes")
    op.drop_table("erp_deliveries")
    op.drop_table("erp_customer_invoices")
    op.drop_table("erp_sales_orders")
    op.drop_table("erp_customer_price_lists")
    op.drop_table("erp_price_lists")
