"""Reference data every installation needs: units of measure, sequences, audit chain head,
and database triggers that make the audit trail append-only.

Revision ID: 0002_reference_data
Revises: 0001_schema
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002_reference_data"
down_revision: str | None = "0001_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = [
    ("count", "Count"),
    ("mass", "Mass"),
    ("length", "Length"),
    ("volume", "Volume"),
    ("time", "Time"),
]
# code, name, category, factor to the category's reference unit, decimals
UOMS = [
    ("ea", "Each", "count", "1", 0),
    ("box12", "Box of 12", "count", "12", 0),
    ("kg", "Kilogram", "mass", "1", 3),
    ("g", "Gram", "mass", "0.001", 1),
    ("t", "Tonne", "mass", "1000", 3),
    ("m", "Metre", "length", "1", 3),
    ("mm", "Millimetre", "length", "0.001", 0),
    ("cm", "Centimetre", "length", "0.01", 1),
    ("l", "Litre", "volume", "1", 3),
    ("ml", "Millilitre", "volume", "0.001", 0),
    ("min", "Minute", "time", "1", 2),
    ("h", "Hour", "time", "60", 4),
]
SEQUENCES = [("bom", "BOM"), ("routing", "RTG")]

APPEND_ONLY_PG = """
CREATE OR REPLACE FUNCTION core_audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'core_audit_log is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER core_audit_log_no_update BEFORE UPDATE OR DELETE ON core_audit_log
  FOR EACH ROW EXECUTE FUNCTION core_audit_log_append_only();
"""
APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER core_audit_log_no_update BEFORE UPDATE ON core_audit_log
       BEGIN SELECT RAISE(ABORT, 'core_audit_log is append-only'); END""",
    """CREATE TRIGGER core_audit_log_no_delete BEFORE DELETE ON core_audit_log
       BEGIN SELECT RAISE(ABORT, 'core_audit_log is append-only'); END""",
]


def upgrade() -> None:
    now = datetime.now(UTC)
    meta = sa.MetaData()
    meta.reflect(op.get_bind(), only=["erp_uom_categories", "erp_uoms",
                                      "core_document_sequences", "core_audit_head"])
    cats = meta.tables["erp_uom_categories"]
    op.bulk_insert(cats, [dict(id=i + 1, code=c, name=n, version=1, created_at=now,
                               updated_at=now) for i, (c, n) in enumerate(CATEGORIES)])
    cat_id = {c: i + 1 for i, (c, _) in enumerate(CATEGORIES)}
    op.bulk_insert(meta.tables["erp_uoms"], [
        dict(code=c, name=n, category_id=cat_id[cat], factor=f, precision=p, version=1,
             created_at=now, updated_at=now) for c, n, cat, f, p in UOMS])
    op.bulk_insert(meta.tables["core_document_sequences"], [
        dict(doc_type=t, prefix=p, padding=6, last_value=0) for t, p in SEQUENCES])
    op.bulk_insert(meta.tables["core_audit_head"], [dict(id=1, last_seq=0, last_hash="0" * 64)])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG)
        if op.get_bind().dialect.server_version_info >= (13,):
            op.execute("SELECT setval(pg_get_serial_sequence('erp_uom_categories', 'id'), "
                       f"{len(CATEGORIES)})")
    else:
        for ddl in APPEND_ONLY_SQLITE:
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER core_audit_log_no_update ON core_audit_log")
        op.execute("DROP FUNCTION core_audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER core_audit_log_no_update")
        op.execute("DROP TRIGGER core_audit_log_no_delete")
    op.execute("DELETE FROM core_audit_head")
    op.execute("DELETE FROM core_document_sequences")
    op.execute("DELETE FROM erp_uoms")
    op.execute("DELETE FROM erp_uom_categories")
