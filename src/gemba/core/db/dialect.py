"""The few statements SQLite and PostgreSQL spell differently: upserts and row locks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_*`` on the session's database."""
    module = postgresql if is_postgres(session) else sqlite
    return module.insert(table)


def for_update(session: Session, stmt: Select[Any], *, read: bool = False,
               of: Any = None) -> Select[Any]:
    """Row locks on PostgreSQL; SQLite already serialises writers (BEGIN IMMEDIATE)."""
    return stmt.with_for_update(read=read, of=of) if is_postgres(session) else stmt
