"""MES execution: work orders received from the ERP, operations, execution events, WIP.

Revision ID: 0008_mes_execution
Revises: 0007_erp_production
"""

from collections.abc import Sequence

revision: str = "0008_mes_execution"
down_revision: str | None = "0007_erp_production"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
