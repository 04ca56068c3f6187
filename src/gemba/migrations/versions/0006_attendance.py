"""HR: attendance (clock in/out).

Revision ID: 0006_attendance
Revises: 0005_sales
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gemba.core.db.base

revision: str = "0006_attendance"
down_revision: str | None = "0005_sales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("clock_out IS NULL")


def upgrade() -> None:
    op.create_table(
        "erp_attendance",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("clock_in", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("clock_out", gemba.core.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("terminal", "badge", "manual", name="attendancesource", native_enum=False,
                    length=20),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gemba.core.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["erp_employees.id"],
            name=op.f("fk_erp_attendance_employee_id_erp_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_attendance")),
    )
    with op.batch_alter_table("erp_attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_erp_attendance_employee_id_work_date", ["employee_id", "work_date"], unique=False
        )
        # At most one open record per employee: the database refuses a second clock-in.
        batch_op.create_index(
            "uq_erp_attendance_open_employee_id",
            ["employee_id"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("erp_attendance", schema=None) as batch_op:
        batch_op.drop_index("uq_erp_attendance_open_employee_id")
        batch_op.drop_index("ix_erp_attendance_employee_id_work_date")

    op.drop_table("erp_attendance")
