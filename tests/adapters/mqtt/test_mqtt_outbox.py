"""Outbox -> Mosquitto -> durable consumer -> handler, with effect once per event.

Runs against the real broker at 127.0.0.1:1883 (skipped locally when absent, failing under
CI=true). Every test uses its own topic prefix and consumer names, so runs never cross-talk.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from paho.mqtt.client import CallbackAPIVersion, Client
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gemba.adapters.mqtt.consumer import MqttConsumer, start_consumers
from gemba.adapters.mqtt.transport import MqttTransport
from gemba.bootstrap import Gemba, bootstrap
from gemba.core.config import load_settings
from gemba.core.events.bus import Subscription
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import InboxMessage, OutboxMessage
from gemba.core.events.outbox import add_to_outbox
from gemba_testing import mqtt_available, require_service

pytestmark = pytest.mark.mqtt

BROKER = "mqtt://127.0.0.1:1883"


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def prefix() -> str:
    require_service(mqtt_available(), "Mosquitto")
    return f"gemba-test/{uuid.uuid4().hex}/events"


@pytest.fixture
def transport(prefix: str) -> Iterator[MqttTransport]:
    t = MqttTransport(BROKER, prefix=prefix, timeout=10)
    yield t
    t.close()


@pytest.fixture
def app(database_url: str, tmp_path: Path, transport: MqttTransport) -> Iterator[Gemba]:
    """Production wiring: the outbox relays to the broker, not in-process after commit."""
    settings = load_settings(
        env={"GEMBA_DATABASE_URL": database_url, "GEMBA_VAR_DIR": str(tmp_path / "var"),
             "GEMBA_SECRET_KEY": "test-secret-key-0123456789", "GEMBA_MQTT_URL": BROKER},
        toml_path=tmp_path / "absent.toml",
    )
    gemba = bootstrap(settings, transport=transport)
    yield gemba
    gemba.close()


@pytest.fixture
def consumers(app: Gemba, prefix: str) -> Iterator[Callable[..., MqttConsumer]]:
    started: list[MqttConsumer] = []

    def _start(name: str, pattern: str, handler, **options) -> MqttConsumer:
        options.setdefault("session_expiry", 60)  # let the broker forget test sessions
        consumer = MqttConsumer(BROKER, app.session_factory,
                                [Subscription(name, pattern, handler)], prefix=prefix,
                                **options)
        started.append(consumer.start())
        return consumer

    yield _start
    for consumer in started:
        consumer.stop()


def consumer_name() -> str:
    return f"test.{uuid.uuid4().hex[:10]}"


class Boom(RuntimeError):
    pass


def acking_handler(calls: list[str], failures: int = 0):
    """Writes an ``test.ack`` event in the inbox transaction: a database effect to count."""
    left = [failures]

    def handler(session: Session, env: Envelope) -> None:
        calls.append(env.message_id)
        add_to_outbox(session, "test.ack", {"for": env.message_id})
        session.flush()
        if left[0] > 0:
            left[0] -= 1
            raise Boom("handler failed")

    return handler


def publish(app: Gemba, topic: str, payload: dict) -> str:
    with app.uow() as uow:
        uow.publish(topic, payload)
        uow.commit()
    with app.session_factory() as s:
        return s.scalars(select(OutboxMessage.message_id).where(OutboxMessage.topic == topic)
                         .order_by(OutboxMessage.id.desc())).first()


def inbox_count(app: Gemba, consumer: str) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(InboxMessage)
                        .where(InboxMessage.consumer == consumer))


def acks_for(app: Gemba, message_id: str) -> int:
    with app.session_factory() as s:
        rows = s.scalars(select(OutboxMessage.payload)
                         .where(OutboxMessage.topic == "test.ack")).all()
    return sum(1 for p in rows if p["for"] == message_id)


def outbox_row(app: Gemba, message_id: str) -> OutboxMessage:
    with app.session_factory() as s:
        return s.scalars(select(OutboxMessage)
                         .where(OutboxMessage.message_id == message_id)).one()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def settle() -> None:
    """Give a wrongly repeated delivery the chance to show up before asserting 'once'."""
    time.sleep(0.3)


# -- tests ----------------------------------------------------------------------------------


def test_event_travels_to_its_mqtt_topic_as_json_with_qos1(app, transport, prefix):
    got: list = []
    subscribed = threading.Event()
    raw = Client(CallbackAPIVersion.VERSION2, client_id=f"raw-{uuid.uuid4().hex[:8]}")
    raw.on_message = lambda c, u, msg: got.append(msg)
    raw.on_subscribe = lambda *a: subscribed.set()
    raw.connect("127.0.0.1", 1883)
    raw.loop_start()
    try:
        raw.subscribe(f"{prefix}/#", qos=1)
        assert subscribed.wait(5)
        mid = publish(app, "test.order.released", {"order": "WO-1"})
        assert outbox_row(app, mid).published_at is None  # no in-process relay with a broker
        assert app.relay.relay_pending() == 1
        assert wait_for(lambda: len(got) == 1)
    finally:
        raw.disconnect()
        raw.loop_stop()
    assert got[0].topic == f"{prefix}/test/order/released"
    assert got[0].qos == 1
    assert json.loads(got[0].payload) == {"message_id": mid, "topic": "test.order.released",
                                          "payload": {"order": "WO-1"}}
    assert outbox_row(app, mid).published_at is not None


def test_outbox_to_broker_to_consumer_runs_the_handler_once(app, consumers):
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.order.*", acking_handler(calls))

    mid = publish(app, "test.order.released", {"order": "WO-2"})
    publish(app, "test.item.created", {"item": "A1"})  # not for this consumer
    assert app.relay.relay_pending() == 2

    assert wait_for(lambda: inbox_count(app, name) == 1)
    settle()
    assert calls == [mid]
    assert acks_for(app, mid) == 1
    assert consumer.stats.handled == 1 and consumer.stats.duplicates == 0


def test_rolled_back_event_never_reaches_the_broker(app, consumers):
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.order.*", acking_handler(calls))
    with app.uow() as uow:
        uow.publish("test.order.released", {"order": "WO-rolled-back"})
        uow.rollback()
    mid = publish(app, "test.order.released", {"order": "WO-kept"})
    assert app.relay.relay_pending() == 1
    assert wait_for(lambda: inbox_count(app, name) == 1)
    settle()
    assert calls == [mid] and consumer.stats.received == 1


def test_same_rows_sent_twice_have_effect_once(app, transport, consumers):
    """A relay that crashed after publishing but before marking sends the rows again."""
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.order.*", acking_handler(calls))
    first = publish(app, "test.order.released", {"order": "WO-3"})
    second = publish(app, "test.order.closed", {"order": "WO-3"})
    assert app.relay.relay_pending() == 2

    with app.session_factory() as s, s.begin():  # "the marks were never written"
        s.execute(update(OutboxMessage).where(OutboxMessage.message_id.in_([first, second]))
                  .values(published_at=None))
    app.relay.relay_pending()  # sends both again (and any ack events handlers wrote since)
    row = outbox_row(app, first)  # and a direct double send on top
    transport.send(Envelope(row.message_id, row.topic, row.payload))
    transport.send(Envelope(row.message_id, row.topic, row.payload))

    # "received" is counted on arrival, "handled"/"duplicates" after the inbox transaction:
    # wait for all six to be through it, not merely taken from the broker.
    assert wait_for(lambda: consumer.stats.handled + consumer.stats.duplicates == 6)
    assert consumer.stats.received == 6
    assert sorted(calls) == sorted([first, second])
    assert consumer.stats.handled == 2 and consumer.stats.duplicates == 4
    assert inbox_count(app, name) == 2
    assert acks_for(app, first) == 1 and acks_for(app, second) == 1
    assert outbox_row(app, first).attempts == 2


def test_every_consumer_gets_its_own_copy(app, consumers):
    mes, erp = consumer_name(), consumer_name()
    mes_calls: list[str] = []
    erp_calls: list[str] = []
    consumers(mes, "test.order.*", acking_handler(mes_calls))
    consumers(erp, "test.*", acking_handler(erp_calls))
    mid = publish(app, "test.order.released", {"order": "WO-4"})
    app.relay.relay_pending()
    assert wait_for(lambda: inbox_count(app, mes) == 1 and inbox_count(app, erp) == 1)
    settle()
    assert mes_calls == [mid] and erp_calls == [mid]
    assert acks_for(app, mid) == 2


def test_events_wait_at_the_broker_while_the_consumer_is_down(app, consumers):
    name, calls = consumer_name(), []
    consumers(name, "test.order.*", acking_handler(calls)).stop()  # session now exists

    mid = publish(app, "test.order.released", {"order": "WO-5"})
    assert app.relay.relay_pending() == 1  # broker accepted it; nobody is listening

    consumer = consumers(name, "test.order.*", acking_handler(calls))  # same name, later
    assert wait_for(lambda: inbox_count(app, name) == 1)
    settle()
    assert calls == [mid] and consumer.stats.handled == 1


def test_failing_handler_is_retried_and_acknowledged_after_success(app, consumers):
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.order.*", acking_handler(calls, failures=2),
                         retry_delay=0.05)
    mid = publish(app, "test.order.released", {"order": "WO-6"})
    app.relay.relay_pending()

    assert wait_for(lambda: inbox_count(app, name) == 1)
    settle()
    assert calls == [mid, mid, mid]
    assert consumer.stats.failures == 2 and consumer.stats.handled == 1
    assert acks_for(app, mid) == 1  # the failed attempts' writes were rolled back


def test_unacknowledged_message_comes_back_on_reconnect(app, consumers):
    name, calls = consumer_name(), []
    broken = consumers(name, "test.order.*", acking_handler(calls, failures=1),
                       max_attempts=1)
    mid = publish(app, "test.order.released", {"order": "WO-7"})
    app.relay.relay_pending()
    assert wait_for(lambda: broken.stats.failures == 1)
    broken.stop()  # gave up: the message was never acknowledged
    assert inbox_count(app, name) == 0 and acks_for(app, mid) == 0

    fixed = consumers(name, "test.order.*", acking_handler(calls))
    assert wait_for(lambda: inbox_count(app, name) == 1)
    settle()
    assert calls == [mid, mid] and fixed.stats.handled == 1
    assert acks_for(app, mid) == 1


def test_undecodable_message_is_dropped_without_blocking(app, transport, consumers, prefix):
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.*", acking_handler(calls))
    client = transport._ensure_connected()  # the relay's own connection, for a raw publish
    client.publish(f"{prefix}/test/garbage", b"not json", qos=1).wait_for_publish(5)
    mid = publish(app, "test.order.released", {"order": "WO-8"})
    app.relay.relay_pending()
    assert wait_for(lambda: inbox_count(app, name) == 1)
    assert calls == [mid] and consumer.stats.rejected == 1


def test_start_consumers_groups_subscriptions_by_name(app, prefix):
    name, calls = consumer_name(), []
    subs = [Subscription(name, "test.order.*", acking_handler(calls)),
            Subscription(name, "test.item.*", acking_handler(calls))]
    started = start_consumers(BROKER, app.session_factory, subs, prefix=prefix,
                              session_expiry=60)
    try:
        assert len(started) == 1
        assert started[0].filters == [f"{prefix}/test/item/#", f"{prefix}/test/order/#"]
        a = publish(app, "test.order.released", {"order": "WO-9"})
        b = publish(app, "test.item.created", {"item": "A9"})
        app.relay.relay_pending()
        assert wait_for(lambda: inbox_count(app, name) == 2)
    finally:
        for consumer in started:
            consumer.stop()
    assert sorted(calls) == sorted([a, b])


class CuttableProxy:
    """A TCP proxy to Mosquitto whose connections can be cut, to simulate a network drop."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 1883)) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        for s in self.connections:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.connections = []

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_transport_reconnects_after_a_network_drop(app, prefix, consumers):
    name, calls = consumer_name(), []
    consumer = consumers(name, "test.order.*", acking_handler(calls))
    proxy = CuttableProxy()
    transport = MqttTransport(f"mqtt://127.0.0.1:{proxy.port}", prefix=prefix, timeout=10)
    try:
        a = Envelope(str(uuid.uuid4()), "test.order.released", {"order": "WO-10"})
        transport.send(a)
        proxy.cut()
        assert wait_for(lambda: not transport.connected, 5)
        b = Envelope(str(uuid.uuid4()), "test.order.released", {"order": "WO-11"})
        transport.send(b)  # waits for paho's reconnect, returns after the PUBACK
        assert proxy.accepted == 2
    finally:
        transport.close()
        proxy.close()
    assert wait_for(lambda: inbox_count(app, name) == 2)
    assert sorted(calls) == sorted([a.message_id, b.message_id])
    assert consumer.stats.handled == 2
