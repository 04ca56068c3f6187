"""Net-change MRP: the items changed since the last run.

Revision ID: 0011_mrp_changes
Revises: 0010_planning
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_mrp_changes"
down_revision: str | None = "0010_planning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erp_mrp_changes",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_mrp_changes")),
    )
    op.create_index(op.f("ix_erp_mrp_changes_item_id"), "erp_mrp_changes", ["item_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_table("erp_mrp_changes")
