"""The ISA-95 equipment hierarchy of site PLANT1 as production lines (areas), the working
calendars, and what routings.csv cannot say: alternative work centers and the qualification
an operation needs."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy import select

from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.routing import (
    AlternativeIn,
    OperationIn,
    OperationsIn,
    Routing,
    replace_operations,
)
from gemba.erp.equipment.calendar import CalendarIn, ShiftIn, create_calendar
from gemba.erp.equipment.equipment import (
    Equipment,
    EquipmentIn,
    EquipmentLevel,
    EquipmentPatch,
    WorkCenterKind,
    create_equipment,
    delete_equipment,
    update_equipment,
)
from gemba.erp.equipment.hierarchy import default_area_code

SITE = "PLANT1"
WEEKDAYS = range(5)
# code, name, {shift code: (start, end)}; COMPANY is the calendar MRP counts working days by.
CALENDARS = [
    ("COMPANY", "Company working days", {"DAY": (time(6), time(14))}),
    ("CAL-2S", "Two shifts Monday to Friday", {"EARLY": (time(6), time(14)),
                                              "LATE": (time(14), time(22))}),
    ("CAL-1S", "Early shift Monday to Friday", {"EARLY": (time(6), time(14))}),
]
LINES = [("LINE-FRAME", "Frame line"), ("LINE-WHEEL", "Wheel line"),
         ("LINE-ASSY", "Final assembly line")]
K = WorkCenterKind
# work center: line, kind, calendar
WORK_CENTERS = {
    "CUT": ("LINE-FRAME", K.MACHINE, "CAL-1S"),
    "CUT-2": ("LINE-FRAME", K.MACHINE, "CAL-1S"),
    "BEND": ("LINE-FRAME", K.MACHINE, "CAL-1S"),
    "WELD": ("LINE-FRAME", K.WORK_CELL, "CAL-2S"),
    "WELD-2": ("LINE-FRAME", K.WORK_CELL, "CAL-1S"),
    "WELD-R": ("LINE-FRAME", K.MACHINE, "CAL-2S"),
    "GRIND": ("LINE-FRAME", K.WORK_CELL, "CAL-1S"),
    "PRETREAT": ("LINE-FRAME", K.PROCESS_CELL, "CAL-1S"),
    "PAINT": ("LINE-FRAME", K.WORK_CELL, "CAL-1S"),
    "CURE": ("LINE-FRAME", K.PROCESS_CELL, "CAL-1S"),
    "LACE": ("LINE-WHEEL", K.MACHINE, "CAL-1S"),
    "LACE-2": ("LINE-WHEEL", K.MACHINE, "CAL-1S"),
    "TRUE": ("LINE-WHEEL", K.MACHINE, "CAL-1S"),
    "ASSY": ("LINE-ASSY", K.WORK_CELL, "CAL-2S"),
    "ASSY-2": ("LINE-ASSY", K.WORK_CELL, "CAL-1S"),
    "EDRIVE": ("LINE-ASSY", K.WORK_CELL, "CAL-1S"),
    "TEST": ("LINE-ASSY", K.WORK_CELL, "CAL-1S"),
    "PACK": ("LINE-ASSY", K.WORK_CELL, "CAL-1S"),
}
# (item, operation seq) -> the qualification it needs
OPERATION_SKILLS = {("FRAME-WLD", 10): "WELD", ("FRAME-AL", 20): "COAT",
                    ("BIKE-E28", 20): "HV", ("BIKE-E28", 30): "HV"}
# (item, operation seq) -> alternative work centers (code, run minutes per unit or None: as
# fast as the primary)
ALTERNATIVES: dict[tuple[str, int], list[tuple[str, Decimal | None]]] = {
    ("TUBE-SET", 10): [("CUT-2", Decimal(5))],
    ("FRAME-WLD", 10): [("WELD-2", None), ("WELD-R", None)],
    ("WHEEL-28", 10): [("LACE-2", None)],
    ("WHEEL-28M", 10): [("LACE-2", Decimal(22))],
    ("BIKE-CITY", 10): [("ASSY-2", None)],
    ("BIKE-TREK", 10): [("ASSY-2", None)],
    ("BIKE-E28", 10): [("ASSY-2", None)],
}


def build_plant(uow: UnitOfWork, today: date) -> None:
    del today  # the plant does not depend on the day
    for code, name, shifts in CALENDARS:
        create_calendar(uow, CalendarIn(code=code, name=name, timezone="UTC", shifts=[
            ShiftIn(code=shift, weekday=day, start=start, end=end)
            for shift, (start, end) in shifts.items() for day in WEEKDAYS]))
    for code, name in LINES:
        create_equipment(uow, EquipmentIn(code=code, name=name, level=EquipmentLevel.AREA,
                                          parent=SITE))
    for code, (line, kind, calendar) in WORK_CENTERS.items():
        wc = uow.session.scalar(select(Equipment).where(Equipment.code == code))
        assert wc is not None, f"work center {code} is missing from work_centers.csv"
        update_equipment(uow, code, EquipmentPatch(version=wc.version, parent=line, kind=kind,
                                                   calendar=calendar))
    main_area = uow.session.scalar(select(Equipment).where(
        Equipment.code == default_area_code(SITE)))
    if main_area is not None:  # the loader's default area is empty now
        delete_equipment(uow, main_area.code, main_area.version)
    _routing_details(uow)


def _routing_details(uow: UnitOfWork) -> None:
    items = sorted({item for item, _ in OPERATION_SKILLS} | {item for item, _ in ALTERNATIVES})
    for routing in uow.session.scalars(select(Routing).join(Routing.item).where(
            Item.code.in_(items)).order_by(Routing.number)).all():
        code = routing.item.code
        operations = [OperationIn(
            seq=op.seq, name=op.name, work_center=op.work_center.code, setup_min=op.setup_min,
            run_min_per_unit=op.run_min_per_unit, instructions=op.instructions,
            skill=OPERATION_SKILLS.get((code, op.seq), op.skill_code),
            alternatives=[AlternativeIn(work_center=wc, run_min_per_unit=run)
                          for wc, run in ALTERNATIVES.get((code, op.seq), [])])
            for op in routing.operations]
        replace_operations(uow, routing.number,
                           OperationsIn(version=routing.version, operations=operations))
