"""Personnel pages: skills, and employees with qualifications, shifts and labour rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.personnel import employee as emp
from gemba.erp.personnel import labour_rate, qualification, shift_assignment
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.forms import Choice, Field
from gemba.web.pages.equipment import calendar_choices, site_choices
from gemba.web.pages.history import document_history

P = Permission


def skill_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(s.code, f"{s.code} — {s.name}")
            for s in emp.list_skills(uow, PageRequest(limit=500)).items]


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(field, "date", "must be a date (YYYY-MM-DD)") from None


def _int(raw: str, field: str) -> int:
    if not raw.isdigit():
        raise ValidationFailed.on(field, "integer", "must be a whole number")
    return int(raw)


def load_holders(uow: UnitOfWork, record: emp.Skill) -> dict[str, Any]:
    today = utcnow().date()
    holders = []
    for e in emp.list_employees(uow, PageRequest(limit=500)).items:
        for q in e.qualifications:
            if q.skill_id == record.id:
                holders.append((e, q, q.valid_until is None or q.valid_until >= today))
    return {"holders": holders}


SKILLS = register_concept(Concept(
    area="erp", slug="skills", title="Skills", singular="Skill", record_type="erp_skills",
    read_permission=P.PERSONNEL_READ, write_permission=P.PERSONNEL_WRITE,
    list_fn=emp.list_skills, get_fn=emp.get_skill, nav_order=70,
    description="Skills and certifications employees can hold, possibly until an expiry date.",
    columns=[Column("code", "Code", link=True), Column("name", "Name")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    fields=[Field("code", "Code", required=True, on_edit=False),
            Field("name", "Name", required=True)],
    create_in=emp.SkillIn, create_fn=emp.create_skill, patch_in=emp.SkillPatch,
    update_fn=emp.update_skill, delete_fn=emp.delete_skill,
    panels=[Panel("Held by", "erp/skills/_holders_panel.html", load_holders)],
))


def load_qualifications(uow: UnitOfWork, record: emp.Employee) -> dict[str, Any]:
    today = utcnow().date()
    rows = sorted(record.qualifications, key=lambda q: q.skill.code)
    return {"rows": [(q, q.valid_until is None or q.valid_until >= today) for q in rows]}


def load_shifts(uow: UnitOfWork, record: emp.Employee) -> dict[str, Any]:
    return {"rows": record.shift_assignments}


def load_rates(uow: UnitOfWork, record: emp.Employee) -> dict[str, Any]:
    current = labour_rate.labour_rate_on(uow, record.code, utcnow().date())
    return {"rows": record.labour_rates, "current": current}


EMPLOYEES = register_concept(Concept(
    area="erp", slug="employees", title="Employees", singular="Employee",
    record_type="erp_employees", read_permission=P.PERSONNEL_READ,
    write_permission=P.PERSONNEL_WRITE, list_fn=emp.list_employees, get_fn=emp.get_employee,
    nav_order=60, description="People (ISA-95 Person) with their skills, shifts and rates.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("site_code", "Site"), Column("active", "Active")],
    details=[Column("code", "Code"), Column("name", "Name"),
             Column("site_code", "Site",
                    href=lambda e: f"/mes/equipment/{e.site_code}" if e.site_code else None),
             Column("active", "Active"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    filters=[ListFilter("site", "Site", site_choices),
             ListFilter("active", "Active", [("true", "active"), ("false", "inactive")])],
    fields=[Field("code", "Code", required=True, on_edit=False),
            Field("name", "Name", required=True),
            Field("site_code", "Site", kind="select", required=True, choices=site_choices),
            Field("active", "Active", kind="checkbox", default="on")],
    create_in=emp.EmployeeIn, create_fn=emp.create_employee, patch_in=emp.EmployeePatch,
    update_fn=emp.update_employee, delete_fn=emp.delete_employee,
    history_of=document_history("erp_employees"),
    panels=[Panel("Qualifications", "erp/employees/_qualifications_panel.html",
                  load_qualifications),
            Panel("Shift assignments", "erp/employees/_shifts_panel.html", load_shifts),
            Panel("Labour rates", "erp/employees/_rates_panel.html", load_rates)],
    actions=[
        Action("grant", "Grant a qualification", panel="Qualifications", button="Grant",
               done="Qualification granted.",
               fields=[Field("skill", "Skill", kind="select", required=True,
                             choices=skill_choices),
                       Field("level", "Level", default="qualified"),
                       Field("valid_until", "Valid until", kind="date",
                             help="Empty: does not expire.")],
               command=qualification.QualificationIn,
               run=lambda uow, code, data: qualification.grant_qualification(uow, code, data)),
        Action("revoke", "Revoke a qualification", done="Qualification revoked.",
               fields=[Field("skill", "Skill", kind="hidden", required=True)],
               run=lambda uow, code, data: qualification.revoke_qualification(
                   uow, code, data["skill"])),
        Action("assign-shift", "Assign a shift", panel="Shift assignments", button="Assign",
               done="Shift assigned.",
               fields=[Field("calendar", "Calendar", kind="select", required=True,
                             choices=calendar_choices),
                       Field("shift_code", "Shift code", required=True),
                       Field("valid_from", "From", kind="date", required=True),
                       Field("valid_to", "To", kind="date", help="Empty: until further notice.")],
               command=shift_assignment.ShiftAssignmentIn,
               run=lambda uow, code, data: shift_assignment.assign_shift(uow, code, data)),
        Action("unassign-shift", "Remove a shift assignment", done="Shift assignment removed.",
               fields=[Field("assignment", "Assignment", kind="hidden", required=True)],
               run=lambda uow, code, data: shift_assignment.unassign_shift(
                   uow, code, _int(data["assignment"], "assignment"))),
        Action("add-rate", "Add a labour rate", panel="Labour rates", done="Rate added.",
               fields=[Field("valid_from", "Valid from", kind="date", required=True),
                       Field("hourly_rate", "Hourly rate", kind="decimal", required=True)],
               command=labour_rate.LabourRateIn,
               run=lambda uow, code, data: labour_rate.add_labour_rate(uow, code, data)),
        Action("remove-rate", "Remove a labour rate", done="Rate removed.",
               fields=[Field("valid_from", "Valid from", kind="hidden", required=True)],
               run=lambda uow, code, data: labour_rate.remove_labour_rate(
                   uow, code, _day(data["valid_from"], "valid_from"))),
    ],
))
