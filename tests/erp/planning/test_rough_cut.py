"""Rough-cut capacity: hours of the stored plan's production orders and of the open
production orders per work center and ISO week, against the work center's calendar, overloads
flagged. Every figure below is worked out by hand (see ctp_testing and production_testing)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from ctp_testing import TODAY, D, load_capacity_plant, plan
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import PermissionDenied, ValidationFailed
from gemba.erp.equipment.calendar import CalendarIn, HolidayIn, ShiftIn, create_calendar
from gemba.erp.equipment.equipment import EquipmentPatch, get_equipment, update_equipment
from gemba.erp.mes_link.performance import apply_performance
from gemba.erp.planning.rough_cut import iso_week, rough_cut
from gemba.erp.production.production_order import (
    ProductionOrderIn,
    create_production_order,
    release_production_order,
)
from mrp_testing import load_plant
from production_testing import DAY, new_order, setup_factory, three_reports


def table(gemba, start=TODAY, weeks=4, today=TODAY):
    with gemba.uow() as uow:
        report = rough_cut(uow, start, weeks, today)
    return {wc: [(c.label, c.load_hours, c.capacity_hours, c.overload)
                 for c in report.row(wc)] for wc in report.work_centers}, report


def test_load_of_the_plan_and_open_orders_against_capacity(gemba, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant", suppliers=False)
    plan(gemba)
    got, report = table(gemba)
    assert got == {
        # BIKE 3 released Thu 12/03 (W11), BIKE 3 released Mon 16/03 (W12): 30 + 3 x 60 min
        "WC-ASM": [("2026-W10", D(0), D(40), False), ("2026-W11", D("3.5"), D(40), False),
                   ("2026-W12", D("3.5"), D(40), False), ("2026-W13", D(0), D(40), False)],
        # MO-3 (2 FRAME, due 5/03): 60 + 2 x 150 = 6 h; FRAME 1 and 3 released in W11:
        # 210 + 510 min = 12 h on a 2 h a day work center
        "WC-WELD": [("2026-W10", D(6), D(10), False), ("2026-W11", D(12), D(10), True),
                    ("2026-W12", D(0), D(10), False), ("2026-W13", D(0), D(10), False)],
    }
    (over,) = report.overloads
    assert (over.work_center, over.label, over.free_hours, over.utilisation_pct) == (
        "WC-WELD", "2026-W11", D(-2), D("120.0"))
    assert sorted((x.work_center, iso_week(x.week), x.source, x.item, x.hours)
                  for x in report.loads) == [
        ("WC-ASM", "2026-W11", "planned_order", "BIKE", D("3.5")),
        ("WC-ASM", "2026-W12", "planned_order", "BIKE", D("3.5")),
        ("WC-WELD", "2026-W10", "production_order", "FRAME", D(6)),
        ("WC-WELD", "2026-W11", "planned_order", "FRAME", D("3.5")),
        ("WC-WELD", "2026-W11", "planned_order", "FRAME", D("8.5"))]
    # a week later everything past moves into the current week: W11 holds W10's MO-3 too
    got, _ = table(gemba, start=date(2026, 3, 9), weeks=2, today=date(2026, 3, 10))
    assert got["WC-WELD"] == [("2026-W11", D(18), D(10), True),
                              ("2026-W12", D(0), D(10), False)]


def test_capacity_comes_from_the_work_center_calendar(gemba, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant", suppliers=False)
    with gemba.uow() as uow:
        create_calendar(uow, CalendarIn(
            code="WELD-DAYS", name="Welding days",
            shifts=[ShiftIn(code="DAY", weekday=d, start=time(6), end=time(9))
                    for d in range(5)],
            holidays=[HolidayIn(day=date(2026, 3, 13), name="Plant holiday")]))
        weld = get_equipment(uow, "WC-WELD")
        update_equipment(uow, "WC-WELD", EquipmentPatch(calendar="WELD-DAYS",
                                                        version=weld.version))
        uow.commit()
    plan(gemba)
    got, _ = table(gemba, weeks=2)
    # 3 h a day, Monday to Friday: 15 h; the holiday on Fri 13/03 takes 3 h of W11
    assert got["WC-WELD"] == [("2026-W10", D(6), D(15), False),
                              ("2026-W11", D(12), D(12), False)]


def test_open_orders_load_what_is_left_and_late_starts_load_this_week(gemba):
    """FRAME: 10 setup + 3 min a unit on WC-CUT, 5 + 6 on WC-ASM (8 h a day each)."""
    setup_factory(gemba)
    running = new_order(gemba, release=True)  # 10 FRAME from Mon 2/03
    with gemba.uow() as uow:
        for message in three_reports(running)[:2]:  # started, 5 good so far
            apply_performance(uow, message)
        late = create_production_order(uow, ProductionOrderIn(
            item="FRAME", qty=D(4), start_date=DAY - timedelta(days=7),
            due_date=DAY + timedelta(days=1)))
        release_production_order(uow, late.number)
        later = create_production_order(uow, ProductionOrderIn(
            item="FRAME", qty=D(10), start_date=DAY + timedelta(days=15),
            due_date=DAY + timedelta(days=20)))
        uow.commit()
    got, report = table(gemba, start=DAY, weeks=3, today=DAY)
    # W10: the running order's 5 left without setup (15 and 30 min) + the late one in full
    # (10 + 12 = 22 and 5 + 24 = 29 min); W12: the planned order of Tue 17/03 (40, 65 min)
    assert got == {
        "WC-ASM": [("2026-W10", D("0.983333"), D(40), False),     # 59 min
                   ("2026-W11", D(0), D(40), False),
                   ("2026-W12", D("1.083333"), D(40), False)],    # 65 min
        "WC-CUT": [("2026-W10", D("0.616667"), D(40), False),     # 37 min
                   ("2026-W11", D(0), D(40), False),
                   ("2026-W12", D("0.666667"), D(40), False)],    # 40 min
    }
    assert {x.ref for x in report.loads} == {running, late.number, later.number}
    assert {(x.ref, x.qty) for x in report.loads if x.ref == running} == {(running, D(5))}


def test_items_without_routing_and_bad_requests(gemba, tmp_path):
    load_plant(gemba, tmp_path / "plain")  # no work centers, no routings
    plan(gemba)
    got, report = table(gemba)
    assert got == {} and report.unrouted == ["BIKE", "FRAME"] and report.loads == []
    with gemba.uow() as uow, pytest.raises(ValidationFailed):
        rough_cut(uow, TODAY, 0, TODAY)
    with gemba.uow(Actor(user_id=None, username="o", roles=frozenset({Role.OPERATOR}))) as uow, \
            pytest.raises(PermissionDenied):
        rough_cut(uow, TODAY, 4, TODAY)
