"""Working with the equipment tree as a whole: the nested view, capabilities, and the
"create if missing" helpers the CSV loader uses for sites and work centers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field, StringConstraints
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from gemba.erp.equipment.equipment import (
    PRODUCTIVE_LEVELS,
    Equipment,
    EquipmentCapability,
    EquipmentIn,
    EquipmentLevel,
    EquipmentPatch,
    WorkCenterKind,
    create_equipment,
    equipment_for_write,
    get_equipment,
    site_scope,
    update_equipment,
)

DEFAULT_ENTERPRISE = "ENTERPRISE"
DEFAULT_AREA_SUFFIX = "-MAIN"

CommandT = TypeVar("CommandT", bound=Command)
CapabilityName = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=60,
    pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"), AfterValidator(str.lower)]


@dataclass
class EquipmentNode:
    code: str
    name: str
    level: EquipmentLevel
    kind: WorkCenterKind | None
    site_code: str | None
    active: bool
    children: list[EquipmentNode] = field(default_factory=list)


def equipment_tree(uow: UnitOfWork, root_code: str | None = None) -> list[EquipmentNode]:
    """The visible hierarchy as nested nodes: every top-level node, or just ``root_code``'s
    subtree (a one-element list). One query; children sorted by code."""
    uow.actor.require(Permission.MASTERDATA_READ)
    root_id = get_equipment(uow, root_code).id if root_code is not None else None
    rows = uow.session.execute(
        select(Equipment.id, Equipment.parent_id, Equipment.code, Equipment.name,
               Equipment.level, Equipment.kind, Equipment.site_code, Equipment.active)
        .where(site_scope(uow.actor, Equipment.site_code)).order_by(Equipment.code)).all()
    nodes = {r.id: EquipmentNode(r.code, r.name, r.level, r.kind, r.site_code, r.active)
             for r in rows}
    roots: list[EquipmentNode] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id is not None else None
        if parent is not None:
            parent.children.append(nodes[r.id])
        elif r.parent_id is None:
            roots.append(nodes[r.id])
    if root_id is not None:
        return [nodes[root_id]]
    return roots


# --- capabilities -------------------------------------------------------------------------


class CapabilityIn(Command):
    capability: CapabilityName
    description: str = Field(default="", max_length=200)


def add_capability(uow: UnitOfWork, code: str, data: CapabilityIn) -> Equipment:
    eq = equipment_for_write(uow, code)
    if eq.level not in PRODUCTIVE_LEVELS:
        raise ValidationFailed.on("capability", "not_allowed",
                                  f"only work centers and work units have capabilities, "
                                  f"not a {eq.level.value}")
    if any(c.capability == data.capability for c in eq.capabilities):
        raise Conflict(f"equipment {code!r} already has capability {data.capability!r}")
    eq.capabilities.append(EquipmentCapability(capability=data.capability,
                                               description=data.description))
    uow.flush()
    uow.session.expire(eq, ["capabilities"])  # reload in capability order
    return eq


def remove_capability(uow: UnitOfWork, code: str, capability: str) -> Equipment:
    eq = equipment_for_write(uow, code)
    wanted = capability.strip().lower()
    match = next((c for c in eq.capabilities if c.capability == wanted), None)
    if match is None:
        raise NotFound(f"equipment {code!r} has no capability {capability!r}")
    eq.capabilities.remove(match)
    uow.flush()
    return eq


# --- create-if-missing (CSV loading) --------------------------------------------------------


def _find(uow: UnitOfWork, code: str) -> Equipment | None:
    return uow.session.scalar(select(Equipment).where(Equipment.code == code))


def ensure_site(uow: UnitOfWork, site_code: str) -> Equipment:
    """The site with this code, created (named after its code) if missing. A site needs an
    enterprise above it: the only one there is, else a default ``ENTERPRISE`` is created."""
    existing = _find(uow, site_code)
    if existing is not None:
        if existing.level != EquipmentLevel.SITE:
            raise ValidationFailed.on("site", "not_a_site",
                                      f"{site_code!r} is a {existing.level.value}, not a site")
        uow.actor.require_site(site_code)
        return existing
    uow.actor.require(Permission.EQUIPMENT_WRITE)
    uow.actor.require_site(site_code)
    site = _command(EquipmentIn, code=site_code, name=site_code, level=EquipmentLevel.SITE,
                    parent=DEFAULT_ENTERPRISE)  # validated before anything is written
    enterprise = uow.session.scalar(
        select(Equipment).where(Equipment.level == EquipmentLevel.ENTERPRISE)
        .order_by(Equipment.id).limit(1))
    if enterprise is None:
        if _find(uow, DEFAULT_ENTERPRISE) is not None:
            raise ValidationFailed.on("site", "no_enterprise",
                                      f"cannot create the default enterprise: code "
                                      f"{DEFAULT_ENTERPRISE!r} is taken")
        enterprise = Equipment(code=DEFAULT_ENTERPRISE, name="Enterprise",
                               level=EquipmentLevel.ENTERPRISE, site_code=None)
        uow.session.add(enterprise)
        uow.flush()
    return create_equipment(uow, site.model_copy(update={"parent": enterprise.code}))


def _command(cls: type[CommandT], **values: object) -> CommandT:
    """Build a command from loader values, reporting bad ones as field errors."""
    try:
        return cls(**values)
    except PydanticError as exc:
        issues = [FieldIssue(".".join(str(p) for p in e["loc"]) or "row", e["type"], e["msg"])
                  for e in exc.errors()]
        raise ValidationFailed("; ".join(f"{i.field}: {i.message}" for i in issues),
                               issues) from None


def default_area_code(site_code: str) -> str:
    return (site_code + DEFAULT_AREA_SUFFIX)[:40]


def ensure_work_center(uow: UnitOfWork, code: str, name: str, site_code: str,
                       hours_per_day: Decimal | None) -> Equipment:
    """Create or update a work center of ``site_code`` (row of work_centers.csv).

    New work centers go under the site's default area ``<SITE>-MAIN``, created if needed.
    An existing work center keeps its place but takes the new name and hours per day; one
    that belongs to another site is an error rather than a silent move.
    """
    existing = _find(uow, code)
    if existing is not None:
        if existing.level != EquipmentLevel.WORK_CENTER:
            raise ValidationFailed.on("code", "not_a_work_center",
                                      f"{code!r} exists as a {existing.level.value}")
        if existing.site_code != site_code:
            raise ValidationFailed.on("site", "other_site",
                                      f"work center {code!r} belongs to site "
                                      f"{existing.site_code!r}; move it explicitly")
        patch = _command(EquipmentPatch, version=existing.version, name=name,
                         hours_per_day=hours_per_day)
        return update_equipment(uow, code, patch)
    site = ensure_site(uow, site_code)
    area_code = default_area_code(site.code)
    area = _find(uow, area_code)
    if area is None:
        area = create_equipment(uow, EquipmentIn(code=area_code, name=f"{site.code} main area",
                                                 level=EquipmentLevel.AREA, parent=site.code))
    return create_equipment(uow, _command(EquipmentIn, code=code, name=name,
                                          level=EquipmentLevel.WORK_CENTER, parent=area.code,
                                          hours_per_day=hours_per_day))
