"""The background relay of production workers: periodic, resilient to outages, stoppable."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from gemba.adapters.mqtt.connection import BrokerUnavailable
from gemba.adapters.mqtt.runner import RelayRunner
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import OutboxMessage
from gemba.core.events.outbox import Relay, add_to_outbox


class FlakyTransport:
    """Refuses the first ``outage`` sends, then records what it is given."""

    def __init__(self, outage: int = 0) -> None:
        self.outage = outage
        self.sent: list[Envelope] = []
        self.event = threading.Event()

    def send(self, envelope: Envelope) -> None:
        if self.outage > 0:
            self.outage -= 1
            raise BrokerUnavailable("broker down (test)")
        self.sent.append(envelope)
        self.event.set()


def commit_events(gemba, *topics: str) -> None:
    """Committed, unpublished outbox rows (written outside a UoW, so no in-process relay)."""
    with gemba.session_factory() as s, s.begin():
        for topic in topics:
            add_to_outbox(s, topic, {"topic": topic})


def pending(gemba) -> int:
    with gemba.session_factory() as s:
        return len(s.scalars(select(OutboxMessage.id)
                             .where(OutboxMessage.published_at.is_(None))).all())


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_runner_relays_periodically_and_stops(gemba):
    transport = FlakyTransport()
    runner = RelayRunner(Relay(gemba.session_factory, transport), interval_ms=20).start()
    try:
        commit_events(gemba, "test.a", "test.b")
        assert wait_for(lambda: pending(gemba) == 0)
        commit_events(gemba, "test.c")
        assert wait_for(lambda: pending(gemba) == 0)
    finally:
        runner.stop()
    assert not runner.running
    assert [e.topic for e in transport.sent] == ["test.a", "test.b", "test.c"]
    assert runner.relayed == 3

    commit_events(gemba, "test.after_stop")
    time.sleep(0.1)
    assert pending(gemba) == 1  # a stopped runner relays nothing


def test_runner_survives_an_outage_and_keeps_rows_pending(gemba):
    transport = FlakyTransport(outage=3)
    commit_events(gemba, "test.a", "test.b")
    with RelayRunner(Relay(gemba.session_factory, transport), interval_ms=10) as runner:
        assert wait_for(lambda: runner.consecutive_failures >= 1)
        assert isinstance(runner.last_error, BrokerUnavailable)
        assert wait_for(lambda: pending(gemba) == 0)
    assert runner.consecutive_failures == 0 and runner.last_error is None
    assert [e.topic for e in transport.sent] == ["test.a", "test.b"]  # in order, once each


def test_wake_relays_before_the_next_tick(gemba):
    transport = FlakyTransport()
    with RelayRunner(Relay(gemba.session_factory, transport), interval_ms=60_000) as runner:
        time.sleep(0.1)  # the first pass has run and the loop now sleeps a minute
        commit_events(gemba, "test.woken")
        runner.wake()
        assert transport.event.wait(5)
    assert [e.topic for e in transport.sent] == ["test.woken"]


def test_tick_can_run_in_the_callers_thread(gemba):
    transport = FlakyTransport(outage=1)
    runner = RelayRunner(Relay(gemba.session_factory, transport))
    commit_events(gemba, "test.a")
    assert runner.tick() == 0 and runner.consecutive_failures == 1
    assert pending(gemba) == 1
    assert runner.tick() == 1 and pending(gemba) == 0
