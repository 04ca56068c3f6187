"""MES reference data from the ERP: persons, qualifications, material lots; labour sessions;
required skills and work instructions on operations.

Revision ID: 0009_mes_reference_data
Revises: 0008_mes_execution
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0009_mes_reference_data"
down_revision: str | None = "0008_mes_execution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QTY = gemba.core.db.base.Qty(precision=18, scale=6)
UTC = gemba.core.db.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("erp_routing_operations",
                  sa.Column("skill_code", sa.String(length=40), nullable=True))
    op.add_column("mes_work_operations",
                  sa.Column("required_skills", sa.String(length=500), nullable=True))
    op.add_column("mes_work_operations", sa.Column("instructions", sa.Text(), nullable=True))

    op.create_table(
        "mes_persons",
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("badge_id", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_persons")),
        sa.UniqueConstraint("person_id", name=op.f("uq_mes_persons_person_id")),
    )
    op.create_index(op.f("ix_mes_persons_badge_id"), "mes_persons", ["badge_id"], unique=False)
    op.create_table(
        "mes_person_qualifications",
        sa.Column("person_pk", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=100), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_pk"], ["mes_persons.id"], ondelete="CASCADE",
                                name=op.f("fk_mes_person_qualifications_person_pk_mes_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_person_qualifications")),
        sa.UniqueConstraint("person_pk", "skill",
                            name=op.f("uq_mes_person_qualifications_person_pk_skill")),
    )
    op.create_table(
        "mes_material_lots",
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("lot", sa.String(length=100), nullable=False),
        sa.Column("uom", sa.String(length=40), nullable=False),
        sa.Column("quantity", QTY, nullable=False),
        sa.Column("consumed", QTY, nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_material_lots")),
        sa.UniqueConstraint("item", "lot", name=op.f("uq_mes_material_lots_item_lot")),
    )
    op.create_index(op.f("ix_mes_material_lots_item"), "mes_material_lots", ["item"],
                    unique=False)
    op.create_index(op.f("ix_mes_material_lots_lot"), "mes_material_lots", ["lot"],
                    unique=False)
    op.create_table(
        "mes_labour_sessions",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("clock_on", UTC, nullable=False),
        sa.Column("clock_off", UTC, nullable=True),
        sa.Column("reported_until", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["work_order_id"], ["mes_work_orders.id"],
                                name=op.f("fk_mes_labour_sessions_work_order_id_mes_work_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mes_labour_sessions")),
    )
    op.create_index(op.f("ix_mes_labour_sessions_work_order_id"), "mes_labour_sessions",
                    ["work_order_id"], unique=False)


def downgrade() -> None:
    op.drop_table("mes_labour_sessions")
    op.drop_table("mes_material_lots")
    op.drop_table("mes_person_qualifications")
    op.drop_table("mes_persons")
    with op.batch_alter_table("mes_work_operations") as batch:
        batch.drop_column("instructions")
        batch.drop_column("required_skills")
    with op.batch_alter_table("erp_routing_operations") as batch:
        batch.drop_column("skill_code")
