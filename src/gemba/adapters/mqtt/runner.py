"""Background relay for production workers: drains the outbox every few hundred ms.

In embedded mode the relay runs right after each commit; with a broker it runs here, off the
request path, so a broker outage only delays events (rows stay pending, the loop backs off and
retries) and never fails a business transaction. ``wake`` lets an after-commit hook cut the
latency to near zero. Several workers may run it at once: a row sent twice is harmless, but
with a ``lock_name`` (the database URL) the runners of one host take turns on the outbox, so
each pass sends only what the previous one left and a row is not sent once per worker.
"""

from __future__ import annotations

import logging
import threading

from gemba.adapters.mqtt.host_lock import HostLock
from gemba.core.events.outbox import Relay

log = logging.getLogger(__name__)


class RelayRunner:
    def __init__(self, relay: Relay, *, interval_ms: int = 200, max_backoff_s: float = 30.0,
                 name: str = "gemba-relay", lock_name: str | None = None) -> None:
        if interval_ms <= 0:
            raise ValueError("interval_ms must be positive")
        self._relay = relay
        self._interval = interval_ms / 1000
        self._max_backoff = max(max_backoff_s, self._interval)
        self._name = name
        self._host_lock = HostLock(f"outbox-relay {lock_name}") if lock_name else None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.relayed = 0  # rows handed to the transport since start
        self.consecutive_failures = 0
        self.last_error: BaseException | None = None

    def start(self) -> RelayRunner:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end and wait for it; a send in progress finishes first."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("relay runner %s did not stop within %gs", self._name, timeout)
            self._thread = None

    def wake(self) -> None:
        """Relay now instead of at the next tick (usable as an after-commit hook)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """The loop itself; call it directly to relay in the current thread until ``stop``."""
        while not self._stop.is_set():
            self._wake.clear()
            self.tick()
            self._wake.wait(self._next_delay())

    def tick(self) -> int:
        """One pass over the outbox; failures are logged and counted, never raised."""
        try:
            if self._host_lock is None:
                sent = self._relay.relay_pending()
            else:
                with self._host_lock:  # rows are marked sent before the next runner reads
                    sent = self._relay.relay_pending()
        except Exception as exc:
            self.consecutive_failures += 1
            self.last_error = exc
            log.warning("outbox relay failed (%d in a row), retrying in %.1fs: %s",
                        self.consecutive_failures, self._next_delay(), exc)
            return 0
        if self.consecutive_failures:
            log.info("outbox relay recovered after %d failures", self.consecutive_failures)
        self.consecutive_failures = 0
        self.last_error = None
        self.relayed += sent
        return sent

    def _next_delay(self) -> float:
        if not self.consecutive_failures:
            return self._interval
        return min(self._interval * 2 ** min(self.consecutive_failures, 20), self._max_backoff)

    def __enter__(self) -> RelayRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
