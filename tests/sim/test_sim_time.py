"""Simulated time: minutes after an epoch, shift windows from calendar shifts (the planned
busy time OEE divides by), and where a live demo's clock starts."""

from datetime import UTC, date, datetime, time

from gemba.cli.demo import live_epoch
from gemba.sim.clock import DEFAULT_EPOCH, SimClock, working_day_after
from gemba.sim.plant import ShiftPattern

CLOCK = SimClock(DEFAULT_EPOCH)  # Monday 2026-01-05 00:00 UTC
TWO_SHIFTS = ShiftPattern("UTC", tuple((d, s, e) for d in range(5) for s, e in
                                       ((time(6), time(14)), (time(14), time(22)))))


def test_minutes_map_to_utc_timestamps_and_days():
    assert DEFAULT_EPOCH.weekday() == 0
    assert CLOCK.at(90) == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    assert CLOCK.day(1439.9) == date(2026, 1, 5) and CLOCK.day(1440) == date(2026, 1, 6)
    assert CLOCK.minutes(datetime(2026, 1, 6, 6, tzinfo=UTC)) == 1440 + 360
    # the next 05:30 on a working day after Friday noon is Monday's
    friday_noon = 4 * 1440 + 720
    assert CLOCK.next_time_of_day(friday_noon, time(5, 30)) == 7 * 1440 + 330
    assert working_day_after(date(2026, 1, 8), 2) == date(2026, 1, 12)  # Sat -> Monday


def test_shift_windows_and_planned_busy_minutes():
    assert TWO_SHIFTS.windows(CLOCK, date(2026, 1, 5)) == [(360, 840), (840, 1320)]
    assert TWO_SHIFTS.windows(CLOCK, date(2026, 1, 10)) == []           # Saturday
    assert TWO_SHIFTS.window_at(CLOCK, 900) == (840, 1320)
    assert TWO_SHIFTS.window_at(CLOCK, 1330) is None
    assert TWO_SHIFTS.next_window(CLOCK, 4 * 1440 + 1330) == (7 * 1440 + 360, 7 * 1440 + 840)
    week = TWO_SHIFTS.minutes_between(CLOCK, 0, 7 * 1440)
    assert week == 5 * 16 * 60                                           # 4800
    assert TWO_SHIFTS.minutes_between(CLOCK, 600, 900) == 300            # part of two shifts


def test_a_night_shift_belongs_to_the_day_it_starts():
    nights = ShiftPattern("UTC", ((0, time(22), time(6)),))               # Monday night
    assert nights.windows(CLOCK, date(2026, 1, 5)) == [(1320, 1800)]
    assert nights.window_at(CLOCK, 1500) == (1320, 1800)                 # Tuesday 01:00
    assert nights.minutes_between(CLOCK, 0, 2 * 1440) == 480


def test_shift_times_follow_the_calendar_timezone():
    berlin = ShiftPattern("Europe/Berlin", ((0, time(6), time(14)),))
    assert berlin.windows(CLOCK, date(2026, 1, 5)) == [(300, 780)]        # UTC+1 in winter


def test_a_live_demo_starts_its_live_part_on_a_working_day():
    wednesday = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert live_epoch(2, wednesday) == datetime(2026, 11, 30, tzinfo=UTC)
    sunday = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    assert live_epoch(2, sunday) == datetime(2026, 12, 2, tzinfo=UTC)    # live from Friday
