"""One self-referencing equipment table with an ISA-95 level, as Part 2 suggests.

The services keep the tree well-formed: each level hangs under the level PARENT_LEVEL names,
``site_code`` always equals the code of the site above (what per-site scoping filters on),
and only work centers carry hours per day.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    String,
    UniqueConstraint,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, Patch
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin, enum_column
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import (
    Conflict,
    ErrorCollector,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.erp.equipment.calendar import Calendar


class EquipmentLevel(StrEnum):
    ENTERPRISE = "enterprise"
    SITE = "site"
    AREA = "area"
    WORK_CENTER = "work_center"
    WORK_UNIT = "work_unit"


# Which level each level's parent must have (None: top of the tree).
PARENT_LEVEL: dict[EquipmentLevel, EquipmentLevel | None] = {
    EquipmentLevel.ENTERPRISE: None,
    EquipmentLevel.SITE: EquipmentLevel.ENTERPRISE,
    EquipmentLevel.AREA: EquipmentLevel.SITE,
    EquipmentLevel.WORK_CENTER: EquipmentLevel.AREA,
    EquipmentLevel.WORK_UNIT: EquipmentLevel.WORK_CENTER,
}
# Levels that do work: only these carry a kind, a calendar and capabilities.
PRODUCTIVE_LEVELS = frozenset({EquipmentLevel.WORK_CENTER, EquipmentLevel.WORK_UNIT})


class WorkCenterKind(StrEnum):
    PRODUCTION_LINE = "production_line"
    WORK_CELL = "work_cell"
    PROCESS_CELL = "process_cell"
    STORAGE_ZONE = "storage_zone"
    MACHINE = "machine"


class Equipment(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_equipment"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[EquipmentLevel] = mapped_column(enum_column(EquipmentLevel), index=True)
    kind: Mapped[WorkCenterKind | None] = mapped_column(enum_column(WorkCenterKind),
                                                        nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("erp_equipment.id"), nullable=True,
                                                  index=True)
    # Denormalised site code: what per-site scoping filters on.
    site_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    hours_per_day: Mapped[Decimal | None] = mapped_column(Qty, nullable=True)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("erp_calendars.id"),
                                                    nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Equipment | None] = relationship(remote_side="Equipment.id", lazy="joined",
                                                    join_depth=1)
    calendar: Mapped[Calendar | None] = relationship(lazy="joined")
    capabilities: Mapped[list[EquipmentCapability]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EquipmentCapability.capability")

    @property
    def parent_code(self) -> str | None:
        return self.parent.code if self.parent is not None else None

    @property
    def calendar_code(self) -> str | None:
        return self.calendar.code if self.calendar is not None else None


class EquipmentCapability(Audited, IdMixin, Base):
    """What a work center or unit can do (``milling``, ``welding``), with an optional rate."""

    __tablename__ = "erp_equipment_capabilities"
    __table_args__ = (UniqueConstraint("equipment_id", "capability"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_equipment", self.equipment_id)

    equipment_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id",
                                                         ondelete="CASCADE"))
    capability: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200), default="")


HoursPerDay = Annotated[Decimal, Field(gt=0, le=24, max_digits=8, decimal_places=4)]


class EquipmentIn(Command):
    code: Code
    name: Name
    level: EquipmentLevel
    parent: Code | None = None
    kind: WorkCenterKind | None = None
    hours_per_day: HoursPerDay | None = None
    calendar: Code | None = None
    active: bool = True


class EquipmentPatch(Patch):
    """Code and level are identity; moving is done by changing ``parent``."""

    name: Name | None = None
    parent: Code | None = None
    kind: WorkCenterKind | None = None
    hours_per_day: HoursPerDay | None = None
    calendar: Code | None = None
    active: bool | None = None


# --- site scoping -------------------------------------------------------------------------


def site_scope(actor: Actor, column: Any) -> ColumnElement[bool]:
    """WHERE clause keeping rows of the actor's sites (and rows belonging to no site)."""
    if actor.site_codes is None:
        return true()
    return or_(column.is_(None), column.in_(sorted(actor.site_codes)))


def require_all_sites(actor: Actor, what: str) -> None:
    """Enterprise-wide records may only be changed by someone who sees every site."""
    if actor.site_codes is not None:
        raise PermissionDenied(f"{actor.username} is scoped to some sites and cannot change "
                               f"{what}, which spans every site")


def split_filters(page: PageRequest, names: set[str]) -> tuple[PageRequest, dict[str, str]]:
    """Take the filters a service converts itself out of the request paginate() sees."""
    own = {k: v for k, v in page.filters if k in names}
    rest = tuple((k, v) for k, v in page.filters if k not in names)
    return dataclasses.replace(page, filters=rest), own


def enum_filter(cls: type[StrEnum], name: str, value: str) -> StrEnum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ValidationFailed.on(name, "unknown_value",
                                  f"unknown value {value!r} (allowed: {allowed})") from None


def bool_filter(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValidationFailed.on(name, "not_boolean", f"{value!r} is not true or false")


# --- lookups ------------------------------------------------------------------------------


def _by_code(uow: UnitOfWork, code: str) -> Equipment | None:
    return uow.session.scalar(select(Equipment).where(Equipment.code == code))


def get_equipment(uow: UnitOfWork, code: str) -> Equipment:
    """Equipment of a site the actor is not scoped to does not exist for them."""
    uow.actor.require(Permission.MASTERDATA_READ)
    eq = _by_code(uow, code)
    if eq is None or not uow.actor.can_see_site(eq.site_code):
        raise NotFound(f"equipment {code!r} does not exist")
    return eq


def equipment_for_write(uow: UnitOfWork, code: str) -> Equipment:
    uow.actor.require(Permission.EQUIPMENT_WRITE)
    eq = _by_code(uow, code)
    if eq is None:
        raise NotFound(f"equipment {code!r} does not exist")
    uow.actor.require_site(eq.site_code)
    if eq.level == EquipmentLevel.ENTERPRISE:
        require_all_sites(uow.actor, f"enterprise {eq.code!r}")
    return eq


def find_site(uow: UnitOfWork, code: str, field: str = "site_code") -> Equipment:
    """A site by code, reported as a field error while validating another record."""
    site = _by_code(uow, code)
    if site is None or site.level != EquipmentLevel.SITE:
        raise ValidationFailed.on(field, "unknown_site", f"unknown site {code!r}")
    return site


def find_calendar(uow: UnitOfWork, code: str) -> Calendar | None:
    return uow.session.scalar(select(Calendar).where(Calendar.code == code))


# --- shape rules --------------------------------------------------------------------------


def _check_shape(issues: ErrorCollector, level: EquipmentLevel, parent: Equipment | None,
                 kind: WorkCenterKind | None, hours: Decimal | None,
                 calendar: Calendar | None, parent_unknown: bool = False) -> None:
    expected = PARENT_LEVEL[level]
    if parent_unknown:
        pass  # already reported by the lookup
    elif expected is None and parent is not None:
        issues.add("parent", "not_allowed", f"an {level.value} is the top of the tree and "
                                            "has no parent")
    elif expected is not None and parent is None:
        issues.add("parent", "required", f"a {level.value} needs a parent {expected.value}")
    elif expected is not None and parent is not None and parent.level != expected:
        issues.add("parent", "wrong_level",
                   f"{parent.code!r} is a {parent.level.value}; a {level.value} must be "
                   f"under a {expected.value}")
    if kind is not None and level not in PRODUCTIVE_LEVELS:
        issues.add("kind", "not_allowed", f"only work centers and work units have a kind, "
                                          f"not a {level.value}")
    if hours is not None and level != EquipmentLevel.WORK_CENTER:
        issues.add("hours_per_day", "not_allowed",
                   f"only work centers have hours per day, not a {level.value}")
    if calendar is not None and level not in PRODUCTIVE_LEVELS:
        issues.add("calendar", "not_allowed",
                   f"only work centers and work units have a calendar, not a {level.value}")


def _derive_site(level: EquipmentLevel, code: str, parent: Equipment | None) -> str | None:
    if level == EquipmentLevel.SITE:
        return code
    return parent.site_code if parent is not None else None


def _lookup_refs(uow: UnitOfWork, issues: ErrorCollector, parent_code: str | None,
                 calendar_code: str | None) -> tuple[Equipment | None, Calendar | None]:
    parent = calendar = None
    if parent_code is not None:
        parent = _by_code(uow, parent_code)
        if parent is None:
            issues.add("parent", "unknown_equipment", f"unknown equipment {parent_code!r}")
    if calendar_code is not None:
        calendar = find_calendar(uow, calendar_code)
        if calendar is None:
            issues.add("calendar", "unknown_calendar", f"unknown calendar {calendar_code!r}")
    return parent, calendar


# --- use cases ----------------------------------------------------------------------------


def create_equipment(uow: UnitOfWork, data: EquipmentIn) -> Equipment:
    uow.actor.require(Permission.EQUIPMENT_WRITE)
    issues = ErrorCollector()
    parent, calendar = _lookup_refs(uow, issues, data.parent, data.calendar)
    _check_shape(issues, data.level, parent, data.kind, data.hours_per_day, calendar,
                 parent_unknown=data.parent is not None and parent is None)
    issues.raise_if_any()
    site_code = _derive_site(data.level, data.code, parent)
    if data.level == EquipmentLevel.ENTERPRISE:
        require_all_sites(uow.actor, "the enterprise level")
    uow.actor.require_site(site_code)
    if _by_code(uow, data.code) is not None:
        raise Conflict(f"equipment {data.code!r} already exists")
    eq = Equipment(code=data.code, name=data.name, level=data.level, kind=data.kind,
                   parent=parent, site_code=site_code, hours_per_day=data.hours_per_day,
                   calendar=calendar, active=data.active)
    uow.session.add(eq)
    uow.flush()
    return eq


def update_equipment(uow: UnitOfWork, code: str, data: EquipmentPatch) -> Equipment:
    eq = equipment_for_write(uow, code)
    check_version(eq, data.version)
    fields = data.model_dump(exclude_unset=True, exclude={"version"})
    issues = ErrorCollector()
    for required in ("name", "active"):
        if required in fields and fields[required] is None:
            issues.add(required, "required", "must not be empty")
    parent, calendar = eq.parent, eq.calendar
    looked_parent, looked_cal = _lookup_refs(uow, issues, fields.get("parent"),
                                             fields.get("calendar"))
    if "parent" in fields:
        parent = looked_parent
    if "calendar" in fields:
        calendar = looked_cal
    kind = fields.get("kind", eq.kind)
    hours = fields.get("hours_per_day", eq.hours_per_day)
    _check_shape(issues, eq.level, parent, kind, hours, calendar,
                 parent_unknown=fields.get("parent") is not None and parent is None)
    issues.raise_if_any()
    new_site = _derive_site(eq.level, eq.code, parent)
    uow.actor.require_site(new_site)
    for key in ("name", "active", "kind", "hours_per_day"):
        if key in fields:
            setattr(eq, key, fields[key])
    eq.parent, eq.calendar = parent, calendar
    if new_site != eq.site_code:
        _move_to_site(uow, eq, new_site)
    uow.flush()
    return eq


def _move_to_site(uow: UnitOfWork, eq: Equipment, site_code: str | None) -> None:
    """Keep the denormalised site code right on the moved equipment and everything below."""
    eq.site_code = site_code
    frontier = [eq.id]
    while frontier:
        children = list(uow.session.scalars(
            select(Equipment).where(Equipment.parent_id.in_(frontier))))
        for child in children:
            child.site_code = site_code
        frontier = [c.id for c in children]


def delete_equipment(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    eq = equipment_for_write(uow, code)
    check_version(eq, version)
    children = list(uow.session.scalars(
        select(Equipment.code).where(Equipment.parent_id == eq.id).order_by(Equipment.code)))
    if children:
        shown = ", ".join(children[:5]) + (", ..." if len(children) > 5 else "")
        raise Conflict(f"equipment {code!r} has {len(children)} child equipment ({shown}); "
                       "delete or move them first")
    if eq.level == EquipmentLevel.SITE:
        _refuse_if_site_has_staff(uow, eq.code)
    uow.session.delete(eq)
    try:
        uow.flush()
    except Conflict as exc:
        raise Conflict(f"equipment {code!r} is still referenced (e.g. by routing operations); "
                       "remove those references first") from exc


def _refuse_if_site_has_staff(uow: UnitOfWork, site_code: str) -> None:
    # Imported here: personnel builds on equipment, not the other way round.
    from gemba.erp.personnel.employee import Employee

    staff = uow.session.scalar(select(func.count()).where(Employee.site_code == site_code))
    if staff:
        raise Conflict(f"site {site_code!r} still has {staff} employee(s); move them first")


def list_equipment(uow: UnitOfWork, page: PageRequest) -> Page[Equipment]:
    """Filters: level, site, parent (code), kind, code; only the actor's sites."""
    uow.actor.require(Permission.MASTERDATA_READ)
    parent = aliased(Equipment)
    stmt = (select(Equipment).outerjoin(parent, Equipment.parent_id == parent.id)
            .where(site_scope(uow.actor, Equipment.site_code)))
    page, own = split_filters(page, {"level", "kind", "active"})
    if "level" in own:
        stmt = stmt.where(Equipment.level == enum_filter(EquipmentLevel, "level", own["level"]))
    if "kind" in own:
        stmt = stmt.where(Equipment.kind == enum_filter(WorkCenterKind, "kind", own["kind"]))
    if "active" in own:
        stmt = stmt.where(Equipment.active == bool_filter("active", own["active"]))
    return paginate(uow.session, stmt, page, search=[Equipment.code, Equipment.name],
                    filterable={"site": Equipment.site_code, "parent": parent.code,
                                "code": Equipment.code, "level": Equipment.level,
                                "kind": Equipment.kind, "active": Equipment.active},
                    order_by=[Equipment.code])
