"""The plant as the simulator sees it, read once from the master data: work centers with
their line (the ISA-95 area above them) and calendar, the alternative work centers of each
routing operation, items' tracking and precision, and the operators with their shifts and
the qualifications the MES will accept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from gemba.core.db.uow import UnitOfWork
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item, Tracking
from gemba.erp.catalog.routing import OperationAlternative, Routing, RoutingOperation
from gemba.erp.catalog.uom import Uom
from gemba.erp.equipment.calendar import Calendar
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel
from gemba.erp.personnel.employee import Employee, ShiftAssignment
from gemba.erp.sales.price_list import PriceListLine
from gemba.mes.personnel import MesPerson
from gemba.sim.clock import SimClock


@dataclass(frozen=True)
class ShiftPattern:
    """Weekly shifts of one calendar (or of one shift of it), in the calendar's zone."""

    timezone: str
    shifts: tuple[tuple[int, time, time], ...]  # weekday, start, end (end <= start: next day)
    holidays: frozenset[date] = frozenset()

    def windows(self, clock: SimClock, day: date) -> list[tuple[float, float]]:
        """(start, end) in simulated minutes of the shifts starting on ``day``."""
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.timezone)
        out = []
        for weekday, start, end in self.shifts:
            if weekday != day.weekday():
                continue
            begin = datetime.combine(day, start, tzinfo=zone)
            finish = datetime.combine(day + timedelta(days=1) if end <= start else day, end,
                                      tzinfo=zone)
            out.append((clock.minutes(begin.astimezone(UTC)),
                        clock.minutes(finish.astimezone(UTC))))
        return sorted(out)

    def window_at(self, clock: SimClock, now: float) -> tuple[float, float] | None:
        """The shift running at ``now`` (a night shift may have started the day before)."""
        today = clock.day(now)
        for day in (today - timedelta(days=1), today):
            for start, end in self.windows(clock, day):
                if start <= now < end:
                    return start, end
        return None

    def next_window(self, clock: SimClock, now: float,
                    horizon_days: int = 14) -> tuple[float, float] | None:
        """The shift running at ``now``, else the next one to start."""
        running = self.window_at(clock, now)
        if running is not None:
            return running
        today = clock.day(now)
        for n in range(horizon_days + 1):
            for start, end in self.windows(clock, today + timedelta(days=n)):
                if start >= now:
                    return start, end
        return None

    def minutes_between(self, clock: SimClock, start: float, end: float) -> float:
        """Shift minutes inside [start, end)."""
        total = 0.0
        day = clock.day(start) - timedelta(days=1)
        last = clock.day(end)
        while day <= last:
            for a, b in self.windows(clock, day):
                total += max(0.0, min(b, end) - max(a, start))
            day += timedelta(days=1)
        return total


@dataclass(frozen=True)
class WorkCenter:
    code: str
    line: str | None      # the area (production line) above it
    pattern: ShiftPattern


@dataclass(frozen=True)
class Operator:
    code: str
    name: str
    skills: frozenset[str]   # qualifications the MES holds valid today
    pattern: ShiftPattern    # the shifts assigned to the person


@dataclass(frozen=True)
class ItemInfo:
    code: str
    tracking: Tracking
    precision: int           # decimals of the base unit


@dataclass
class Plant:
    work_centers: dict[str, WorkCenter]
    # (item, seq) -> {alternative work center: run minutes per unit or None (as planned)}
    alternatives: dict[tuple[str, int], dict[str, Decimal | None]]
    primaries: dict[tuple[str, int], str]  # (item, seq) of those operations -> primary
    operators: list[Operator]
    items: dict[str, ItemInfo]
    sellable: frozenset[str] = frozenset()  # items on a price list: sales may reserve them
    lines: dict[str, list[str]] = field(default_factory=dict)  # line -> work centers

    def __post_init__(self) -> None:
        for wc in sorted(self.work_centers.values(), key=lambda w: w.code):
            if wc.line is not None:
                self.lines.setdefault(wc.line, []).append(wc.code)

    def planned_busy_minutes(self, clock: SimClock, start: float,
                             end: float) -> dict[str, float]:
        """PBT per line: the shift minutes of its work centers (no planned downtime)."""
        return {line: sum(self.work_centers[c].pattern.minutes_between(clock, start, end)
                          for c in codes) for line, codes in sorted(self.lines.items())}


WORKWEEK = tuple((d, time(6), time(14)) for d in range(5))


def _pattern(calendar: Calendar | None, shift_code: str | None = None) -> ShiftPattern:
    if calendar is None:
        return ShiftPattern("UTC", WORKWEEK)
    shifts = tuple(sorted((s.weekday, s.start_time, s.end_time) for s in calendar.shifts
                          if shift_code is None or s.code == shift_code))
    return ShiftPattern(calendar.timezone, shifts, frozenset(h.day for h in calendar.holidays))


def load_plant(uow: UnitOfWork, site: str | None = None) -> Plant:
    area = aliased(Equipment)
    stmt = (select(Equipment, area.code, area.level)
            .outerjoin(area, area.id == Equipment.parent_id)
            .where(Equipment.level == EquipmentLevel.WORK_CENTER, Equipment.active)
            .order_by(Equipment.code))
    if site is not None:
        stmt = stmt.where(Equipment.site_code == site)
    centers = {}
    for wc, parent, level in uow.session.execute(stmt):
        line = parent if level == EquipmentLevel.AREA else None
        centers[wc.code] = WorkCenter(wc.code, line, _pattern(wc.calendar))
    alternatives, primaries = _alternatives(uow)
    sellable = frozenset(uow.session.scalars(select(Item.code).join(
        PriceListLine, PriceListLine.item_id == Item.id).distinct()))
    return Plant(centers, alternatives, primaries, _operators(uow, site), _items(uow),
                 sellable)


def _alternatives(uow: UnitOfWork) -> tuple[dict[tuple[str, int], dict[str, Decimal | None]],
                                            dict[tuple[str, int], str]]:
    alt_wc, primary_wc = aliased(Equipment), aliased(Equipment)
    rows = uow.session.execute(
        select(Item.code, RoutingOperation.seq, primary_wc.code, alt_wc.code,
               OperationAlternative.run_min_per_unit)
        .join(RoutingOperation, RoutingOperation.id == OperationAlternative.operation_id)
        .join(Routing, Routing.id == RoutingOperation.routing_id)
        .join(Item, Item.id == Routing.item_id)
        .join(primary_wc, primary_wc.id == RoutingOperation.work_center_id)
        .join(alt_wc, alt_wc.id == OperationAlternative.work_center_id)
        .order_by(Item.code, RoutingOperation.seq, alt_wc.code))
    out: dict[tuple[str, int], dict[str, Decimal | None]] = {}
    primaries: dict[tuple[str, int], str] = {}
    for item, seq, primary, wc, run in rows:
        out.setdefault((item, seq), {})[wc] = run
        primaries[(item, seq)] = primary
    return out, primaries


def _operators(uow: UnitOfWork, site: str | None) -> list[Operator]:
    """Active employees with a shift assignment; their skills as the MES copy holds them
    valid on the real date (the date the MES checks against)."""
    today = utcnow().date()
    mes = {p.person_id: p for p in uow.session.scalars(select(MesPerson))}
    stmt = select(Employee).where(Employee.active).order_by(Employee.code)
    if site is not None:
        stmt = stmt.where(Employee.site_code == site)
    out = []
    for emp in uow.session.scalars(stmt):
        assignments: Iterable[ShiftAssignment] = emp.shift_assignments
        shifts: list[tuple[int, time, time]] = []
        zone = "UTC"
        for a in assignments:
            if a.valid_to is not None and a.valid_to < today:
                continue
            pattern = _pattern(a.calendar, a.shift_code)
            shifts.extend(pattern.shifts)
            zone = pattern.timezone
        person = mes.get(emp.code)
        if not shifts or person is None or not person.active:
            continue
        skills = frozenset(q.skill for q in person.qualifications
                           if person.qualified(q.skill, today))
        out.append(Operator(emp.code, emp.name, skills,
                            ShiftPattern(zone, tuple(sorted(set(shifts))))))
    return out


def _items(uow: UnitOfWork) -> dict[str, ItemInfo]:
    rows = uow.session.execute(select(Item.code, Item.tracking, Uom.precision)
                               .join(Uom, Uom.id == Item.uom_id))
    return {code: ItemInfo(code, tracking, precision) for code, tracking, precision in rows}
