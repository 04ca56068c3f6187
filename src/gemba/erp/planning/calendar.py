"""The company's working days, as MRP counts lead times and period-order-quantity horizons.

Dates are never moved onto working days; only the *counting* of days skips weekends and
holidays. Results are cached per instance because planning asks the same questions thousands
of times (every planned order of every item).
"""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


class WorkCalendar:
    """Working weekdays (0 = Monday, default Monday-Friday) minus holidays."""

    __slots__ = ("weekdays", "holidays", "_back", "_forward")

    def __init__(self, weekdays: frozenset[int] = frozenset(range(5)),
                 holidays: frozenset[date] = frozenset()) -> None:
        weekdays = frozenset(weekdays)
        if not weekdays or not weekdays <= frozenset(range(7)):
            raise ValueError("a work calendar needs at least one working weekday in 0..6")
        self.weekdays = weekdays
        self.holidays = frozenset(holidays)
        self._back: dict[tuple[date, int], date] = {}
        self._forward: dict[tuple[date, int], date] = {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self.weekdays == other.weekdays and self.holidays == other.holidays

    def __hash__(self) -> int:
        return hash((self.weekdays, self.holidays))

    def __repr__(self) -> str:
        return f"WorkCalendar(weekdays={sorted(self.weekdays)}, holidays={len(self.holidays)})"

    def is_working(self, d: date) -> bool:
        return d.weekday() in self.weekdays and d not in self.holidays

    def subtract_working_days(self, due: date, n: int) -> date:
        """The release date of an order due on ``due`` with ``n`` working days lead time: the
        n-th working day strictly before ``due`` (0 = ``due`` itself, working day or not)."""
        if n <= 0:
            return due
        key = (due, n)
        found = self._back.get(key)
        if found is None:
            d, left = due, n
            while left:
                d -= ONE_DAY
                if self.is_working(d):
                    left -= 1
            found = self._back[key] = d
        return found

    def nth_working_day_from(self, d: date, n: int) -> date:
        """The n-th working day counted from ``d``, ``d`` itself being the first when it is a
        working day; the end of a period-order-quantity horizon (n <= 0 gives ``d``)."""
        if n <= 0:
            return d
        key = (d, n)
        found = self._forward.get(key)
        if found is None:
            cur, left = d, n
            while True:
                if self.is_working(cur):
                    left -= 1
                    if not left:
                        break
                cur += ONE_DAY
            found = self._forward[key] = cur
        return found
