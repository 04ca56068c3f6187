"""REST resources: the ISA-95 equipment hierarchy and working calendars."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query

from gemba.api.crud import CodeResource, Out, code_router
from gemba.api.deps import UowDep
from gemba.erp.equipment import calendar as cal
from gemba.erp.equipment import capacity, equipment, hierarchy


class CapabilityOut(Out):
    capability: str
    description: str


class EquipmentOut(Out):
    id: int
    code: str
    name: str
    level: equipment.EquipmentLevel
    kind: equipment.WorkCenterKind | None
    parent_code: str | None
    site_code: str | None
    hours_per_day: Decimal | None
    calendar_code: str | None
    active: bool
    capabilities: list[CapabilityOut]
    version: int
    updated_at: datetime


class EquipmentNodeOut(Out):
    code: str
    name: str
    level: equipment.EquipmentLevel
    kind: equipment.WorkCenterKind | None
    site_code: str | None
    active: bool
    children: list[EquipmentNodeOut]


class AvailableHoursOut(Out):
    work_center: str
    start: date
    end: date
    hours: Decimal


class ShiftOut(Out):
    code: str
    weekday: int
    start: time
    end: time
    minutes: int


class HolidayOut(Out):
    day: date
    name: str


class CalendarOut(Out):
    id: int
    code: str
    name: str
    timezone: str
    shifts: list[ShiftOut]
    holidays: list[HolidayOut]
    version: int
    updated_at: datetime


router = APIRouter()
# Fixed paths first: /equipment/tree must not be taken for the code "tree".
fixed = APIRouter(prefix="/equipment", tags=["equipment"])


@fixed.get("/tree", response_model=list[EquipmentNodeOut])
def equipment_tree(uow: UowDep, root: str | None = None) -> Any:
    """The hierarchy (enterprise > site > area > work center > work unit) as nested nodes,
    limited to the caller's sites; ``root`` gives one subtree."""
    return [EquipmentNodeOut.model_validate(n) for n in hierarchy.equipment_tree(uow, root)]


router.include_router(fixed)
router.include_router(code_router(CodeResource(
    path="/equipment", tag="equipment", record_type="erp_equipment", out=EquipmentOut,
    create_in=equipment.EquipmentIn, patch_in=equipment.EquipmentPatch,
    list_fn=equipment.list_equipment, get_fn=equipment.get_equipment,
    create_fn=equipment.create_equipment, update_fn=equipment.update_equipment,
    delete_fn=equipment.delete_equipment,
    filters=["level", "site", "parent", "kind", "active", "code"])))
extra = APIRouter(prefix="/equipment", tags=["equipment"])


@extra.post("/{code}/capabilities", response_model=EquipmentOut, status_code=201)
def add_capability(code: str, body: hierarchy.CapabilityIn, uow: UowDep) -> Any:
    record = hierarchy.add_capability(uow, code, body)
    uow.commit()
    return EquipmentOut.model_validate(record)


@extra.delete("/{code}/capabilities/{capability}", response_model=EquipmentOut)
def remove_capability(code: str, capability: str, uow: UowDep) -> Any:
    record = hierarchy.remove_capability(uow, code, capability)
    uow.commit()
    return EquipmentOut.model_validate(record)


@extra.get("/{code}/available-hours", response_model=AvailableHoursOut)
def available_hours(code: str, uow: UowDep, start: date = Query(...),
                    end: date = Query(...)) -> Any:
    """Hours the work center can work from ``start`` to ``end`` (both included): calendar
    shifts minus holidays, or hours_per_day on Monday-Friday without a calendar."""
    hours = capacity.available_hours(uow, code, start, end)
    return AvailableHoursOut(work_center=code, start=start, end=end, hours=hours)


router.include_router(extra)

# --- calendars ----------------------------------------------------------------------------

router.include_router(code_router(CodeResource(
    path="/calendars", tag="calendars", record_type="erp_calendars", out=CalendarOut,
    create_in=cal.CalendarIn, patch_in=cal.CalendarPatch, list_fn=cal.list_calendars,
    get_fn=cal.get_calendar, create_fn=cal.create_calendar, update_fn=cal.update_calendar,
    delete_fn=cal.delete_calendar, filters=["code", "timezone"])))
calendars = APIRouter(prefix="/calendars", tags=["calendars"])


@calendars.post("/{code}/shifts", response_model=CalendarOut, status_code=201)
def add_shift(code: str, body: cal.ShiftIn, uow: UowDep) -> Any:
    record = cal.add_shift(uow, code, body)
    uow.commit()
    return CalendarOut.model_validate(record)


@calendars.delete("/{code}/shifts/{shift_code}", response_model=CalendarOut)
def remove_shift(code: str, shift_code: str, uow: UowDep,
                 weekday: int | None = Query(None, ge=0, le=6)) -> Any:
    """Without ``weekday`` the shift is removed from every day it is on."""
    record = cal.remove_shift(uow, code, shift_code, weekday)
    uow.commit()
    return CalendarOut.model_validate(record)


@calendars.post("/{code}/holidays", response_model=CalendarOut, status_code=201)
def add_holiday(code: str, body: cal.HolidayIn, uow: UowDep) -> Any:
    record = cal.add_holiday(uow, code, body)
    uow.commit()
    return CalendarOut.model_validate(record)


@calendars.delete("/{code}/holidays/{day}", response_model=CalendarOut)
def remove_holiday(code: str, day: date, uow: UowDep) -> Any:
    record = cal.remove_holiday(uow, code, day)
    uow.commit()
    return CalendarOut.model_validate(record)


router.include_router(calendars)
