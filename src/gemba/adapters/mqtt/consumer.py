"""Durable MQTT consumer: broker messages -> ``deliver_once`` -> handler, acknowledged after.

Each consumer name owns one persistent MQTT session (stable client id, ``clean_start=False``,
a session expiry), so QoS 1 events published while the worker is down wait at the broker.
A message is acknowledged only once its handler committed (or the inbox says it was already
handled); anything unacknowledged comes back when the session reconnects, and the inbox turns
that redelivery into a no-op. Handlers run in one worker thread per consumer, in arrival order,
so a slow handler never stalls the network loop (keep-alives, acks).

Several processes of one host (API workers) each start the same consumers: only one of them
may use a client id at a time, or the broker closes the older connection and they take the
session from each other without end. A host lock per client id (``host_lock``) lets the first
one connect; the others stand by and take over when it stops or dies.
"""

from __future__ import annotations

import fnmatch
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, MQTTMessage
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.orm import Session, sessionmaker

from gemba.adapters.mqtt.connection import BrokerAddress, BrokerUnavailable, new_client
from gemba.adapters.mqtt.host_lock import HostLock
from gemba.adapters.mqtt.topics import DEFAULT_PREFIX, subscription_filter
from gemba.core.events.bus import Subscription, deliver_once
from gemba.core.events.envelope import Envelope

log = logging.getLogger(__name__)

WEEK_SECONDS = 7 * 24 * 3600


@dataclass
class ConsumerStats:
    received: int = 0  # messages taken from the broker (duplicates included)
    handled: int = 0  # handler ran and committed
    duplicates: int = 0  # the inbox already had the message
    failures: int = 0  # handler attempts that raised
    rejected: int = 0  # undecodable messages, acknowledged and dropped
    connects: int = 0  # sessions established with the broker (reconnects included)


@dataclass(frozen=True)
class _Work:
    mid: int
    qos: int
    payload: bytes


class MqttConsumer:
    """Feeds one consumer's subscriptions from the broker, exactly-once in effect."""

    def __init__(
        self,
        url: str,
        session_factory: sessionmaker[Session],
        subscriptions: Sequence[Subscription],
        *,
        prefix: str = DEFAULT_PREFIX,
        client_id: str | None = None,
        session_expiry: int = WEEK_SECONDS,
        retry_delay: float = 0.5,
        max_retry_delay: float = 30.0,
        max_attempts: int = 6,
        timeout: float = 10.0,
        standby_poll: float = 1.0,
        lock_dir: Path | None = None,
    ) -> None:
        names = {sub.consumer for sub in subscriptions}
        if len(names) != 1:
            raise ValueError(f"one MqttConsumer per consumer name, got {sorted(names)}")
        self.consumer = names.pop()
        self.subscriptions = list(subscriptions)
        self.filters = sorted({subscription_filter(s.pattern, prefix) for s in subscriptions})
        self.address = BrokerAddress.from_url(url)
        self.stats = ConsumerStats()
        self._factory = session_factory
        self._client_id = client_id or f"gemba-{self.consumer}"
        self._session_expiry = session_expiry
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._standby_poll = standby_poll
        self._lock = HostLock(f"mqtt-consumer {self.address}/{self._client_id}", lock_dir)
        self._standby: threading.Thread | None = None
        self._client: Client | None = None
        self._inbox: queue.Queue[_Work | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._subscribed = threading.Event()
        self._stats_lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> MqttConsumer:
        """Connect, subscribe and start handling; raises BrokerUnavailable within ``timeout``.

        When another process of this host runs this consumer already (same broker and client
        id), stand by instead: connect once that process stops or dies."""
        if self._client is not None or self._standby is not None:
            return self
        self._stopping.clear()
        if not self._lock.acquire():
            log.info("consumer %r: another process of this host uses client id %r; standing "
                     "by", self.consumer, self._client_id)
            self._standby = threading.Thread(target=self._stand_by, daemon=True,
                                             name=f"gemba-standby-{self.consumer}")
            self._standby.start()
            return self
        try:
            self._connect()
        except BaseException:
            self._lock.release()
            raise
        return self

    @property
    def standing_by(self) -> bool:
        """Waiting for another process of this host to give up the client id."""
        return self._standby is not None and self._client is None

    def _stand_by(self) -> None:
        while not self._stopping.wait(self._standby_poll):
            if not self._lock.acquire():
                continue
            try:
                self._connect()
            except BrokerUnavailable as exc:
                log.warning("consumer %r: %s; retrying", self.consumer, exc)
                continue  # keep the lock, try again
            log.info("consumer %r took over client id %r", self.consumer, self._client_id)
            return

    def _connect(self) -> None:
        self._worker = threading.Thread(target=self._work, name=f"gemba-consumer-{self.consumer}",
                                        daemon=True)
        self._worker.start()
        client = new_client(self.address, self._client_id, manual_ack=True,
                            connect_timeout=self._timeout)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._session_expiry
        try:
            client.connect(self.address.host, self.address.port, keepalive=30,
                           clean_start=False, properties=props)
        except OSError as exc:
            self._stop_worker()
            raise BrokerUnavailable(f"MQTT broker {self.address} is unreachable: {exc}") from exc
        self._client = client
        client.loop_start()
        if not self._subscribed.wait(self._timeout):
            self._disconnect()
            raise BrokerUnavailable(
                f"consumer {self.consumer!r} could not subscribe at {self.address} "
                f"within {self._timeout:g}s"
            )

    def stop(self) -> None:
        """Disconnect; messages not yet handled stay unacknowledged and come back later."""
        self._stopping.set()
        standby, self._standby = self._standby, None
        if standby is not None:
            standby.join(self._timeout + self._standby_poll)
        self._disconnect()
        self._lock.release()

    def _disconnect(self) -> None:
        self._stop_worker()
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()
        self._subscribed.clear()

    def __enter__(self) -> MqttConsumer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._inbox.put(None)
            self._worker.join(self._timeout)
            self._worker = None
        self._inbox = queue.Queue()  # undelivered work is redelivered by the broker

    # -- paho callbacks (network thread) ------------------------------------------------------

    def _on_connect(self, client: Client, userdata: Any, flags: ConnectFlags,
                    reason: ReasonCode, properties: Properties | None) -> None:
        if reason.is_failure:
            log.warning("MQTT broker %s refused consumer %r: %s", self.address, self.consumer,
                        reason)
            return
        self._count("connects")
        # Subscribing again on a resumed session is harmless and covers an expired one.
        client.subscribe([(f, SubscribeOptions(qos=1)) for f in self.filters])

    def _on_subscribe(self, client: Client, userdata: Any, mid: int,
                      reasons: list[ReasonCode], properties: Properties | None) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        if failed:
            log.error("consumer %r: broker refused subscription %s: %s", self.consumer,
                      self.filters, failed)
            return
        self._subscribed.set()

    def _on_disconnect(self, client: Client, userdata: Any, flags: Any, reason: ReasonCode,
                       properties: Properties | None) -> None:
        if reason.is_failure and not self._stopping.is_set():
            log.warning("consumer %r lost MQTT broker %s (%s); reconnecting", self.consumer,
                        self.address, reason)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        self._inbox.put(_Work(message.mid, message.qos, bytes(message.payload)))

    # -- handling (worker thread) -------------------------------------------------------------

    def _work(self) -> None:
        inbox = self._inbox
        while True:
            item = inbox.get()
            if item is None or self._stopping.is_set():
                return
            if self._handle(item):
                self._ack(item)

    def _handle(self, item: _Work) -> bool:
        """True when the message may be acknowledged."""
        self._count("received")
        try:
            envelope = Envelope.from_json(item.payload)
        except (ValueError, KeyError, TypeError) as exc:
            log.error("consumer %r dropped an undecodable message: %s", self.consumer, exc)
            self._count("rejected")
            return True
        for sub in self.subscriptions:
            if fnmatch.fnmatchcase(envelope.topic, sub.pattern) and not self._deliver(sub,
                                                                                    envelope):
                return False
        return True

    def _deliver(self, sub: Subscription, envelope: Envelope) -> bool:
        delay = self._retry_delay
        for attempt in range(1, self._max_attempts + 1):
            try:
                first_time = deliver_once(self._factory, sub, envelope)
            except Exception:
                self._count("failures")
                log.exception("consumer %r failed on %s %s (attempt %d/%d)", self.consumer,
                              envelope.topic, envelope.message_id, attempt, self._max_attempts)
                if self._stopping.wait(delay):
                    return False
                delay = min(delay * 2, self._max_retry_delay)
                continue
            self._count("handled" if first_time else "duplicates")
            return True
        log.error("consumer %r gives up on %s for now; it stays unacknowledged and is "
                  "redelivered when the session reconnects", self.consumer,
                  envelope.message_id)
        return False

    def _ack(self, item: _Work) -> None:
        client = self._client
        if client is not None and item.qos > 0:
            client.ack(item.mid, item.qos)

    def _count(self, name: str) -> None:
        with self._stats_lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)


def start_consumers(url: str, session_factory: sessionmaker[Session],
                    subscriptions: Sequence[Subscription], **options: Any) -> list[MqttConsumer]:
    """One started consumer per consumer name, e.g. for every subscription of the bus."""
    by_name: dict[str, list[Subscription]] = {}
    for sub in subscriptions:
        by_name.setdefault(sub.consumer, []).append(sub)
    started: list[MqttConsumer] = []
    try:
        for subs in by_name.values():
            started.append(MqttConsumer(url, session_factory, subs, **options).start())
    except BaseException:
        for consumer in started:
            consumer.stop()
        raise
    return started
