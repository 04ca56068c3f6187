"""Audit tables: the entries and the chain head that serialises appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from gemba.core.db.base import Base, UtcDateTime


class Audited:
    """Mixin: changes to these records are written to the audit trail."""

    __audited__ = True

    def audit_document(self) -> tuple[str, object] | None:
        """The document this record is part of (a BOM line -> its BOM), as (table, id).

        Stored with each entry so a document's history includes its lines, also deleted ones,
        through one indexed lookup. Called after flush, when foreign keys are set."""
        return None


class AuditEntry(Base):
    __tablename__ = "core_audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str] = mapped_column(String(80), index=True)
    record_id: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    document_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_core_audit_log_document", AuditEntry.document_type, AuditEntry.document_id)


class AuditHead(Base):
    """Single row: last sequence and hash. Updating it takes the lock that orders appends."""

    __tablename__ = "core_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


GENESIS_HASH = "0" * 64


_HEAD_LOCKED = "audit_head_locked"


def lock_audit_head(session: Session) -> None:
    """Take the chain-head row lock now (PostgreSQL); SQLite already serialises writers.

    Once per transaction: the lock is held until the transaction ends. The flag is cleared at
    the end of any transaction, savepoints included (rolling back to a savepoint releases the
    locks taken after it; re-locking after a released savepoint is merely redundant)."""
    if session.info.get(_HEAD_LOCKED):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
    session.info[_HEAD_LOCKED] = True


@event.listens_for(Session, "after_transaction_end")
def _head_released(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_HEAD_LOCKED, None)
