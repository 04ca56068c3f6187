"""MES area pages: the ISA-95 equipment hierarchy (tree and table) and working calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Response

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.equipment import calendar as cal
from gemba.erp.equipment import equipment as eq
from gemba.erp.equipment import hierarchy
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx
from gemba.web.forms import Choice, Field, enum_choices
from gemba.web.pages.history import document_history

P = Permission
CHILD_LEVEL = {parent: child for child, parent in eq.PARENT_LEVEL.items() if parent}
WEEKDAY_SETS = {"0-4": range(0, 5), "0-5": range(0, 6), "0-6": range(0, 7)}


def parent_choices(uow: UnitOfWork) -> Sequence[Choice]:
    """Anything but a work unit can have children."""
    rows = eq.list_equipment(uow, PageRequest(limit=500)).items
    return [(e.code, f"{e.code} — {e.name} ({e.level.value.replace('_', ' ')})") for e in rows
            if e.level != eq.EquipmentLevel.WORK_UNIT]


def calendar_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(c.code, f"{c.code} — {c.name}")
            for c in cal.list_calendars(uow, PageRequest(limit=500)).items]


def site_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = eq.list_equipment(uow, PageRequest(limit=500, filters=(("level", "site"),)))
    return [(s.code, f"{s.code} — {s.name}") for s in page.items]


def load_structure(uow: UnitOfWork, record: eq.Equipment) -> dict[str, Any]:
    ancestors = []
    node = record.parent
    while node is not None:
        ancestors.append(node)
        node = node.parent
    (subtree,) = hierarchy.equipment_tree(uow, record.code)
    return {"ancestors": list(reversed(ancestors)), "children": subtree.children,
            "child_level": CHILD_LEVEL.get(record.level)}


def load_capabilities(uow: UnitOfWork, record: eq.Equipment) -> dict[str, Any]:
    return {"capabilities": record.capabilities,
            "productive": record.level in eq.PRODUCTIVE_LEVELS}


def equipment_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/tree")
    def tree(ctx: Ctx) -> Response:
        with ctx.uow() as uow:
            roots = hierarchy.equipment_tree(uow)
            return ctx.render("mes/equipment/tree.html", concept=c, roots=roots,
                              can_write=ctx.can(c.write_permission))


EQUIPMENT = register_concept(Concept(
    area="mes", slug="equipment", title="Equipment hierarchy", singular="Equipment",
    record_type="erp_equipment", read_permission=P.MASTERDATA_READ,
    write_permission=P.EQUIPMENT_WRITE, list_fn=eq.list_equipment, get_fn=eq.get_equipment,
    nav_order=10, nav_url="/mes/equipment/tree",
    description="ISA-95: enterprise › site › area › work center › work unit.",
    links=[("Tree view", "/mes/equipment/tree")],
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("level", "Level"), Column("kind", "Kind"),
             Column("parent_code", "Parent"), Column("site_code", "Site"),
             Column("hours_per_day", "Hours/day", numeric=True),
             Column("calendar_code", "Calendar"), Column("active", "Active")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("level", "Level"),
             Column("kind", "Kind"),
             Column("parent_code", "Parent",
                    href=lambda e: f"/mes/equipment/{e.parent_code}" if e.parent_code else None),
             Column("site_code", "Site"), Column("hours_per_day", "Hours per day"),
             Column("calendar_code", "Calendar",
                    href=lambda e: f"/mes/calendars/{e.calendar_code}"
                    if e.calendar_code else None),
             Column("active", "Active"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    filters=[ListFilter("level", "Level", enum_choices(eq.EquipmentLevel)),
             ListFilter("kind", "Kind", enum_choices(eq.WorkCenterKind)),
             ListFilter("site", "Site", site_choices),
             ListFilter("active", "Active", [("true", "active"), ("false", "inactive")])],
    fields=[
        Field("code", "Code", required=True, on_edit=False),
        Field("name", "Name", required=True),
        Field("level", "Level", kind="select", required=True, on_edit=False,
              choices=enum_choices(eq.EquipmentLevel), default="work_center"),
        Field("parent", "Parent", kind="select", nullable=True, choices=parent_choices,
              attr="parent_code", help="Site under the enterprise, area under a site, ..."),
        Field("kind", "Kind", kind="select", nullable=True,
              choices=enum_choices(eq.WorkCenterKind),
              help="Work centers and work units only."),
        Field("hours_per_day", "Hours per day", kind="decimal", nullable=True,
              help="Work centers only: capacity without a calendar."),
        Field("calendar", "Calendar", kind="select", nullable=True, choices=calendar_choices,
              attr="calendar_code"),
        Field("active", "Active", kind="checkbox", default="on"),
    ],
    create_in=eq.EquipmentIn, create_fn=eq.create_equipment, patch_in=eq.EquipmentPatch,
    update_fn=eq.update_equipment, delete_fn=eq.delete_equipment,
    extra_routes=equipment_routes,
    history_of=document_history("erp_equipment"),
    panels=[Panel("Structure", "mes/equipment/_structure_panel.html", load_structure),
            Panel("Capabilities", "mes/equipment/_capabilities_panel.html",
                  load_capabilities)],
    actions=[
        Action("add-capability", "Add a capability", panel="Capabilities",
               fields=[Field("capability", "Capability", required=True),
                       Field("description", "Description")],
               command=hierarchy.CapabilityIn, done="Capability added.",
               run=lambda uow, code, data: hierarchy.add_capability(uow, code, data)),
        Action("remove-capability", "Remove a capability",
               fields=[Field("capability", "Capability", kind="hidden", required=True)],
               done="Capability removed.",
               run=lambda uow, code, data: hierarchy.remove_capability(
                   uow, code, data["capability"])),
    ],
))


# --- calendars ------------------------------------------------------------------------------

WEEKDAY_CHOICES: list[Choice] = [
    *((str(n), day) for n, day in enumerate(cal.WEEKDAYS)),
    ("0-4", "Monday to Friday"), ("0-5", "Monday to Saturday"), ("0-6", "Every day")]


def add_shifts(uow: UnitOfWork, code: str, data: dict[str, Any]) -> None:
    """One shift on one weekday, or the same shift on a range of weekdays at once."""
    raw = data.get("weekday", "")
    days = WEEKDAY_SETS.get(raw) or ([int(raw)] if raw.isdigit() else None)
    if days is None:
        raise ValidationFailed.on("weekday", "weekday", "choose a weekday")
    for day in days:
        cal.add_shift(uow, code, cal.ShiftIn.model_validate({**data, "weekday": day}))


def load_shifts(uow: UnitOfWork, record: cal.Calendar) -> dict[str, Any]:
    """Shifts as a week grid: one row per shift code, one column per weekday."""
    grid: dict[str, list[list[cal.Shift]]] = {}
    for shift in record.shifts:
        grid.setdefault(shift.code, [[] for _ in range(7)])[shift.weekday].append(shift)
    weekly = sum(s.minutes for s in record.shifts)
    return {"grid": sorted(grid.items()), "weekdays": cal.WEEKDAYS,
            "weekly_hours": f"{weekly / 60:g}"}


def load_holidays(uow: UnitOfWork, record: cal.Calendar) -> dict[str, Any]:
    return {"holidays": record.holidays}


def load_users(uow: UnitOfWork, record: cal.Calendar) -> dict[str, Any]:
    page = eq.list_equipment(uow, PageRequest(limit=500))
    return {"equipment": [e for e in page.items if e.calendar_id == record.id]}


CALENDARS = register_concept(Concept(
    area="mes", slug="calendars", title="Calendars", singular="Calendar",
    record_type="erp_calendars", read_permission=P.MASTERDATA_READ,
    write_permission=P.EQUIPMENT_WRITE, list_fn=cal.list_calendars, get_fn=cal.get_calendar,
    nav_order=20,
    description="Weekly shifts and holidays in a timezone: the capacity of work centers.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("timezone", "Timezone")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("timezone", "Timezone"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    fields=[
        Field("code", "Code", required=True, on_edit=False),
        Field("name", "Name", required=True),
        Field("timezone", "Timezone", required=True, default="UTC",
              help="IANA name, e.g. Europe/Berlin; shift times are local to it."),
    ],
    create_in=cal.CalendarIn, create_fn=cal.create_calendar, patch_in=cal.CalendarPatch,
    update_fn=cal.update_calendar, delete_fn=cal.delete_calendar,
    history_of=document_history("erp_calendars"),
    panels=[Panel("Weekly shifts", "mes/calendars/_shifts_panel.html", load_shifts),
            Panel("Holidays", "mes/calendars/_holidays_panel.html", load_holidays),
            Panel("Used by", "mes/calendars/_users_panel.html", load_users)],
    actions=[
        Action("add-shift", "Add a shift", panel="Weekly shifts", done="Shift added.",
               fields=[Field("code", "Shift code", required=True, default="EARLY"),
                       Field("weekday", "Weekday", kind="select", required=True,
                             choices=WEEKDAY_CHOICES),
                       Field("start", "Start", kind="time", required=True),
                       Field("end", "End", kind="time", required=True,
                             help="Before the start: ends the next day.")],
               run=add_shifts),
        Action("remove-shift", "Remove a shift", done="Shift removed.",
               fields=[Field("shift_code", "Shift", kind="hidden", required=True),
                       Field("weekday", "Weekday", kind="hidden")],
               run=lambda uow, code, data: cal.remove_shift(
                   uow, code, data["shift_code"],
                   int(data["weekday"]) if str(data.get("weekday", "")).isdigit() else None)),
        Action("add-holiday", "Add a holiday", panel="Holidays", done="Holiday added.",
               fields=[Field("day", "Day", kind="date", required=True),
                       Field("name", "Name", required=True)],
               command=cal.HolidayIn,
               run=lambda uow, code, data: cal.add_holiday(uow, code, data)),
        Action("remove-holiday", "Remove a holiday", done="Holiday removed.",
               fields=[Field("day", "Day", kind="hidden", required=True)],
               run=lambda uow, code, data: cal.remove_holiday(
                   uow, code, _day(data["day"]))),
    ],
))


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on("day", "date", "must be a date (YYYY-MM-DD)") from None
