"""Several worker processes on one host (``uvicorn --workers N``), each starting the relay and
the consumers: one connection per consumer client id, and each outbox row relayed once.

Without the host lock every worker connected the same client id: the broker closed the older
connection, paho reconnected it, and the workers took the session from each other for as long
as they ran (thousands of takeovers a minute; reports applied at a crawl).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gemba.adapters.mqtt.consumer import MqttConsumer
from gemba.adapters.mqtt.host_lock import HostLock
from gemba.adapters.mqtt.runner import RelayRunner
from gemba.adapters.mqtt.transport import MqttTransport
from gemba.bootstrap import Gemba, bootstrap
from gemba.core.config import load_settings
from gemba.core.events.bus import Subscription
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import InboxMessage, OutboxMessage
from gemba.core.events.outbox import Relay, add_to_outbox
from gemba_testing import mqtt_available, require_service

BROKER = "mqtt://127.0.0.1:1883"


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def commit_events(gemba: Gemba, topic: str, n: int) -> None:
    """Committed, unpublished outbox rows (outside a UoW: no relay after commit)."""
    with gemba.session_factory() as s, s.begin():
        for i in range(n):
            add_to_outbox(s, topic, {"n": i})


# -- the host lock ---------------------------------------------------------------------------


def test_host_lock_has_one_holder_and_is_freed_when_its_process_dies(tmp_path):
    mine, other = HostLock("x", tmp_path), HostLock("x", tmp_path)
    assert mine.acquire() and mine.held
    assert not other.acquire() and not other.held  # a second contender, even in-process
    assert HostLock("y", tmp_path).acquire()  # another name, another lock
    mine.release()
    assert other.acquire()
    other.release()

    code = ("import sys, time\nfrom pathlib import Path\n"
            "from gemba.adapters.mqtt.host_lock import HostLock\n"
            f"assert HostLock('x', Path({str(tmp_path)!r})).acquire()\n"
            "print('held', flush=True)\ntime.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert not mine.acquire()
        child.kill()  # a worker dying without cleaning up
        child.wait(10)
        assert wait_for(mine.acquire, 5)
    finally:
        child.kill()
        mine.release()


# -- the relay -------------------------------------------------------------------------------


class SlowTransport:
    """Records every send; slow enough that two unsynchronised relays read the same rows."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, envelope: Envelope) -> None:
        time.sleep(0.003)
        with self._lock:
            self.sent.append(envelope.message_id)


def test_relay_runners_of_one_outbox_take_turns(gemba):
    """Two workers' runners woken together: every row is sent once, by one of them."""
    commit_events(gemba, "test.turns", 30)
    transport = SlowTransport()
    name = f"{gemba.settings.database_url}#{uuid.uuid4()}"  # production: the database URL
    runners = [RelayRunner(Relay(gemba.session_factory, transport), lock_name=name)
               for _ in range(2)]
    start = threading.Barrier(2)
    counts: list[int] = []

    def tick(runner: RelayRunner) -> None:
        start.wait()
        counts.append(runner.tick())

    threads = [threading.Thread(target=tick, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 30
    assert len(transport.sent) == len(set(transport.sent)) == 30
    with gemba.session_factory() as s:
        attempts = s.scalars(select(OutboxMessage.attempts)
                             .where(OutboxMessage.topic == "test.turns")).all()
    assert attempts == [1] * 30


# -- the consumers ---------------------------------------------------------------------------


@pytest.fixture
def prefix() -> str:
    require_service(mqtt_available(), "Mosquitto")
    return f"gemba-test/{uuid.uuid4().hex}/events"


@pytest.fixture
def app(database_url: str, tmp_path: Path, prefix: str) -> Iterator[Gemba]:
    transport = MqttTransport(BROKER, prefix=prefix, timeout=10)
    settings = load_settings(
        env={"GEMBA_DATABASE_URL": database_url, "GEMBA_VAR_DIR": str(tmp_path / "var"),
             "GEMBA_SECRET_KEY": "test-secret-key-0123456789", "GEMBA_MQTT_URL": BROKER},
        toml_path=tmp_path / "absent.toml",
    )
    gemba = bootstrap(settings, transport=transport)
    yield gemba
    gemba.close()


def handled(app: Gemba, consumer: str) -> int:
    with app.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(InboxMessage)
                            .where(InboxMessage.consumer == consumer)) or 0)


@pytest.mark.mqtt
def test_one_worker_consumes_the_others_stand_by_and_take_over(app, prefix, tmp_path):
    name = f"test.{uuid.uuid4().hex[:10]}"
    calls: list[str] = []

    def handler(session: Session, env: Envelope) -> None:
        calls.append(env.message_id)

    def worker() -> MqttConsumer:  # what each API worker's start_background starts
        return MqttConsumer(BROKER, app.session_factory, [Subscription(name, "test.*", handler)],
                            prefix=prefix, session_expiry=60, standby_poll=0.1,
                            lock_dir=tmp_path).start()

    first, second = worker(), worker()
    try:
        assert not first.standing_by and second.standing_by
        commit_events(app, "test.work", 3)
        assert app.relay.relay_pending() == 3
        assert wait_for(lambda: handled(app, name) == 3)
        time.sleep(1.0)  # ten standby polls: the second one must not have connected
        assert (first.stats.connects, first.stats.handled) == (1, 3)
        assert second.standing_by and second.stats.connects == 0
        assert second.stats.received == 0

        first.stop()  # the worker stops (or dies): the other one takes the session over
        assert wait_for(lambda: not second.standing_by and second.stats.connects == 1)
        commit_events(app, "test.work", 2)
        assert app.relay.relay_pending() == 2
        assert wait_for(lambda: handled(app, name) == 5)
        time.sleep(0.3)
        assert second.stats.handled == 2 and second.stats.duplicates == 0
        assert len(calls) == len(set(calls)) == 5
    finally:
        first.stop()
        second.stop()


def test_a_publish_the_broker_refuses_is_not_reported_as_sent():
    """MQTT 5 acknowledges a refused publish (e.g. an ACL denial) with a failure reason; the
    transport must raise so the relay keeps the outbox row pending. The broker here accepts
    everything, so the refusal is what the PUBACK handler records for the next message id."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.reasoncodes import ReasonCode

    from gemba.adapters.mqtt.connection import BrokerUnavailable
    from gemba.adapters.mqtt.transport import MqttTransport
    from gemba.core.events.envelope import Envelope

    require_service(mqtt_available(), "Mosquitto on 127.0.0.1:1883")
    transport = MqttTransport("mqtt://127.0.0.1:1883", timeout=5)
    try:
        transport.send(Envelope("m-1", "test.refusal", {"n": 1}))  # accepted
        client = transport._ensure_connected()
        refuse = transport._on_publish  # the next PUBACK carries a refusal
        client.on_publish = lambda c, u, mid, reason, props: refuse(
            c, u, mid, ReasonCode(PacketTypes.PUBACK, "Not authorized"), props)
        with pytest.raises(BrokerUnavailable, match="refused message m-2: Not authorized"):
            transport.send(Envelope("m-2", "test.refusal", {"n": 2}))
    finally:
        transport.close()
