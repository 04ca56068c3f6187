"""Sales: price lists, quotations and sales orders, deliveries, invoices, credit notes, returns.

Revision ID: 0005_sales
Revises: 0004_purchasing
"""

from collections.abc import Sequence

revision: str = "0005_sales"
down_revision: str | None = "0004_purchasing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
