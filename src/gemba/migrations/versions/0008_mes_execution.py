"""MES execution: work orders received from the ERP, operations, execution events, WIP.

Revision ID: 0008_mes_execution
Revises: 0007_erp_production
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0008_mes_execution"
down_revision: str | None = "0007_erp_production"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QTY = gemba.core.db.base.Qty(precision=18, scale=6)
UTC = gemba.core.db.base.UtcDateTime(timezone=True)
APPEND_ONLY = ["mes_execution_events"]


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{table} is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
""")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


def upgrade() -> None:
    op.create_table(
        "mes_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_rejections")),
    )
    op.create_index(op.f("ix_mes_rejections_message_id"), "mes_rejections", ["message_id"],
                    unique=False)

    op.create_table(
        "mes_work_orders",
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("parent_number", sa.String(length=100), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("uom", sa.String(length=40), nullable=False),
        sa.Column("start_at", UTC, nullable=True),
        sa.Column("due", UTC, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status",
                  sa.Enum("received", "released", "in_progress", "held", "completed",
                          "cancelled", name="workorderstatus", native_enum=False, length=20),
                  nullable=False),
        sa.Column("held_from", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("qty_good", QTY, nullable=False),
        sa.Column("qty_scrap", QTY, nullable=False),
        sa.Column("report_seq", sa.Integer(), nullable=False),
        sa.Column("splits", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_mes_work_orders_qty_positive")),
        sa.CheckConstraint("qty_good >= 0 AND qty_scrap >= 0",
                           name=op.f("ck_mes_work_orders_done_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_work_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_mes_work_orders_number")),
    )
    op.create_index(op.f("ix_mes_work_orders_request_id"), "mes_work_orders", ["request_id"],
                    unique=False)
    op.create_index(op.f("ix_mes_work_orders_status"), "mes_work_orders", ["status"],
                    unique=False)

    op.create_table(
        "mes_execution_events",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("kind",
                  sa.Enum("release", "hold", "unhold", "cancel", "split", "priority", "start",
                          "pause", "resume", "complete", "consume", "produce",
                          name="eventkind", native_enum=False, length=20),
                  nullable=False),
        sa.Column("item", sa.String(length=100), nullable=True),
        sa.Column("lot", sa.String(length=100), nullable=True),
        sa.Column("serial", sa.String(length=100), nullable=True),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("qty_scrap", QTY, nullable=False),
        sa.Column("qty_rework", QTY, nullable=False),
        sa.Column("minutes", QTY, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["work_order_id"], ["mes_work_orders.id"],
                                name=op.f("fk_mes_execution_events_work_order_id_mes_work_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_execution_events")),
    )
    op.create_index(op.f("ix_mes_execution_events_work_order_id"), "mes_execution_events",
                    ["work_order_id"], unique=False)

    op.create_table(
        "mes_work_materials",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.String(length=100), nullable=True),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("uom", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["work_order_id"], ["mes_work_orders.id"],
                                name=op.f("fk_mes_work_materials_work_order_id_mes_work_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_work_materials")),
        sa.UniqueConstraint("work_order_id", "line_no",
                            name=op.f("uq_mes_work_materials_work_order_id_line_no")),
    )

    op.create_table(
        "mes_work_operations",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("work_center", sa.String(length=100), nullable=True),
        sa.Column("setup_minutes", QTY, nullable=False),
        sa.Column("run_minutes_per_unit", QTY, nullable=False),
        sa.Column("status",
                  sa.Enum("pending", "running", "paused", "done", name="operationstatus",
                          native_enum=False, length=20),
                  nullable=False),
        sa.Column("qty_good", QTY, nullable=False),
        sa.Column("qty_scrap", QTY, nullable=False),
        sa.Column("qty_rework", QTY, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("running_since", UTC, nullable=True),
        sa.Column("minutes_open", QTY, nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=True),
        sa.Column("output_lot", sa.String(length=100), nullable=True),
        sa.Column("output_serial", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["work_order_id"], ["mes_work_orders.id"],
                                name=op.f("fk_mes_work_operations_work_order_id_mes_work_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_work_operations")),
        sa.UniqueConstraint("work_order_id", "seq",
                            name=op.f("uq_mes_work_operations_work_order_id_seq")),
    )
    op.create_index(op.f("ix_mes_work_operations_work_center"), "mes_work_operations",
                    ["work_center"], unique=False)

    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_index(op.f("ix_mes_work_operations_work_center"), table_name="mes_work_operations")
    op.drop_table("mes_work_operations")
    op.drop_table("mes_work_materials")
    op.drop_index(op.f("ix_mes_execution_events_work_order_id"),
                  table_name="mes_execution_events")
    op.drop_table("mes_execution_events")
    op.drop_index(op.f("ix_mes_work_orders_status"), table_name="mes_work_orders")
    op.drop_index(op.f("ix_mes_work_orders_request_id"), table_name="mes_work_orders")
    op.drop_table("mes_work_orders")
    op.drop_index(op.f("ix_mes_rejections_message_id"), table_name="mes_rejections")
    op.drop_table("mes_rejections")
