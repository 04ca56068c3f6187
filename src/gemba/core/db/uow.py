"""Unit of work: one transaction, one actor, events collected into the outbox.

Services receive a UnitOfWork, check ``uow.actor`` permissions, change records through
``uow.session`` and call ``uow.commit()``. After a successful commit the registered
after-commit hooks run (e.g. the in-process outbox relay): side effects never precede commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from gemba.core.auth.actor import SYSTEM, Actor
from gemba.core.errors import Conflict

T = TypeVar("T")
AfterCommit = Callable[[], None]


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: Actor = SYSTEM,
        reason: str | None = None,
        after_commit: list[AfterCommit] | None = None,
    ) -> None:
        self._factory = session_factory
        self.actor = actor
        self.reason = reason
        self._after_commit = after_commit or []
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        self._session.info["actor"] = self.actor
        self._session.info["reason"] = self.reason
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                session.rollback()
        finally:
            session.close()
            self._session = None

    def flush(self) -> None:
        """Flush and translate database rule violations into domain errors.

        The transaction is left for the caller (or ``__exit__``) to roll back, so a bulk load
        can catch the error inside a savepoint and go on checking the next rows.
        """
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(_integrity_message(exc)) from exc
        except StaleDataError as exc:
            raise Conflict("the record was changed by someone else; reload and retry") from exc

    def commit(self) -> None:
        self.flush()
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(_integrity_message(exc)) from exc
        for hook in self._after_commit:
            hook()

    def rollback(self) -> None:
        self.session.rollback()

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Store a domain event in the outbox, in this transaction."""
        from gemba.core.events.outbox import add_to_outbox

        add_to_outbox(self.session, topic, payload)


class BoundUnitOfWork(UnitOfWork):
    """A unit of work over a session whose transaction someone else owns: an inbox consumer
    (``core.events.bus.deliver_once``) runs services inside the transaction that records the
    message, so the effect and the inbox row commit together or not at all. ``commit`` only
    flushes; the owner commits."""

    def __init__(self, session: Session, actor: Actor = SYSTEM, reason: str | None = None
                 ) -> None:
        super().__init__(sessionmaker(), actor, reason)
        self._session = session
        session.info["actor"] = actor
        session.info["reason"] = reason

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        self.flush()

    def rollback(self) -> None:
        raise RuntimeError("a bound unit of work cannot roll back its owner's transaction")


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "a record with the same unique key already exists"
    if "foreign key" in text:
        return "the record is referenced by others or refers to a missing record"
    return "the change violates a database rule"


def is_retryable(exc: BaseException) -> bool:
    """Serialization failures and deadlocks on PostgreSQL may simply be retried."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        code = getattr(exc.orig, "sqlstate", None)
        return code in {"40001", "40P01"}
    return False


def with_retry(fn: Callable[[], T], attempts: int = 5) -> T:
    for attempt in range(attempts):
        try:
            return fn()
        except DBAPIError as exc:
            if not is_retryable(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
