"""Bills of materials: versioned, dated, multi-level, with component scrap and phantoms.

A BOM is one revision of how to make an item. Its lines are edited as a whole document: every
line change bumps the BOM's version, so two people editing the same BOM conflict instead of
silently overwriting each other. A BOM may never contain its own parent, directly or through the
draft/active BOMs of its components (any revision): that is rejected with the cycle path.
Explosion and where-used live in ``bom_explosion``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited, AuditEntry
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Patch, Percent, PosQty
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin, enum_column
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.revision import Effectivity, check_revision_free
from gemba.erp.catalog.uom import check_precision

BOM_SEQUENCE = "bom"
Revision = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class BomStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    OBSOLETE = "obsolete"


# Status changes allowed by update_bom; a released BOM never goes back to draft.
STATUS_CHANGES: dict[BomStatus, frozenset[BomStatus]] = {
    BomStatus.DRAFT: frozenset({BomStatus.ACTIVE, BomStatus.OBSOLETE}),
    BomStatus.ACTIVE: frozenset({BomStatus.OBSOLETE}),
    BomStatus.OBSOLETE: frozenset({BomStatus.ACTIVE}),
}
PARENT_TYPES = frozenset({ItemType.MANUFACTURED, ItemType.PHANTOM})


class Bom(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One revision of how to make ``item``; effective between two dates (inclusive)."""

    __tablename__ = "erp_boms"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    revision: Mapped[str] = mapped_column(String(20))
    status: Mapped[BomStatus] = mapped_column(enum_column(BomStatus), default=BomStatus.ACTIVE)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The lines make this many base units of the parent (usually 1).
    base_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(1))

    item: Mapped[Item] = relationship(lazy="joined")
    lines: Mapped[list[BomLine]] = relationship(
        back_populates="bom", cascade="all, delete-orphan", order_by="BomLine.seq")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def item_name(self) -> str:
        return self.item.name

    def is_effective(self, on: date) -> bool:
        return (self.status == BomStatus.ACTIVE
                and (self.effective_from is None or self.effective_from <= on)
                and (self.effective_to is None or on <= self.effective_to))


class BomLine(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_bom_lines"
    __table_args__ = (UniqueConstraint("bom_id", "seq"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_boms", self.bom_id)

    bom_id: Mapped[int] = mapped_column(ForeignKey("erp_boms.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty_per: Mapped[Decimal] = mapped_column(Qty)  # in the component's base unit
    scrap_pct: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))

    bom: Mapped[Bom] = relationship(back_populates="lines")
    component: Mapped[Item] = relationship(lazy="joined")

    @property
    def component_code(self) -> str:
        return self.component.code

    @property
    def component_name(self) -> str:
        return self.component.name

    @property
    def uom_code(self) -> str:
        return self.component.uom.code


# --- commands -------------------------------------------------------------------------------

class BomLineIn(Command):
    seq: int | None = Field(default=None, ge=1, le=99999)  # default: previous line's + 10
    component: Code
    qty_per: PosQty  # per base_qty of the parent, in the component's base unit
    scrap_pct: Percent = Decimal(0)


class BomIn(Effectivity):
    item: Code
    revision: Revision
    status: BomStatus = BomStatus.ACTIVE
    base_qty: PosQty = Decimal(1)
    lines: list[BomLineIn] = Field(default_factory=list, max_length=2000)


class BomPatch(Patch):
    revision: Revision | None = None
    status: BomStatus | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    base_qty: PosQty | None = None


class BomLinesIn(Patch):
    """The complete new set of lines (matched to the old ones by ``seq``)."""

    lines: list[BomLineIn] = Field(max_length=2000)


class BomLineAdd(BomLineIn):
    version: int = Field(ge=1)


# --- queries --------------------------------------------------------------------------------

def get_bom(uow: UnitOfWork, number: str) -> Bom:
    uow.actor.require(Permission.MASTERDATA_READ)
    bom = uow.session.scalar(select(Bom).where(Bom.number == number))
    if bom is None:
        raise NotFound(f"BOM {number!r} does not exist")
    return bom


def list_boms(uow: UnitOfWork, page: PageRequest) -> Page[Bom]:
    uow.actor.require(Permission.MASTERDATA_READ)
    for name, value in page.filters:
        if name == "status" and value not in {s.value for s in BomStatus}:
            raise ValidationFailed.on("status", "unknown_status",
                                      f"{value!r} is not one of {', '.join(BomStatus)}")
    stmt = select(Bom).join(Item, Bom.item_id == Item.id)
    return paginate(uow.session, stmt, page, search=[Bom.number, Item.code, Item.name],
                    filterable={"item": Item.code, "status": Bom.status,
                                "revision": Bom.revision},
                    order_by=[Bom.number])


def bom_history(uow: UnitOfWork, number: str) -> list[AuditEntry]:
    """The BOM's own changes and those of its lines (also deleted ones), oldest first."""
    uow.actor.require(Permission.AUDIT_READ)
    return history(uow.session, Bom.__tablename__, get_bom(uow, number).id)


# --- validation -----------------------------------------------------------------------------

def _parent_item(uow: UnitOfWork, code: str) -> Item:
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on("item", "unknown_item", f"unknown item {code!r}")
    if item.type not in PARENT_TYPES:
        raise ValidationFailed.on("item", "not_manufactured",
                                  f"item {code!r} is {item.type.value}; only manufactured and "
                                  "phantom items have a BOM")
    return item


def _resolve_lines(uow: UnitOfWork, parent: Item, lines: Sequence[BomLineIn],
                   prefix: str = "lines") -> list[tuple[int, Item, BomLineIn]]:
    """Check every line (all problems reported at once); returns (seq, component, line).
    Fields are named ``lines[2].qty_per``; with an empty prefix just ``qty_per``."""
    codes = {line.component for line in lines}
    items = {i.code: i for i in uow.session.scalars(select(Item).where(Item.code.in_(codes)))}
    errors = ErrorCollector()
    out: list[tuple[int, Item, BomLineIn]] = []
    seen: set[int] = set()
    last = 0
    for n, line in enumerate(lines):
        where = f"{prefix}[{n}]." if prefix else ""
        seq = line.seq if line.seq is not None else last + 10
        last = seq
        if seq in seen:
            errors.add(f"{where}seq", "duplicate", f"line number {seq} is used twice")
        seen.add(seq)
        comp = items.get(line.component)
        if comp is None:
            errors.add(f"{where}component", "unknown_item", f"unknown item {line.component!r}")
            continue
        if comp.type == ItemType.SERVICE:
            errors.add(f"{where}component", "service_component",
                       f"{comp.code!r} is a service item; a BOM lists material only")
            continue
        try:
            check_precision(line.qty_per, comp.uom, f"{where}qty_per")
        except ValidationFailed as exc:
            errors.issues.extend(exc.issues)
        out.append((seq, comp, line))
    errors.raise_if_any()
    from gemba.erp.catalog.bom_explosion import check_no_cycle  # it imports this module

    fields = [f"{prefix}[{n}].component" if prefix else "component" for n in range(len(out))]
    check_no_cycle(uow.session, parent, [comp for _, comp, _ in out], fields)
    return out


# --- commands -------------------------------------------------------------------------------

def create_bom(uow: UnitOfWork, data: BomIn) -> Bom:
    uow.actor.require(Permission.CATALOG_WRITE)
    item = _parent_item(uow, data.item)
    check_precision(data.base_qty, item.uom, "base_qty")
    resolved = _resolve_lines(uow, item, data.lines)
    check_revision_free(uow, Bom, "BOM", item, data.revision)
    bom = Bom(number=next_number(uow.session, BOM_SEQUENCE), item=item, revision=data.revision,
              status=data.status, effective_from=data.effective_from,
              effective_to=data.effective_to, base_qty=data.base_qty)
    bom.lines = [BomLine(seq=seq, component=comp, qty_per=line.qty_per,
                         scrap_pct=line.scrap_pct) for seq, comp, line in resolved]
    uow.session.add(bom)
    uow.flush()
    return bom


def update_bom(uow: UnitOfWork, number: str, data: BomPatch) -> Bom:
    """Change the header; dates and status are checked against the resulting record."""
    uow.actor.require(Permission.CATALOG_WRITE)
    bom = get_bom(uow, number)
    check_version(bom, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("revision", "status", "base_qty"):
        if field in changes and changes[field] is None:
            raise ValidationFailed.on(field, "required", "may not be empty")
    start = changes.get("effective_from", bom.effective_from)
    end = changes.get("effective_to", bom.effective_to)
    if start is not None and end is not None and end < start:
        raise ValidationFailed.on("effective_to", "before_from",
                                  "must not be before effective_from")
    status = changes.get("status", bom.status)
    if status != bom.status:
        if status not in STATUS_CHANGES[bom.status]:
            raise Conflict(f"BOM {number} cannot go from {bom.status.value} to {status.value}")
        if bom.status == BomStatus.OBSOLETE:  # revived: its lines join the graph again
            from gemba.erp.catalog.bom_explosion import check_no_cycle

            check_no_cycle(uow.session, bom.item, [line.component for line in bom.lines])
    if "base_qty" in changes:
        check_precision(changes["base_qty"], bom.item.uom, "base_qty")
    if "revision" in changes:
        check_revision_free(uow, Bom, "BOM", bom.item, changes["revision"], bom.id)
    for key, value in changes.items():
        setattr(bom, key, value)
    uow.flush()
    return bom


def replace_lines(uow: UnitOfWork, number: str, data: BomLinesIn) -> Bom:
    """Make the BOM's lines exactly ``data.lines``; same seq = the same line changed."""
    uow.actor.require(Permission.CATALOG_WRITE)
    bom = get_bom(uow, number)
    check_version(bom, data.version)
    resolved = _resolve_lines(uow, bom.item, data.lines)
    _apply_lines(uow, bom, resolved)
    return bom


def add_line(uow: UnitOfWork, number: str, data: BomLineAdd) -> Bom:
    uow.actor.require(Permission.CATALOG_WRITE)
    bom = get_bom(uow, number)
    check_version(bom, data.version)
    seq = data.seq if data.seq is not None else max((x.seq for x in bom.lines), default=0) + 10
    if any(x.seq == seq for x in bom.lines):
        raise Conflict(f"BOM {number} already has a line {seq}")
    line = BomLineIn(seq=seq, component=data.component, qty_per=data.qty_per,
                     scrap_pct=data.scrap_pct)
    (resolved,) = _resolve_lines(uow, bom.item, [line], prefix="")
    existing = [(x.seq, x.component, _line_in(x)) for x in bom.lines]
    _apply_lines(uow, bom, [*existing, resolved])
    return bom


def remove_line(uow: UnitOfWork, number: str, seq: int, version: int | None = None) -> Bom:
    uow.actor.require(Permission.CATALOG_WRITE)
    bom = get_bom(uow, number)
    check_version(bom, version)
    if not any(x.seq == seq for x in bom.lines):
        raise NotFound(f"BOM {number} has no line {seq}")
    _apply_lines(uow, bom, [(x.seq, x.component, _line_in(x)) for x in bom.lines if x.seq != seq])
    return bom


def delete_bom(uow: UnitOfWork, number: str, version: int | None = None) -> None:
    uow.actor.require(Permission.CATALOG_WRITE)
    bom = get_bom(uow, number)
    check_version(bom, version)
    for line in list(bom.lines):
        uow.session.delete(line)
    uow.session.delete(bom)
    uow.flush()


def _line_in(line: BomLine) -> BomLineIn:
    return BomLineIn(seq=line.seq, component=line.component.code, qty_per=line.qty_per,
                     scrap_pct=line.scrap_pct)


def _apply_lines(uow: UnitOfWork, bom: Bom,
                 resolved: Sequence[tuple[int, Item, BomLineIn]]) -> None:
    """Diff by seq (update in place, add, delete) and bump the BOM's version."""
    wanted = {seq: (comp, line) for seq, comp, line in resolved}
    for old in list(bom.lines):
        if old.seq not in wanted:
            bom.lines.remove(old)
            uow.session.delete(old)
    current = {x.seq: x for x in bom.lines}
    for seq, (comp, line) in wanted.items():
        target = current.get(seq)
        if target is None:
            bom.lines.append(BomLine(seq=seq, component=comp, qty_per=line.qty_per,
                                     scrap_pct=line.scrap_pct))
            continue
        if target.component_id != comp.id:  # set the column too: the audit trail reads it
            target.component_id, target.component = comp.id, comp
        if target.qty_per != line.qty_per:
            target.qty_per = line.qty_per
        if target.scrap_pct != line.scrap_pct:
            target.scrap_pct = line.scrap_pct
    bom.updated_at = utcnow()  # the header row is updated, so its version goes up
    uow.flush()
    bom.lines.sort(key=lambda x: x.seq)
