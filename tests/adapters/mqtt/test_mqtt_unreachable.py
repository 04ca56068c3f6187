"""An unreachable broker fails the send clearly and leaves the outbox rows pending."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from gemba.adapters.mqtt.connection import BrokerUnavailable
from gemba.adapters.mqtt.transport import MqttTransport
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import OutboxMessage
from gemba.core.events.outbox import Relay, add_to_outbox


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Envelope] = []

    def send(self, envelope: Envelope) -> None:
        self.sent.append(envelope)


def test_unreachable_broker_leaves_rows_for_the_next_attempt(gemba):
    with gemba.session_factory() as s, s.begin():
        first = add_to_outbox(s, "test.order.released", {"order": "WO-1"})
        second = add_to_outbox(s, "test.order.released", {"order": "WO-2"})
    url = f"mqtt://127.0.0.1:{closed_port()}"
    transport = MqttTransport(url, timeout=2)

    with pytest.raises(BrokerUnavailable, match=rf"MQTT broker {url} is unreachable"):
        Relay(gemba.session_factory, transport).relay_pending()
    with pytest.raises(BrokerUnavailable):  # every attempt tries to connect again
        Relay(gemba.session_factory, transport).relay_pending()

    with gemba.session_factory() as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.published_at, r.attempts) for r in rows] == [(None, 0), (None, 0)]

    recorder = Recorder()  # the broker is back: the next attempt sends both, in order
    assert Relay(gemba.session_factory, recorder).relay_pending() == 2
    assert [e.message_id for e in recorder.sent] == [first, second]
    transport.close()


def test_bad_topic_is_refused_before_connecting():
    transport = MqttTransport(f"mqtt://127.0.0.1:{closed_port()}", timeout=1)
    with pytest.raises(ValueError, match="cannot be sent over MQTT"):
        transport.send(Envelope("m-1", "test/with/slashes", {}))
