"""Gap-free human document numbers (``SO-000042``), one counter row per document type.

The counter is bumped with a single ``UPDATE ... RETURNING`` inside the caller's transaction:
PostgreSQL holds the row lock until commit, so concurrent callers queue, and a rollback gives the
number back. No gaps, no duplicates.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from gemba.core.audit.models import lock_audit_head
from gemba.core.db.base import Base


class DocumentSequence(Base):
    __tablename__ = "core_document_sequences"

    doc_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(10))
    padding: Mapped[int] = mapped_column(Integer, default=6)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


def ensure_sequence(session: Session, doc_type: str, prefix: str, padding: int = 6) -> None:
    if session.get(DocumentSequence, doc_type) is None:
        session.add(DocumentSequence(doc_type=doc_type, prefix=prefix, padding=padding,
                                     last_value=0))
        session.flush()


def next_number(session: Session, doc_type: str) -> str:
    """Take the next number of ``doc_type`` inside the current transaction.

    Locks are always taken in one order, audit-chain head first, then the counter: every
    business write ends up appending to the audit chain, so taking the head here first means
    two transactions can never hold these two rows in opposite orders (no deadlock).
    """
    lock_audit_head(session)
    row = session.execute(
        update(DocumentSequence)
        .where(DocumentSequence.doc_type == doc_type)
        .values(last_value=DocumentSequence.last_value + 1)
        .returning(DocumentSequence.prefix, DocumentSequence.padding,
                   DocumentSequence.last_value)
    ).one_or_none()
    if row is None:
        known = session.scalars(select(DocumentSequence.doc_type)).all()
        raise LookupError(f"no document sequence {doc_type!r} (known: {', '.join(known)})")
    prefix, padding, value = row
    return f"{prefix}-{value:0{padding}d}"
