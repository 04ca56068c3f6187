"""Keep a simulation running alongside the web server: simulated time follows the real clock
at ``speed`` simulated seconds per real second, in its own thread (its own sessions; the
database serialises it with the requests)."""

from __future__ import annotations

import logging
import threading
import time

from gemba.sim.world import Simulation

log = logging.getLogger(__name__)
TICK = 0.5  # real seconds between catching up


class LiveRunner(threading.Thread):
    def __init__(self, sim: Simulation, speed: float) -> None:
        super().__init__(name="gemba-simulation", daemon=True)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.sim = sim
        self.speed = speed
        self._stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        started, base = time.monotonic(), self.sim.now
        while not self._stop_event.is_set():
            target = base + self.speed * (time.monotonic() - started) / 60
            try:
                self.sim.run(target)
            except Exception as exc:  # a bug must not take the web server down with it
                log.exception("the simulation stopped")
                self.error = exc
                return
            self._stop_event.wait(TICK)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop_event.set()
        self.join(timeout)
