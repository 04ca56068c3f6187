"""Simulated operators: the people from the demo company with their shifts and the
qualifications the MES holds valid, and what they do at the terminal - start, pause with a
reason, resume, scan component lots, name the output lot or serial and report completions -
through the very MES services the operator terminal calls, with explicit ``minutes``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from gemba.core.auth.permissions import Role
from gemba.mes import execution as ex
from gemba.sim.plant import Operator
from gemba.sim.world import Simulation, actor

OPERATOR = actor("operator", Role.OPERATOR)  # the terminal's user; the badge says who


class Crew:
    """Who is on shift and free. Generalists are sent first, so the people with rare
    qualifications stay free for the work that needs them."""

    def __init__(self, sim: Simulation, operators: Iterable[Operator]) -> None:
        self.sim = sim
        self.people = sorted(operators, key=lambda p: (len(p.skills), p.code))
        self.busy: set[str] = set()

    def on_shift(self, now: float) -> list[tuple[Operator, float]]:
        """Free people on shift now, with the end of their shift."""
        out = []
        for p in self.people:
            if p.code in self.busy:
                continue
            window = p.pattern.window_at(self.sim.clock, now)
            if window is not None and window[1] - now > 1:
                out.append((p, window[1]))
        return out

    def find(self, skills: Iterable[str], now: float) -> tuple[Operator, float] | None:
        needed = frozenset(skills)
        for person, until in self.on_shift(now):
            if needed <= person.skills:
                return person, until
        return None

    def take(self, person: Operator) -> None:
        self.busy.add(person.code)

    def release(self, person: Operator) -> None:
        self.busy.discard(person.code)


def _minutes(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


@dataclass(frozen=True)
class Terminal:
    """One operator's hands on the MES (the terminal's services)."""

    sim: Simulation
    person: Operator

    def start(self, number: str, seq: int) -> bool:
        return self._ok(ex.start_operation, number, seq, self.person.code)

    def pause(self, number: str, seq: int, reason: str) -> bool:
        return self._ok(ex.pause_operation, number, seq, reason, self.person.code)

    def resume(self, number: str, seq: int) -> bool:
        return self._ok(ex.resume_operation, number, seq, self.person.code)

    def consume(self, number: str, seq: int, item: str, lot: str | None, qty: Decimal) -> bool:
        return self._ok(ex.consume, number, seq, item, lot, qty, self.person.code)

    def produce(self, number: str, seq: int, *, lot: str | None = None,
                serial: str | None = None) -> bool:
        return self._ok(ex.produce, number, seq, lot=lot, serial=serial,
                        operator=self.person.code)

    def complete(self, number: str, seq: int, good: int, scrap: int, reason: str | None,
                 minutes: float) -> bool:
        return self._ok(ex.complete_operation, number, seq, Decimal(good), Decimal(scrap),
                        reason if scrap else None, operator=self.person.code,
                        minutes=_minutes(minutes), backflush=True)

    def _ok(self, fn: object, *args: object, **kw: object) -> bool:
        return self.sim.tx(OPERATOR, fn, *args, **kw) is not None  # type: ignore[arg-type]
