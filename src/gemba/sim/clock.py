"""Simulated time: minutes after an epoch, mapped to real UTC timestamps and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DAY = 24 * 60
# Headless runs start here (a Monday) unless told otherwise: the same seed gives the same run
# on any day it is made.
DEFAULT_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class SimClock:
    epoch: datetime  # simulated minute 0, aware UTC

    def __post_init__(self) -> None:
        if self.epoch.tzinfo is None:
            raise ValueError("the epoch must be timezone-aware")

    def at(self, minutes: float) -> datetime:
        return self.epoch + timedelta(minutes=minutes)

    def day(self, minutes: float) -> date:
        return self.at(minutes).astimezone(UTC).date()

    def minutes(self, when: datetime) -> float:
        return (when - self.epoch).total_seconds() / 60

    def midnight(self, day: date) -> float:
        """Simulated minutes of 00:00 UTC on ``day``."""
        return self.minutes(datetime.combine(day, time(0), tzinfo=UTC))

    def next_time_of_day(self, now: float, at: time, weekdays: bool = True) -> float:
        """The first ``at`` (UTC) not before ``now``, on a Monday-Friday when ``weekdays``."""
        day = self.day(now)
        while True:
            t = self.midnight(day) + at.hour * 60 + at.minute
            if t >= now and (not weekdays or day.weekday() < 5):
                return t
            day += timedelta(days=1)


def working_day_after(day: date, days: int) -> date:
    """``days`` calendar days later, moved to the next Monday when it falls on a weekend."""
    out = day + timedelta(days=days)
    while out.weekday() >= 5:
        out += timedelta(days=1)
    return out
