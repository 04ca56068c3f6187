"""Hashing of audit entries: each hash covers the entry's content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from gemba.core.types import as_utc


def jsonable(value: Any) -> Any:
    """Values as stable JSON: Decimals as strings (exact), times as ISO 8601."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    record_type: str,
    record_id: str,
    action: str,
    old_values: dict[str, Any] | None,
    new_values: dict[str, Any] | None,
    reason: str | None,
    prev_hash: str,
    document_type: str | None = None,
    document_id: str | None = None,
) -> str:
    body = json.dumps(
        [seq, as_utc(at).isoformat(), actor, record_type, record_id, action, old_values, new_values,
         reason, prev_hash, document_type, document_id],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()
