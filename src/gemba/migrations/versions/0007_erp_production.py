"""ERP production orders and the MES link (applied performance messages, cost sheets).

Revision ID: 0007_erp_production
Revises: 0006_attendance
"""

from collections.abc import Sequence

revision: str = "0007_erp_production"
down_revision: str | None = "0006_attendance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
