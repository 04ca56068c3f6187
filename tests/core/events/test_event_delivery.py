"""The transactional outbox in embedded mode, end to end through ``bootstrap``.

Handlers here have a real database effect: each writes an ``test.ack`` event into the outbox
in the inbox transaction, so "effect once" is counted in the database, not only in memory.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gemba.core.events.bus import Subscription, deliver_once
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import InboxMessage, OutboxMessage
from gemba.core.events.outbox import add_to_outbox


class Boom(RuntimeError):
    pass


def acking_handler(calls: list[str], failures: int = 0) -> Callable[[Session, Envelope], None]:
    """Records each call, writes an ack event, and raises (after writing) ``failures`` times."""
    left = [failures]

    def handler(session: Session, env: Envelope) -> None:
        calls.append(env.message_id)
        add_to_outbox(session, "test.ack", {"for": env.message_id})
        session.flush()
        if left[0] > 0:
            left[0] -= 1
            raise Boom("handler failed")

    return handler


def inbox_count(gemba, consumer: str) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(InboxMessage)
                        .where(InboxMessage.consumer == consumer))


def outbox_rows(gemba, topic: str) -> list[OutboxMessage]:
    with gemba.session_factory() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)
                              .order_by(OutboxMessage.id)))


def acks_for(gemba, message_id: str) -> int:
    return sum(1 for row in outbox_rows(gemba, "test.ack") if row.payload["for"] == message_id)


def publish(gemba, topic: str, payload: dict) -> str:
    """Publish in a committed unit of work; returns the new event's message id."""
    with gemba.uow() as uow:
        uow.publish(topic, payload)
        uow.commit()
    return outbox_rows(gemba, topic)[-1].message_id


def test_committed_event_reaches_subscriber_exactly_once(gemba):
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls))
    seen: list[Envelope] = []
    gemba.bus.subscribe("erp.test", "test.order.released",
                        lambda session, env: seen.append(env))

    mid = publish(gemba, "test.order.released", {"order": "WO-1", "qty": Decimal("2.50")})

    assert calls == [mid]
    assert seen[0].payload == {"order": "WO-1", "qty": "2.5"}  # Decimal travels exact
    assert inbox_count(gemba, "mes.test") == 1
    assert inbox_count(gemba, "erp.test") == 1
    assert acks_for(gemba, mid) == 1
    (row,) = outbox_rows(gemba, "test.order.released")
    assert row.published_at is not None and row.attempts == 1

    publish(gemba, "test.other", {"n": 1})  # later commits relay again: nothing re-sent
    assert calls == [mid]
    assert len(seen) == 1
    assert inbox_count(gemba, "mes.test") == 1


def test_pattern_selects_topics(gemba):
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls))
    publish(gemba, "test.item.created", {"n": 1})
    assert calls == []
    assert inbox_count(gemba, "mes.test") == 0


def test_rolled_back_event_never_appears(gemba):
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls))

    with gemba.uow() as uow:  # explicit rollback
        uow.publish("test.order.released", {"order": "WO-rolled-back"})
        uow.rollback()
    with pytest.raises(Boom), gemba.uow() as uow:  # failure inside the unit of work
        uow.publish("test.order.released", {"order": "WO-failed"})
        uow.flush()
        raise Boom("service failed after publishing")
    with gemba.uow() as uow:  # never committed
        uow.publish("test.order.released", {"order": "WO-abandoned"})

    mid = publish(gemba, "test.order.released", {"order": "WO-ok"})
    gemba.relay.relay_pending()

    assert calls == [mid]
    assert [r.payload["order"] for r in outbox_rows(gemba, "test.order.released")] == ["WO-ok"]
    assert inbox_count(gemba, "mes.test") == 1


def test_same_envelope_twice_has_effect_once(gemba):
    calls: list[str] = []
    sub = Subscription("mes.test", "test.order.*", acking_handler(calls))
    env = Envelope(str(uuid.uuid4()), "test.order.released", {"order": "WO-2"})

    assert deliver_once(gemba.session_factory, sub, env) is True
    assert deliver_once(gemba.session_factory, sub, env) is False

    assert calls == [env.message_id]
    assert inbox_count(gemba, "mes.test") == 1
    assert acks_for(gemba, env.message_id) == 1
    # The inbox key is per consumer: another consumer still gets its own delivery.
    other = Subscription("erp.test", "test.order.*", acking_handler(calls))
    assert deliver_once(gemba.session_factory, other, env) is True
    assert inbox_count(gemba, "erp.test") == 1


def test_relay_resending_after_crash_is_harmless(gemba):
    """A crash between sending and marking the row published means it is sent again."""
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls))
    mid = publish(gemba, "test.order.released", {"order": "WO-3"})

    with gemba.session_factory() as s, s.begin():
        s.execute(update(OutboxMessage).where(OutboxMessage.message_id == mid)
                  .values(published_at=None))
    gemba.relay.relay_pending()

    assert calls == [mid]
    assert inbox_count(gemba, "mes.test") == 1
    assert acks_for(gemba, mid) == 1
    (row,) = outbox_rows(gemba, "test.order.released")
    assert row.attempts == 2 and row.published_at is not None


def test_failing_handler_leaves_no_trace_and_is_retried(gemba):
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls, failures=1))

    # The business change commits whatever the subscriber does; whether the after-commit
    # relay reports the handler's failure to the committer is not what is tested here.
    with contextlib.suppress(Boom), gemba.uow() as uow:
        uow.publish("test.order.released", {"order": "WO-4"})
        uow.commit()
    (row,) = outbox_rows(gemba, "test.order.released")
    mid = row.message_id

    assert calls == [mid]
    assert inbox_count(gemba, "mes.test") == 0  # not marked: it can be retried
    assert acks_for(gemba, mid) == 0  # the handler's writes were rolled back with it
    assert row.published_at is None  # the relay keeps it pending

    assert gemba.relay.relay_pending() == 1  # the retry succeeds
    assert calls == [mid, mid]
    assert inbox_count(gemba, "mes.test") == 1
    assert acks_for(gemba, mid) == 1
    assert outbox_rows(gemba, "test.order.released")[0].published_at is not None


def test_failing_handler_is_retried_by_the_next_commit(gemba):
    calls: list[str] = []
    gemba.bus.subscribe("mes.test", "test.order.*", acking_handler(calls, failures=1))
    with contextlib.suppress(Boom), gemba.uow() as uow:
        uow.publish("test.order.released", {"order": "WO-5"})
        uow.commit()
    first = outbox_rows(gemba, "test.order.released")[0].message_id

    second = publish(gemba, "test.order.released", {"order": "WO-6"})

    assert calls == [first, first, second]  # oldest first, the failed one retried
    assert inbox_count(gemba, "mes.test") == 2
    assert acks_for(gemba, first) == 1 and acks_for(gemba, second) == 1


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deliveries=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
def test_any_redelivery_sequence_has_effect_once_per_message(gemba, deliveries):
    consumer = f"prop.{uuid.uuid4().hex[:8]}"
    calls: list[str] = []
    sub = Subscription(consumer, "test.*", acking_handler(calls))
    envelopes = [Envelope(str(uuid.uuid4()), "test.prop", {"i": i}) for i in range(4)]

    results = [deliver_once(gemba.session_factory, sub, envelopes[i]) for i in deliveries]

    distinct = list(dict.fromkeys(deliveries))
    assert results.count(True) == len(distinct)
    assert calls == [envelopes[i].message_id for i in distinct]
    assert inbox_count(gemba, consumer) == len(distinct)
