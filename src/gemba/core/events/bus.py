"""In-process transport and idempotent consumers (the inbox)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gemba.core.events.envelope import Envelope
from gemba.core.events.models import InboxMessage

Handler = Callable[[Session, Envelope], None]


@dataclass
class Subscription:
    consumer: str
    pattern: str  # fnmatch-style topic pattern, e.g. "isa95.*"
    handler: Handler


def deliver_once(factory: sessionmaker[Session], sub: Subscription, env: Envelope) -> bool:
    """Run the handler and record the inbox row in one transaction.

    Returns False when this consumer already handled the message: the unique inbox key makes
    the second attempt fail before any of its effects can commit.
    """
    with factory() as session, session.begin():
        session.add(InboxMessage(consumer=sub.consumer, message_id=env.message_id,
                                 topic=env.topic))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        # Only the inbox insert may mean "already handled"; a handler's own integrity error
        # must propagate so the message is retried, not acknowledged and lost.
        sub.handler(session, env)
    return True


@dataclass
class InProcessBus:
    """Embedded-mode transport: delivers straight to subscribers in this process."""

    session_factory: sessionmaker[Session]
    subscriptions: list[Subscription] = field(default_factory=list)

    def subscribe(self, consumer: str, pattern: str, handler: Handler) -> None:
        self.subscriptions.append(Subscription(consumer, pattern, handler))

    def send(self, envelope: Envelope) -> None:
        for sub in self.subscriptions:
            if fnmatch.fnmatchcase(envelope.topic, sub.pattern):
                deliver_once(self.session_factory, sub, envelope)
