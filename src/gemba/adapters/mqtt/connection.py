"""Broker address parsing and client construction shared by the publisher and consumers."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from paho.mqtt.client import CallbackAPIVersion, Client
from paho.mqtt.enums import MQTTProtocolVersion


class BrokerUnavailable(RuntimeError):
    """The MQTT broker cannot be reached or did not acknowledge in time.

    The relay lets it propagate, so outbox rows stay unpublished for the next attempt.
    """


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> BrokerAddress:
        """Parse ``mqtt://[user[:password]@]host[:port]`` (``mqtts://`` for TLS, port 8883)."""
        parsed = urlparse(url)
        if parsed.scheme not in {"mqtt", "mqtts"} or not parsed.hostname:
            raise ValueError(f"expected mqtt://host[:port] or mqtts://host[:port], got {url!r}")
        tls = parsed.scheme == "mqtts"
        return cls(
            host=parsed.hostname,
            port=parsed.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
        )

    def __str__(self) -> str:  # never shows the password
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def new_client(address: BrokerAddress, client_id: str, *, manual_ack: bool = False,
               connect_timeout: float = 5.0) -> Client:
    """An MQTT 5 client with the VERSION2 callback API, reconnecting with backoff."""
    client = Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                    protocol=MQTTProtocolVersion.MQTTv5, manual_ack=manual_ack)
    client.connect_timeout = connect_timeout
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    return client
