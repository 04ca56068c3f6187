"""MRP: forecasts, planned orders with pegging, exception messages, kitted production orders.

Revision ID: 0010_planning
Revises: 0009_mes_reference_data
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0010_planning"
down_revision: str | None = "0009_mes_reference_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _qty() -> gemba.core.db.base.Qty:
    return gemba.core.db.base.Qty(precision=18, scale=6)


def _utc() -> gemba.core.db.base.UtcDateTime:
    return gemba.core.db.base.UtcDateTime(timezone=True)


def _item_fk(table: str, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["item_id"], ["erp_items.id"],
                                   name=op.f(f"fk_{table}_item_id_erp_items"),
                                   ondelete="CASCADE" if cascade else None)


def upgrade() -> None:
    with op.batch_alter_table("erp_production_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kitted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.create_table(
        "erp_forecasts",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("qty", _qty(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_erp_forecasts_qty_positive")),
        _item_fk("erp_forecasts", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_forecasts")),
        sa.UniqueConstraint("item_id", "due_date", "ref",
                            name=op.f("uq_erp_forecasts_item_id_due_date_ref")),
    )
    op.create_index(op.f("ix_erp_forecasts_item_id"), "erp_forecasts", ["item_id"])
    op.create_index(op.f("ix_erp_forecasts_due_date"), "erp_forecasts", ["due_date"])

    op.create_table(
        "erp_imported_refs",
        sa.Column("doc_type", sa.Enum("sales_order", "purchase_order", "production_order",
                                      name="doctype", native_enum=False, length=20),
                  nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("doc_number", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_imported_refs")),
        sa.UniqueConstraint("doc_type", "ref", name=op.f("uq_erp_imported_refs_doc_type_ref")),
    )
    op.create_index(op.f("ix_erp_imported_refs_doc_number"), "erp_imported_refs",
                    ["doc_number"])

    op.create_table(
        "erp_mrp_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("planned_orders", sa.Integer(), nullable=False),
        sa.Column("exceptions", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_mrp_runs")),
    )

    op.create_table(
        "erp_planned_orders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("qty", _qty(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("expedite", sa.Boolean(), nullable=False),
        _item_fk("erp_planned_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_planned_orders")),
    )
    op.create_index(op.f("ix_erp_planned_orders_item_id"), "erp_planned_orders", ["item_id"])

    op.create_table(  # no foreign key: see store.PlannedOrderPeg
        "erp_planned_order_pegs",
        sa.Column("planned_order_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("demand_ref", sa.String(length=60), nullable=False),
        sa.Column("qty", _qty(), nullable=False),
        sa.PrimaryKeyConstraint("planned_order_id", "seq",
                                name=op.f("pk_erp_planned_order_pegs")),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "erp_mrp_exceptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _item_fk("erp_mrp_exceptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_mrp_exceptions")),
    )
    op.create_index(op.f("ix_erp_mrp_exceptions_item_id"), "erp_mrp_exceptions", ["item_id"])

    op.create_table(
        "erp_mrp_records",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        _item_fk("erp_mrp_records"),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_erp_mrp_records")),
    )


def downgrade() -> None:
    op.drop_table("erp_mrp_records")
    op.drop_index(op.f("ix_erp_mrp_exceptions_item_id"), table_name="erp_mrp_exceptions")
    op.drop_table("erp_mrp_exceptions")
    op.drop_table("erp_planned_order_pegs")
    op.drop_index(op.f("ix_erp_planned_orders_item_id"), table_name="erp_planned_orders")
    op.drop_table("erp_planned_orders")
    op.drop_table("erp_mrp_runs")
    op.drop_index(op.f("ix_erp_imported_refs_doc_number"), table_name="erp_imported_refs")
    op.drop_table("erp_imported_refs")
    op.drop_index(op.f("ix_erp_forecasts_due_date"), table_name="erp_forecasts")
    op.drop_index(op.f("ix_erp_forecasts_item_id"), table_name="erp_forecasts")
    op.drop_table("erp_forecasts")
    with op.batch_alter_table("erp_production_orders", schema=None) as batch_op:
        batch_op.drop_column("kitted")
