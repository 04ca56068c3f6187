"""Recompute the audit chain and report the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gemba.core.audit.chain import entry_hash
from gemba.core.audit.models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""


def verify_chain(session: Session, batch: int = 5000) -> VerifyResult:
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not entries:
            break
        for e in entries:
            if e.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq,
                                    f"entry {expected_seq} is missing")
            if e.prev_hash != prev:
                return VerifyResult(False, checked, e.seq,
                                    "previous-hash link does not match the entry before")
            digest = entry_hash(seq=e.seq, at=e.at, actor=e.actor, record_type=e.record_type,
                                record_id=e.record_id, action=e.action,
                                old_values=e.old_values, new_values=e.new_values,
                                reason=e.reason, prev_hash=e.prev_hash,
                                document_type=e.document_type, document_id=e.document_id)
            if digest != e.hash:
                return VerifyResult(False, checked, e.seq,
                                    f"content of entry {e.seq} ({e.record_type} "
                                    f"{e.record_id}) was altered")
            prev, expected_seq, checked = e.hash, e.seq + 1, checked + 1
            last_seq = e.seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != checked or head.last_hash != prev):
        return VerifyResult(False, checked, checked + 1,
                            f"chain head says {head.last_seq} entries, found {checked}: "
                            "entries were removed from the end")
    return VerifyResult(True, checked)
