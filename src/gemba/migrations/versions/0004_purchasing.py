"""Purchasing: supplier items, purchase orders, goods receipts, supplier bills.

Revision ID: 0004_purchasing
Revises: 0003_inventory_finance
"""

from collections.abc import Sequence

revision: str = "0004_purchasing"
down_revision: str | None = "0003_inventory_finance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
