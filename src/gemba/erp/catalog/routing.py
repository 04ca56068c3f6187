"""Routings: ordered operations on work centers, with alternatives and work instructions.

Like a BOM, a routing is edited as one document: operation, alternative and attachment changes
bump the routing's version. ``routing_time`` gives the minutes an order of a quantity takes
(setup + run x qty per operation), which MRP and scheduling use for lead times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import Field
from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, undefer

from gemba.core.audit.models import Audited, AuditEntry
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, NonNegQty, Patch
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ErrorCollector, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.bom import Revision
from gemba.erp.catalog.item import Item, ItemType, get_item
from gemba.erp.catalog.revision import Effectivity, check_revision_free
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel
from gemba.erp.personnel.employee import Skill

ROUTING_SEQUENCE = "routing"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


class Routing(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_routings"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    revision: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    item: Mapped[Item] = relationship(lazy="joined")
    operations: Mapped[list[RoutingOperation]] = relationship(
        back_populates="routing", cascade="all, delete-orphan", order_by="RoutingOperation.seq")

    @property
    def item_code(self) -> str:
        return self.item.code

    def is_effective(self, on: date) -> bool:
        return ((self.effective_from is None or self.effective_from <= on)
                and (self.effective_to is None or on <= self.effective_to))


class RoutingOperation(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_routing_operations"
    __table_args__ = (UniqueConstraint("routing_id", "seq"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_routings", self.routing_id)

    routing_id: Mapped[int] = mapped_column(ForeignKey("erp_routings.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id"), index=True)
    setup_min: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    run_min_per_unit: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    instructions: Mapped[str] = mapped_column(Text, default="")
    # The qualification (skill code) whoever runs the operation must hold; checked by the MES.
    skill_code: Mapped[str | None] = mapped_column(String(40), nullable=True)

    routing: Mapped[Routing] = relationship(back_populates="operations")
    work_center: Mapped[Equipment] = relationship(lazy="joined")
    alternatives: Mapped[list[OperationAlternative]] = relationship(
        back_populates="operation", cascade="all, delete-orphan", lazy="selectin")
    attachments: Mapped[list[OperationAttachment]] = relationship(
        back_populates="operation", cascade="all, delete-orphan", lazy="selectin")

    @property
    def work_center_code(self) -> str:
        return self.work_center.code


def _routing_of(record: Audited, operation_id: int) -> tuple[str, object] | None:
    """The routing a sub-record of an operation belongs to (also once it is orphaned)."""
    operation = getattr(record, "operation", None)
    if operation is None:
        session = object_session(record)
        operation = session.get(RoutingOperation, operation_id) if session else None
    return ("erp_routings", operation.routing_id) if operation is not None else None


class OperationAlternative(Audited, IdMixin, Base):
    """Another work center that can run the operation, possibly at another speed."""

    __tablename__ = "erp_operation_alternatives"
    __table_args__ = (UniqueConstraint("operation_id", "work_center_id"),)

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("erp_routing_operations.id", ondelete="CASCADE"))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id"))
    run_min_per_unit: Mapped[Decimal | None] = mapped_column(Qty, nullable=True)

    work_center: Mapped[Equipment] = relationship(lazy="joined")
    operation: Mapped[RoutingOperation] = relationship(back_populates="alternatives")

    def audit_document(self) -> tuple[str, object] | None:
        return _routing_of(self, self.operation_id)

    @property
    def work_center_code(self) -> str:
        return self.work_center.code


class OperationAttachment(Audited, IdMixin, TimestampMixin, Base):
    """A work-instruction file (drawing, PDF, photo) stored with the operation."""

    __tablename__ = "erp_operation_attachments"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("erp_routing_operations.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    operation: Mapped[RoutingOperation] = relationship(back_populates="attachments")

    def audit_document(self) -> tuple[str, object] | None:
        return _routing_of(self, self.operation_id)


# --- commands -------------------------------------------------------------------------------

class AlternativeIn(Command):
    work_center: Code
    run_min_per_unit: NonNegQty | None = None  # None: as fast as the primary work center


class OperationIn(Command):
    seq: int = Field(ge=1, le=99999)
    name: Name
    work_center: Code
    setup_min: NonNegQty = Decimal(0)
    run_min_per_unit: NonNegQty = Decimal(0)
    instructions: str = Field(default="", max_length=20000)
    skill: Code | None = None  # qualification required to run it
    alternatives: list[AlternativeIn] = Field(default_factory=list, max_length=50)


class RoutingIn(Effectivity):
    item: Code
    revision: Revision
    operations: list[OperationIn] = Field(min_length=1, max_length=500)


class RoutingPatch(Patch):
    revision: Revision | None = None
    effective_from: date | None = None
    effective_to: date | None = None


class OperationsIn(Patch):
    """The complete new list of operations (matched to the old ones by ``seq``)."""

    operations: list[OperationIn] = Field(min_length=1, max_length=500)


@dataclass(frozen=True)
class OperationTime:
    seq: int
    name: str
    work_center_code: str
    setup_min: Decimal
    run_min: Decimal
    total_min: Decimal


@dataclass(frozen=True)
class RoutingTime:
    routing_number: str
    item_code: str
    qty: Decimal
    operations: list[OperationTime]
    total_min: Decimal


# --- queries --------------------------------------------------------------------------------

def get_routing(uow: UnitOfWork, number: str) -> Routing:
    uow.actor.require(Permission.MASTERDATA_READ)
    routing = uow.session.scalar(select(Routing).where(Routing.number == number))
    if routing is None:
        raise NotFound(f"routing {number!r} does not exist")
    return routing


def list_routings(uow: UnitOfWork, page: PageRequest) -> Page[Routing]:
    uow.actor.require(Permission.MASTERDATA_READ)
    stmt = select(Routing).join(Item, Routing.item_id == Item.id)
    return paginate(uow.session, stmt, page, search=[Routing.number, Item.code, Item.name],
                    filterable={"item": Item.code, "revision": Routing.revision},
                    order_by=[Routing.number])


def routing_history(uow: UnitOfWork, number: str) -> list[AuditEntry]:
    """The routing's changes and those of its operations, alternatives and attachments."""
    uow.actor.require(Permission.AUDIT_READ)
    return history(uow.session, Routing.__tablename__, get_routing(uow, number).id)


def effective_routing(uow: UnitOfWork, item_code: str, on: date) -> Routing:
    """The routing effective ``on``; overlapping ones: the latest effective_from wins."""
    item = get_item(uow, item_code)
    routings = [r for r in uow.session.scalars(select(Routing).where(Routing.item_id == item.id))
                if r.is_effective(on)]
    if not routings:
        raise NotFound(f"item {item_code!r} has no routing effective on {on.isoformat()}")
    return max(routings, key=lambda r: (r.effective_from or date.min, r.id))


def routing_time(routing: Routing, qty: Decimal,
                 work_centers: Mapping[int, str] | None = None) -> RoutingTime:
    """Minutes to make ``qty``: per operation setup + run_min_per_unit x qty, exact.
    ``work_centers`` maps an operation seq to an alternative work center to plan on."""
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    chosen = dict(work_centers or {})
    ops: list[OperationTime] = []
    for op in routing.operations:
        code, rate = op.work_center.code, op.run_min_per_unit
        wanted = chosen.pop(op.seq, code)
        if wanted != code:
            alt = next((a for a in op.alternatives if a.work_center.code == wanted), None)
            if alt is None:
                raise ValidationFailed.on(f"work_centers.{op.seq}", "not_an_alternative",
                                          f"{wanted!r} is no work center of operation {op.seq}")
            code = wanted
            rate = alt.run_min_per_unit if alt.run_min_per_unit is not None else rate
        run = rate * qty
        ops.append(OperationTime(seq=op.seq, name=op.name, work_center_code=code,
                                 setup_min=op.setup_min, run_min=run,
                                 total_min=op.setup_min + run))
    if chosen:
        seq = min(chosen)
        raise ValidationFailed.on(f"work_centers.{seq}", "unknown_operation",
                                  f"routing {routing.number} has no operation {seq}")
    return RoutingTime(routing_number=routing.number, item_code=routing.item.code, qty=qty,
                       operations=ops, total_min=sum((o.total_min for o in ops), Decimal(0)))


# --- validation -----------------------------------------------------------------------------

Resolved = list[tuple[OperationIn, Equipment, list[tuple[AlternativeIn, Equipment]]]]


def _routed_item(uow: UnitOfWork, code: str) -> Item:
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on("item", "unknown_item", f"unknown item {code!r}")
    if item.type != ItemType.MANUFACTURED:
        raise ValidationFailed.on("item", "not_manufactured",
                                  f"item {code!r} is {item.type.value}; only manufactured items "
                                  "have a routing")
    return item


def _resolve_operations(uow: UnitOfWork, operations: Sequence[OperationIn]) -> Resolved:
    """Check every operation (all problems at once), fields named ``operations[1].seq``."""
    codes = {op.work_center for op in operations}
    codes |= {alt.work_center for op in operations for alt in op.alternatives}
    found = {e.code: e for e in uow.session.scalars(select(Equipment).where(
        Equipment.code.in_(codes)))}
    wanted_skills = {op.skill for op in operations if op.skill}
    skills = set(uow.session.scalars(select(Skill.code).where(Skill.code.in_(wanted_skills)))) \
        if wanted_skills else set()
    errors = ErrorCollector()

    def work_center(code: str, field: str) -> Equipment | None:
        wc = found.get(code)
        if wc is None:
            errors.add(field, "unknown_work_center", f"unknown work center {code!r}")
        elif wc.level != EquipmentLevel.WORK_CENTER:
            errors.add(field, "not_a_work_center", f"{code!r} is a {wc.level.value}, "
                       "not a work center")
        elif not wc.active:
            errors.add(field, "inactive_work_center", f"work center {code!r} is inactive")
        else:
            return wc
        return None

    out: Resolved = []
    seqs: set[int] = set()
    for n, op in enumerate(operations):
        where = f"operations[{n}]"
        if op.seq in seqs:
            errors.add(f"{where}.seq", "duplicate", f"operation {op.seq} is listed twice")
        seqs.add(op.seq)
        wc = work_center(op.work_center, f"{where}.work_center")
        if op.skill and op.skill not in skills:
            errors.add(f"{where}.skill", "unknown_skill", f"unknown skill {op.skill!r}")
        alts: list[tuple[AlternativeIn, Equipment]] = []
        for m, alt in enumerate(op.alternatives):
            field = f"{where}.alternatives[{m}].work_center"
            if alt.work_center == op.work_center or alt.work_center in {
                    a.work_center for a in op.alternatives[:m]}:
                errors.add(field, "duplicate", f"{alt.work_center!r} is already a work "
                           f"center of operation {op.seq}")
                continue
            alt_wc = work_center(alt.work_center, field)
            if alt_wc is not None:
                alts.append((alt, alt_wc))
        if wc is not None:
            out.append((op, wc, alts))
    errors.raise_if_any()
    return out


# --- commands -------------------------------------------------------------------------------

def create_routing(uow: UnitOfWork, data: RoutingIn) -> Routing:
    uow.actor.require(Permission.CATALOG_WRITE)
    item = _routed_item(uow, data.item)
    resolved = _resolve_operations(uow, data.operations)
    check_revision_free(uow, Routing, "routing", item, data.revision)
    routing = Routing(number=next_number(uow.session, ROUTING_SEQUENCE), item=item,
                      revision=data.revision, effective_from=data.effective_from,
                      effective_to=data.effective_to)
    uow.session.add(routing)
    _apply_operations(uow, routing, resolved)
    return routing


def update_routing(uow: UnitOfWork, number: str, data: RoutingPatch) -> Routing:
    uow.actor.require(Permission.CATALOG_WRITE)
    routing = get_routing(uow, number)
    check_version(routing, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "revision" in changes:
        if changes["revision"] is None:
            raise ValidationFailed.on("revision", "required", "may not be empty")
        check_revision_free(uow, Routing, "routing", routing.item, changes["revision"], routing.id)
    start = changes.get("effective_from", routing.effective_from)
    end = changes.get("effective_to", routing.effective_to)
    if start is not None and end is not None and end < start:
        raise ValidationFailed.on("effective_to", "before_from",
                                  "must not be before effective_from")
    for key, value in changes.items():
        setattr(routing, key, value)
    uow.flush()
    return routing


def replace_operations(uow: UnitOfWork, number: str, data: OperationsIn) -> Routing:
    """Make the operations exactly ``data.operations``; an operation keeps its identity (and
    attachments) through its seq."""
    uow.actor.require(Permission.CATALOG_WRITE)
    routing = get_routing(uow, number)
    check_version(routing, data.version)
    _apply_operations(uow, routing, _resolve_operations(uow, data.operations))
    return routing


def delete_routing(uow: UnitOfWork, number: str, version: int | None = None) -> None:
    uow.actor.require(Permission.CATALOG_WRITE)
    routing = get_routing(uow, number)
    check_version(routing, version)
    uow.session.delete(routing)
    uow.flush()


def _apply_operations(uow: UnitOfWork, routing: Routing, resolved: Resolved) -> None:
    """Diff by seq (alternatives by work center), then bump the routing's version."""
    wanted = {op.seq: (op, wc, alts) for op, wc, alts in resolved}
    for old in list(routing.operations):
        if old.seq not in wanted:
            routing.operations.remove(old)
            uow.session.delete(old)
    current = {o.seq: o for o in routing.operations}
    for seq, (op, wc, alts) in sorted(wanted.items()):
        target = current.get(seq)
        if target is None:
            target = RoutingOperation(seq=seq)
            routing.operations.append(target)
        # FK columns set directly too: the audit trail reads columns before the flush.
        target.work_center_id, target.work_center = wc.id, wc
        target.name, target.instructions = op.name, op.instructions
        target.skill_code = op.skill or None
        target.setup_min, target.run_min_per_unit = op.setup_min, op.run_min_per_unit
        keep = {alt_wc.id: alt for alt, alt_wc in alts}
        for old_alt in list(target.alternatives):
            if old_alt.work_center_id not in keep:
                target.alternatives.remove(old_alt)
                uow.session.delete(old_alt)
        have = {a.work_center_id: a for a in target.alternatives}
        for alt, alt_wc in alts:
            row = have.get(alt_wc.id)
            if row is None:
                target.alternatives.append(OperationAlternative(
                    work_center_id=alt_wc.id, work_center=alt_wc,
                    run_min_per_unit=alt.run_min_per_unit))
            else:
                row.run_min_per_unit = alt.run_min_per_unit
    _touch(uow, routing)
    routing.operations.sort(key=lambda o: o.seq)


def _touch(uow: UnitOfWork, routing: Routing) -> None:
    """Update the header row so its version goes up with any change inside the document."""
    if routing.id is not None:
        routing.updated_at = utcnow()
    uow.flush()


# --- attachments ----------------------------------------------------------------------------

def _operation(uow: UnitOfWork, number: str, seq: int) -> tuple[Routing, RoutingOperation]:
    routing = get_routing(uow, number)
    op = next((o for o in routing.operations if o.seq == seq), None)
    if op is None:
        raise NotFound(f"routing {number} has no operation {seq}")
    return routing, op


def add_attachment(uow: UnitOfWork, number: str, seq: int, filename: str,
                   content_type: str | None, content: bytes,
                   version: int | None = None) -> OperationAttachment:
    """Store a work-instruction file (at most 10 MB) with operation ``seq``."""
    uow.actor.require(Permission.CATALOG_WRITE)
    routing, op = _operation(uow, number, seq)
    check_version(routing, version)
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    if not name or len(name) > 255 or any(ord(c) < 32 for c in name):
        raise ValidationFailed.on("filename", "invalid_filename",
                                  "give a file name of 1 to 255 printable characters")
    ctype = (content_type or "").split(";")[0].strip().lower() or "application/octet-stream"
    if len(ctype) > 100 or not CONTENT_TYPE.match(ctype):
        raise ValidationFailed.on("content_type", "invalid_content_type",
                                  f"{ctype!r} is not a media type like application/pdf")
    if not content:
        raise ValidationFailed.on("file", "empty", "the file is empty")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed.on("file", "too_large",
                                  f"{len(content)} bytes is more than the "
                                  f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB allowed")
    attachment = OperationAttachment(filename=name, content_type=ctype, size=len(content),
                                     content=content)
    op.attachments.append(attachment)
    _touch(uow, routing)
    return attachment


def get_attachment(uow: UnitOfWork, number: str, seq: int,
                   attachment_id: int) -> OperationAttachment:
    """The attachment with its content loaded (the list views leave the bytes out)."""
    _, op = _operation(uow, number, seq)
    attachment = uow.session.scalar(
        select(OperationAttachment).options(undefer(OperationAttachment.content))
        .where(OperationAttachment.id == attachment_id,
               OperationAttachment.operation_id == op.id))
    if attachment is None:
        raise NotFound(f"operation {seq} of routing {number} has no attachment {attachment_id}")
    return attachment


def remove_attachment(uow: UnitOfWork, number: str, seq: int, attachment_id: int,
                      version: int | None = None) -> Routing:
    uow.actor.require(Permission.CATALOG_WRITE)
    attachment = get_attachment(uow, number, seq, attachment_id)
    routing, op = _operation(uow, number, seq)
    check_version(routing, version)
    op.attachments.remove(attachment)
    uow.session.delete(attachment)
    _touch(uow, routing)
    return routing
