"""The simulation core: one simpy environment, seeded random streams, the simulated clock,
and the two ways actors touch the system - ``tx`` (a unit of work through the real services,
committed, so the outbox relays after it exactly as in production) and ``read``.

Actors never call each other: they meet in the database, as people in a plant do, and in a
few in-simulation signals (``emit``/``on``) that stand for what people see on the floor
(a pallet arrived, a work order was released).
"""

from __future__ import annotations

import logging
import random
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from datetime import date, time
from typing import Any, TypeVar

import simpy
from simpy.events import Event
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from gemba.bootstrap import Gemba
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError
from gemba.mes.execution_event import ExecutionEvent
from gemba.sim.clock import SimClock
from gemba.sim.plant import Plant, load_plant
from gemba.sim.profile import SimProfile

log = logging.getLogger(__name__)
T = TypeVar("T")
Process = Generator[Event, Any, None]


def actor(username: str, *roles: Role) -> Actor:
    """Who a simulated person acts as: a named user with real roles (permissions apply)."""
    return Actor(user_id=None, username=username, roles=frozenset(roles))


class Simulation:
    def __init__(self, gemba: Gemba, profile: SimProfile, *, seed: int, clock: SimClock,
                 actors: Iterable[type[SimActor]] | None = None, site: str | None = None
                 ) -> None:
        from gemba.sim.actors import ACTORS

        self.gemba = gemba
        self.profile = profile
        self.seed = seed
        self.clock = clock
        self.env = simpy.Environment()
        self.stats: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self._listeners: dict[str, list[Callable[..., None]]] = {}
        with gemba.uow() as uow:
            self.plant: Plant = load_plant(uow, site)
            # execution events before this run are not its OEE
            self.first_event_id = int(uow.session.scalar(select(func.max(ExecutionEvent.id)))
                                      or 0) + 1
        self.actors = [cls(self) for cls in (ACTORS if actors is None else actors)]
        for a in self.actors:
            a.start()

    # --- time --------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return float(self.env.now)

    @property
    def today(self) -> date:
        return self.clock.day(self.now)

    def run(self, until: float) -> None:
        if until > self.env.now:
            self.env.run(until=until)

    def wait_until(self, minutes: float) -> Event:
        return self.env.timeout(max(0.0, minutes - self.now))

    def daily(self, at: time, fn: Callable[[], Process | None], weekdays: bool = True) -> None:
        """Call ``fn`` every (working) day at ``at`` UTC; it may be a generator."""

        def loop() -> Process:
            while True:
                yield self.wait_until(self.clock.next_time_of_day(self.now, at, weekdays))
                out = fn()
                if out is not None:
                    yield from out
                yield self.env.timeout(1)  # never twice in the same minute

        self.env.process(loop())

    def at(self, minutes: float, fn: Callable[[], Process | None]) -> None:
        """Call ``fn`` once at simulated ``minutes`` (at once when that has passed)."""

        def once() -> Process:
            yield self.wait_until(minutes)
            out = fn()
            if out is not None:
                yield from out

        self.env.process(once())

    # --- randomness ----------------------------------------------------------------------
    def rng(self, stream: str) -> random.Random:
        """An independent stream per actor or machine: adding an actor does not change the
        draws of the others."""
        return random.Random(f"{self.seed}/{stream}")  # noqa: S311 - simulation, not secrets

    # --- signals -------------------------------------------------------------------------
    def on(self, signal: str, fn: Callable[..., None]) -> None:
        self._listeners.setdefault(signal, []).append(fn)

    def emit(self, signal: str, **kw: Any) -> None:
        for fn in self._listeners.get(signal, []):
            fn(**kw)

    # --- the system ----------------------------------------------------------------------
    def tx(self, who: Actor, fn: Callable[..., T], *args: Any, **kw: Any) -> T | None:
        """Call ``fn(uow, *args, **kw)`` - a service, or a function calling several - in its
        own unit of work and commit; a refusal (a business rule said no) is counted under
        the function's name and gives None."""
        try:
            with self.gemba.uow(who, reason="simulation") as uow:
                out = fn(uow, *args, **kw)
                uow.commit()
                return out
        except GembaError as exc:
            self.refusals[f"{who.username}.{fn.__name__}"] += 1
            log.info("simulation: %s refused %s: %s", who.username, fn.__name__, exc.message)
            return None
        except OperationalError as exc:  # e.g. SQLite busy under a live demo's web traffic
            self.refusals[f"{who.username}.{fn.__name__}.database"] += 1
            log.warning("simulation: %s could not %s: %s", who.username, fn.__name__, exc)
            return None

    def read(self, fn: Callable[[UnitOfWork], T], who: Actor | None = None) -> T:
        if who is None:
            with self.gemba.uow() as uow:
                return fn(uow)
        with self.gemba.uow(who) as uow:
            return fn(uow)


class SimActor(ABC):
    """One kind of participant. ``start`` registers its simpy processes and signal
    listeners; everything it does to the system goes through ``sim.tx``."""

    name = "actor"

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rng = sim.rng(self.name)

    @abstractmethod
    def start(self) -> None:
        """Register the actor's simpy processes and listeners."""
