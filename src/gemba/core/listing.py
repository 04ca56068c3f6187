"""Pagination and filtering shared by every list service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Boolean, Enum, Integer, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gemba.core.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class PageRequest:
    limit: int = 50
    offset: int = 0
    q: str | None = None  # free-text search over the searchable columns
    filters: tuple[tuple[str, str], ...] = ()  # exact-match filters, field -> value

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed.on("limit", "range", f"must be between 1 and {MAX_LIMIT}")
        if self.offset < 0:
            raise ValidationFailed.on("offset", "ge_zero", "must not be negative")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int


def paginate(
    session: Session,
    stmt: Select[tuple[T]],
    page: PageRequest,
    *,
    search: Sequence[InstrumentedAttribute[Any]] = (),
    filterable: dict[str, InstrumentedAttribute[Any]] | None = None,
    order_by: Sequence[Any] = (),
) -> Page[T]:
    filterable = filterable or {}
    for name, value in page.filters:
        column = filterable.get(name)
        if column is None:
            allowed = ", ".join(sorted(filterable)) or "none"
            raise ValidationFailed.on(name, "unknown_filter",
                                      f"cannot filter on it (allowed: {allowed})")
        stmt = stmt.where(column == _filter_value(name, column, value))
    if page.q and search:
        pattern = f"%{page.q.lower()}%"
        stmt = stmt.where(or_(*(func.lower(col).like(pattern) for col in search)))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(*order_by).limit(page.limit).offset(page.offset)).all()
    return Page(items=rows, total=int(total), limit=page.limit, offset=page.offset)


def _filter_value(name: str, column: InstrumentedAttribute[Any], value: str) -> Any:
    """Check a query-string filter against the column type: a bad value is a 422, not a 500."""
    col_type = column.type
    if isinstance(col_type, Enum):
        allowed = list(col_type.enums)
        if value not in allowed:
            raise ValidationFailed.on(name, "unknown_value",
                                      f"unknown value {value!r} (allowed: {', '.join(allowed)})")
        return value
    if isinstance(col_type, Boolean):
        truth = {"true": True, "1": True, "false": False, "0": False}
        if value.lower() not in truth:
            raise ValidationFailed.on(name, "boolean", f"expected true or false, got {value!r}")
        return truth[value.lower()]
    if isinstance(col_type, Integer):
        if not value.lstrip("-").isdigit():
            raise ValidationFailed.on(name, "integer", f"expected an integer, got {value!r}")
        return int(value)
    return value


def check_version(record: Any, expected: int | None) -> None:
    """Optimistic lock at the service boundary: the client must send the version it read."""
    if expected is not None and record.version != expected:
        from gemba.core.errors import Conflict

        raise Conflict(
            f"stale version: you edited version {expected} but the record is now at "
            f"version {record.version}; reload and retry"
        )
