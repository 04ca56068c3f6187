"""ERP production orders and the MES link (applied performance messages, cost sheets).

Revision ID: 0007_erp_production
Revises: 0006_attendance
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0007_erp_production"
down_revision: str | None = "0006_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQUENCES = [("production_order", "MO")]


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
        "erp_production_orders",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("planned", "released", "in_progress", "completed", "closed", "cancelled",
                    name="orderstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("bom_number", sa.String(length=20), nullable=True),
        sa.Column("routing_number", sa.String(length=20), nullable=True),
        sa.Column("qty_good", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_scrap", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("labour_minutes", gemba.core.db.base.Qty(precision=18, scale=6),
                  nullable=False),
        sa.Column("labour_cost", gemba.core.db.base.Money(precision=18, scale=4), nullable=False),
        sa.Column("machine_minutes", gemba.core.db.base.Qty(precision=18, scale=6),
                  nullable=False),
        sa.Column("machine_cost", gemba.core.db.base.Money(precision=18, scale=4),
                  nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_erp_production_orders_qty_positive")),
        sa.CheckConstraint("qty_good >= 0 AND qty_scrap >= 0",
                           name=op.f("ck_erp_production_orders_done_not_negative")),
        sa.ForeignKeyConstraint(["item_id"], ["erp_items.id"],
                                name=op.f("fk_erp_production_orders_item_id_erp_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_production_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_erp_production_orders_number")),
    )
    with op.batch_alter_table("erp_production_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_production_orders_item_id"), ["item_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_erp_production_orders_status"), ["status"],
                              unique=False)

    op.create_table(
        "erp_production_order_operations",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("work_center_code", sa.String(length=40), nullable=False),
        sa.Column("setup_min", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("run_min_per_unit", gemba.core.db.base.Qty(precision=18, scale=6),
                  nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["erp_production_orders.id"],
            name=op.f("fk_erp_production_order_operations_order_id_erp_production_orders"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_production_order_operations")),
        sa.UniqueConstraint("order_id", "seq",
                            name=op.f("uq_erp_production_order_operations_order_id_seq")),
    )

    op.create_table(
        "erp_production_order_components",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty_per", gemba.core.db.base.Qty(precision=18, scale=6), nullable=False),
        sa.Column("qty_required", gemba.core.db.base.Qty(precision=18, scale=6),
                  nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["erp_items.id"],
            name=op.f("fk_erp_production_order_components_item_id_erp_items")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["erp_production_orders.id"],
            name=op.f("fk_erp_production_order_components_order_id_erp_production_orders"),
            ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_production_order_components")),
        sa.UniqueConstraint("order_id", "line_no",
                            name=op.f("uq_erp_production_order_components_order_id_line_no")),
    )
    with op.batch_alter_table("erp_production_order_components", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_production_order_components_item_id"),
                              ["item_id"], unique=False)

    op.create_table(
        "erp_applied_responses",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("response_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("applied_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["erp_production_orders.id"],
            name=op.f("fk_erp_applied_responses_order_id_erp_production_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_applied_responses")),
        sa.UniqueConstraint("order_id", "sequence",
                            name=op.f("uq_erp_applied_responses_order_id_sequence")),
    )
    with op.batch_alter_table("erp_applied_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_applied_responses_order_id"), ["order_id"],
                              unique=False)

    op.create_table(
        "erp_mes_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("received_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_mes_rejections")),
    )
    with op.batch_alter_table("erp_mes_rejections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_mes_rejections_message_id"), ["message_id"],
                              unique=False)

    op.bulk_insert(
        _sequences(),
        [{"doc_type": d, "prefix": p, "padding": 6, "last_value": 0} for d, p in SEQUENCES],
    )


def downgrade() -> None:
    table = _sequences()
    op.execute(table.delete().where(table.c.doc_type.in_([d for d, _ in SEQUENCES])))
    with op.batch_alter_table("erp_mes_rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_mes_rejections_message_id"))
    op.drop_table("erp_mes_rejections")
    with op.batch_alter_table("erp_applied_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_applied_responses_order_id"))
    op.drop_table("erp_applied_responses")
    with op.batch_alter_table("erp_production_order_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_production_order_components_item_id"))
    op.drop_table("erp_production_order_components")
    op.drop_table("erp_production_order_operations")
    with op.batch_alter_table("erp_production_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_production_orders_status"))
        batch_op.drop_index(batch_op.f("ix_erp_production_orders_item_id"))
    op.drop_table("erp_production_orders")
