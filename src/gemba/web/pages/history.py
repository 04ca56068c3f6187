"""History of a record together with the records that are part of it (shifts of a calendar,
qualifications of an employee): the audit trail links them to their document, so deleted ones
show too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gemba.core.audit.models import AuditEntry
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork


def document_history(record_type: str) -> Callable[[UnitOfWork, Any], list[AuditEntry]]:
    def history_of(uow: UnitOfWork, record: Any) -> list[AuditEntry]:
        uow.actor.require(Permission.AUDIT_READ)
        return history(uow.session, record_type, record.id)

    return history_of
