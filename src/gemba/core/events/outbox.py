"""Writing to the outbox and relaying it to a transport after commit."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gemba.core.audit.chain import jsonable
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import OutboxMessage
from gemba.core.types import utcnow

log = logging.getLogger(__name__)


def add_to_outbox(session: Session, topic: str, payload: dict[str, Any]) -> str:
    message_id = str(uuid.uuid4())
    session.add(OutboxMessage(message_id=message_id, topic=topic, payload=jsonable(payload)))
    return message_id


class Transport(Protocol):
    """Where relayed events go: the in-process bus or an MQTT broker."""

    def send(self, envelope: Envelope) -> None: ...


class Relay:
    """Moves committed outbox rows to the transport, oldest first, at least once.

    A row is marked published only after the transport accepted it; a crash in between means
    the event is sent again, which the consumers' inbox absorbs. No transaction is held open
    while sending, so in-process consumers can write (SQLite has a single writer).
    """

    def __init__(self, session_factory: sessionmaker[Session], transport: Transport) -> None:
        self._factory = session_factory
        self._transport = transport
        self._lock = threading.Lock()

    def relay_pending(self, batch: int = 500) -> int:
        sent = 0
        with self._lock:
            while True:
                with self._factory() as session:
                    rows = session.execute(
                        select(OutboxMessage.id, OutboxMessage.message_id, OutboxMessage.topic,
                               OutboxMessage.payload)
                        .where(OutboxMessage.published_at.is_(None))
                        .order_by(OutboxMessage.id).limit(batch)
                    ).all()
                for row_id, message_id, topic, payload in rows:
                    self._transport.send(Envelope(message_id, topic, payload))
                    with self._factory() as session, session.begin():
                        session.execute(
                            update(OutboxMessage).where(OutboxMessage.id == row_id)
                            .values(published_at=utcnow(),
                                    attempts=OutboxMessage.attempts + 1))
                    sent += 1
                if len(rows) < batch:
                    return sent

    def as_after_commit(self) -> Callable[[], None]:
        """Relay right after a commit (embedded mode). The business change is already
        committed, so a failing subscriber must not turn it into an error for the caller:
        it is logged and the row stays pending for the next relay."""

        def hook() -> None:
            try:
                # In-process consumers may publish in turn (the ERP reports a lot's new
                # stock after applying a consumption): relay until nothing is left.
                while self.relay_pending():
                    pass
            except Exception:
                log.exception("relaying the outbox failed; will retry on the next commit")

        return hook
