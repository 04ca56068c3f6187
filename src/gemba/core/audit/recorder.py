"""Writes audit entries in the same transaction as the change, from SQLAlchemy's flush events.

Every record class that mixes in ``Audited`` is covered without the services doing anything.
Appends are ordered by a lock on the single chain-head row, so the chain is linear even with
many concurrent writers on PostgreSQL.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import and_, event, insert, inspect, or_, select, update
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import NO_VALUE, get_history

from gemba.core.audit.chain import entry_hash, jsonable
from gemba.core.audit.models import AuditEntry, AuditHead
from gemba.core.types import utcnow

_PENDING = "audit_pending"
# Never copied into the trail: bookkeeping columns and secrets (even hashed ones).
SKIP_COLUMNS = {"created_at", "updated_at", "version", "password_hash", "token_hash", "content"}


class Pending(NamedTuple):
    action: str
    obj: Any
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    document: tuple[str, object] | None


def record_type(obj: Any) -> str:
    return str(obj.__tablename__)


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in SKIP_COLUMNS]


def _snapshot(obj: Any) -> dict[str, Any]:
    return {key: jsonable(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in _columns(obj):
        hist = get_history(obj, key)
        if hist.has_changes():
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before is NO_VALUE:
                before = None
            if jsonable(before) != jsonable(after):
                old[key] = jsonable(before)
                new[key] = jsonable(after)
    return old, new


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    # Updates and deletes are captured now, while the old state (and, for a document link,
    # the parent rows) can still be loaded; creates after the flush, once keys are assigned.
    pending: list[Pending] = session.info.setdefault(_PENDING, [])
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            old, new = _changes(obj)
            if new:
                pending.append(Pending("update", obj, old, new, obj.audit_document()))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            pending.append(Pending("delete", obj, _snapshot(obj), None, obj.audit_document()))
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            pending.append(Pending("create", obj, None, None, None))


@event.listens_for(Session, "after_flush")
def _write(session: Session, _ctx: UOWTransaction) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    actor = session.info.get("actor")
    actor_name = getattr(actor, "username", "system")
    reason = session.info.get("reason")
    conn = session.connection()
    head = conn.execute(
        update(AuditHead).where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq)  # touch the row: takes the lock on PostgreSQL
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).one()
    seq, prev = int(head.last_seq), str(head.last_hash)
    rows = []
    for action, obj, old_v, new_v, document in pending:
        ident = inspect(obj).mapper.primary_key_from_instance(obj)
        rid = "/".join(str(v) for v in ident)
        if action == "create":
            new_v, document = _snapshot(obj), obj.audit_document()
        doc_type, doc_id = (document[0], str(document[1])) if document else (None, None)
        seq += 1
        at = utcnow()
        digest = entry_hash(seq=seq, at=at, actor=actor_name, record_type=record_type(obj),
                            record_id=rid, action=action, old_values=old_v, new_values=new_v,
                            reason=reason, prev_hash=prev, document_type=doc_type,
                            document_id=doc_id)
        rows.append(dict(seq=seq, at=at, actor=actor_name, record_type=record_type(obj),
                         record_id=rid, action=action, old_values=old_v, new_values=new_v,
                         reason=reason, prev_hash=prev, hash=digest, document_type=doc_type,
                         document_id=doc_id))
        prev = digest
    conn.execute(insert(AuditEntry), rows)
    conn.execute(update(AuditHead).where(AuditHead.id == 1)
                 .values(last_seq=seq, last_hash=prev))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def history(session: Session, rec_type: str, record_id: str | int) -> list[AuditEntry]:
    """A record's changes and those of the records that are part of it (lines, shifts,
    qualifications; deleted ones too), oldest first."""
    rid = str(record_id)
    return list(session.scalars(
        select(AuditEntry).where(or_(
            and_(AuditEntry.record_type == rec_type, AuditEntry.record_id == rid),
            and_(AuditEntry.document_type == rec_type, AuditEntry.document_id == rid)))
        .order_by(AuditEntry.seq)
    ))
