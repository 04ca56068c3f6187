"""Audit trail over REST: any record's history, and chain verification."""

from typing import Any

from fastapi import APIRouter

from gemba.api.crud import AuditEntryOut
from gemba.api.deps import UowDep
from gemba.core.audit.recorder import history
from gemba.core.audit.verify import verify_chain
from gemba.core.auth.permissions import Permission

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/records/{record_type}/{record_id}", response_model=list[AuditEntryOut])
def record_history(record_type: str, record_id: str, uow: UowDep) -> Any:
    """Every change of one record (table name and primary key), oldest first."""
    uow.actor.require(Permission.AUDIT_READ)
    return [AuditEntryOut.model_validate(e) for e in history(uow.session, record_type, record_id)]


@router.get("/verify")
def verify(uow: UowDep) -> dict[str, Any]:
    """Recompute the hash chain; ``ok`` is false and ``broken_seq`` names the first bad link."""
    uow.actor.require(Permission.AUDIT_READ)
    result = verify_chain(uow.session)
    return {"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq,
            "problem": result.problem}
