"""Outbox transport to an MQTT broker: QoS 1, returns only once the broker acknowledged
(and did not refuse) the message.

The relay marks an outbox row published right after ``send`` returns, so ``send`` must not
return before the PUBACK: a lost connection or a silent broker raises ``BrokerUnavailable`` and
the row stays pending. A message may then reach the broker twice; the consumers' inbox absorbs
the duplicate.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from paho.mqtt.client import Client, ConnectFlags
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from gemba.adapters.mqtt.connection import BrokerAddress, BrokerUnavailable, new_client
from gemba.adapters.mqtt.topics import DEFAULT_PREFIX, mqtt_topic
from gemba.core.events.envelope import Envelope

log = logging.getLogger(__name__)


class MqttTransport:
    """Publishes envelopes as JSON to ``<prefix>/<topic/levels>``; connects lazily."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX, timeout: float = 10.0,
                 client_id: str | None = None, max_queued: int = 1000) -> None:
        self.address = BrokerAddress.from_url(url)
        self.prefix = prefix
        self.timeout = timeout
        self._client_id = client_id or f"gemba-relay-{uuid.uuid4().hex[:12]}"
        self._max_queued = max_queued
        self._client: Client | None = None
        self._connected = threading.Event()
        self._last_refusal: str | None = None
        self._refused: dict[int, ReasonCode] = {}  # mid -> a PUBACK's failure reason
        self._lock = threading.Lock()

    # -- Transport protocol -------------------------------------------------------------------

    def send(self, envelope: Envelope) -> None:
        topic = mqtt_topic(envelope.topic, self.prefix)
        client = self._ensure_connected()
        props = Properties(PacketTypes.PUBLISH)
        props.ContentType = "application/json"
        info = client.publish(topic, envelope.to_json(), qos=1, properties=props)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_AGAIN):
            raise BrokerUnavailable(
                f"MQTT broker {self.address}: could not publish {envelope.message_id} "
                f"({info.rc.name if isinstance(info.rc, MQTTErrorCode) else info.rc})"
            )
        try:
            info.wait_for_publish(self.timeout)
        except (RuntimeError, ValueError) as exc:
            raise BrokerUnavailable(f"MQTT broker {self.address}: {exc}") from exc
        if not info.is_published():
            raise BrokerUnavailable(
                f"MQTT broker {self.address} did not acknowledge message "
                f"{envelope.message_id} within {self.timeout:g}s"
            )
        refused = self._refused.pop(info.mid, None)
        if refused is not None:  # e.g. "Not authorized": the row must stay pending
            raise BrokerUnavailable(
                f"MQTT broker {self.address} refused message {envelope.message_id}: {refused}")

    # -- connection ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def connect(self) -> None:
        """Connect now instead of on the first ``send`` (e.g. to fail fast at worker start)."""
        self._ensure_connected()

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()
        self._connected.clear()

    def __enter__(self) -> MqttTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_connected(self) -> Client:
        with self._lock:
            if self._client is None:
                self._client = self._start_client()
            client = self._client
        # After the first connection paho's network thread reconnects on its own; a send
        # during an outage waits for it up to the timeout.
        if not self._connected.wait(self.timeout):
            reason = f" (broker said: {self._last_refusal})" if self._last_refusal else ""
            raise BrokerUnavailable(
                f"MQTT broker {self.address} is not connected after {self.timeout:g}s{reason}"
            )
        return client

    def _start_client(self) -> Client:
        client = new_client(self.address, self._client_id, connect_timeout=self.timeout)
        client.max_queued_messages_set(self._max_queued)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        try:
            client.connect(self.address.host, self.address.port, keepalive=30)
        except OSError as exc:
            raise BrokerUnavailable(f"MQTT broker {self.address} is unreachable: {exc}") from exc
        client.loop_start()
        return client

    def _on_connect(self, client: Client, userdata: Any, flags: ConnectFlags,
                    reason: ReasonCode, properties: Properties | None) -> None:
        if reason.is_failure:
            self._last_refusal = str(reason)
            log.warning("MQTT broker %s refused the relay: %s", self.address, reason)
            return
        self._last_refusal = None
        self._connected.set()
        log.info("relay connected to MQTT broker %s", self.address)

    def _on_publish(self, client: Client, userdata: Any, mid: int, reason: ReasonCode,
                    properties: Properties | None) -> None:
        """MQTT 5 acknowledges a refused publish too (PUBACK with a failure reason, e.g. an
        ACL denial): remember it, so ``send`` does not report it as delivered."""
        if reason.is_failure:
            self._refused[mid] = reason

    def _on_disconnect(self, client: Client, userdata: Any, flags: Any, reason: ReasonCode,
                       properties: Properties | None) -> None:
        self._connected.clear()
        if reason.is_failure:
            log.warning("relay lost MQTT broker %s (%s); reconnecting", self.address, reason)
