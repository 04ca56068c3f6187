"""Production orders: make ``qty`` of a manufactured item by a due date, on any MES.

An order snapshots its routing operations and its BOM components (phantoms blown through)
when it is created, so later master-data edits do not change what the shop floor was asked
for. Released orders travel to the MES as an ISA-95 ProductionSchedule (``mes_link``);
every change sent after that bumps ``revision``, so the MES keeps the newest. The MES's
ProductionPerformance reports move the order on (released -> in_progress -> completed) and
post its material, output and conversion cost; ``close`` clears what is left in WIP to
production variances.

Status: planned -> released -> in_progress -> completed -> closed; planned or released ->
cancelled.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from pydantic import Field, model_validator
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Patch, PosQty
from gemba.core.db.base import (
    Base,
    IdMixin,
    Money,
    Qty,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from gemba.core.db.dialect import for_update
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.bom_explosion import explode, to_qty
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.routing import Routing, effective_routing
from gemba.erp.catalog.uom import check_precision
from gemba.erp.finance.production_posting import close_order_variance

ZERO = Decimal(0)
SEQUENCE = "production_order"
MAX_WARNINGS_CHARS = 4000


class OrderStatus(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Statuses in which the MES knows the order and may report on it.
AT_MES = frozenset({OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED})
# Statuses whose quantity and due date may still change.
EDITABLE = frozenset({OrderStatus.PLANNED, OrderStatus.RELEASED})


class ProductionOrder(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_production_orders"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_good >= 0 AND qty_scrap >= 0", name="done_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    due_date: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus),
                                                default=OrderStatus.PLANNED, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # of what the MES was sent
    bom_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    routing_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    qty_good: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    qty_scrap: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    labour_minutes: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    labour_cost: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    machine_minutes: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    machine_cost: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    warnings: Mapped[str] = mapped_column(Text, default="")  # one per line, newest last
    # Material already issued or staged for the order (imported open orders): MRP plans no
    # component requirements for it.
    kitted: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship(lazy="joined")
    operations: Mapped[list[OrderOperation]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin",
        order_by="OrderOperation.seq")
    components: Mapped[list[OrderComponent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin",
        order_by="OrderComponent.line_no")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def item_name(self) -> str:
        return self.item.name

    @property
    def uom_code(self) -> str:
        return self.item.uom.code

    @property
    def progress_pct(self) -> Decimal:
        """Good output as a share of the ordered quantity (may pass 100)."""
        return (self.qty_good * 100 / self.qty).quantize(Decimal("0.1"))

    @property
    def warning_list(self) -> list[str]:
        return [w for w in self.warnings.splitlines() if w]

    def add_warning(self, text: str) -> None:
        """Record a problem the MES's report had that did not stop it (no duplicates)."""
        if text in self.warning_list:
            return
        lines = [*self.warning_list, text]
        while len("\n".join(lines)) > MAX_WARNINGS_CHARS and len(lines) > 1:
            lines.pop(0)
        self.warnings = "\n".join(lines)


class OrderOperation(Audited, IdMixin, Base):
    """A routing operation as it was when the order was created."""

    __tablename__ = "erp_production_order_operations"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_production_orders", self.order_id)

    order_id: Mapped[int] = mapped_column(ForeignKey("erp_production_orders.id",
                                                     ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_code: Mapped[str] = mapped_column(String(40))
    setup_min: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    run_min_per_unit: Mapped[Decimal] = mapped_column(Qty, default=ZERO)

    order: Mapped[ProductionOrder] = relationship(back_populates="operations")

    def minutes(self, qty: Decimal) -> Decimal:
        return self.setup_min + self.run_min_per_unit * qty


class OrderComponent(Audited, IdMixin, Base):
    """A material the order consumes: BOM quantity per unit (scrap included) x order qty."""

    __tablename__ = "erp_production_order_components"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_production_orders", self.order_id)

    order_id: Mapped[int] = mapped_column(ForeignKey("erp_production_orders.id",
                                                     ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty_per: Mapped[Decimal] = mapped_column(Qty)  # per unit of the order's item, scrap incl.
    qty_required: Mapped[Decimal] = mapped_column(Qty)

    order: Mapped[ProductionOrder] = relationship(back_populates="components")
    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def item_name(self) -> str:
        return self.item.name

    @property
    def uom_code(self) -> str:
        return self.item.uom.code


# --- commands -----------------------------------------------------------------------------


class ProductionOrderIn(Command):
    item: Code
    qty: PosQty
    due_date: date
    start_date: date | None = None
    priority: int = Field(default=0, ge=0, le=1000)

    @model_validator(mode="after")
    def _dates(self) -> ProductionOrderIn:
        if self.start_date is not None and self.start_date > self.due_date:
            raise ValueError("start_date must not be after due_date")
        return self


class ProductionOrderPatch(Patch):
    qty: PosQty | None = None
    due_date: date | None = None
    start_date: date | None = None
    priority: int | None = Field(default=None, ge=0, le=1000)


class VersionIn(Command):
    version: int | None = Field(default=None, ge=1)


# --- queries ------------------------------------------------------------------------------


def get_production_order(uow: UnitOfWork, number: str) -> ProductionOrder:
    uow.actor.require(Permission.INVENTORY_READ)
    order = uow.session.scalar(select(ProductionOrder).where(ProductionOrder.number == number))
    if order is None:
        raise NotFound(f"production order {number!r} does not exist")
    return order


def lock_production_order(uow: UnitOfWork, number: str, field: str) -> ProductionOrder:
    """The order a MES report names, row-locked so two reports update it one after the
    other; an unknown number is a 422 on ``field``."""
    order_id = uow.session.scalar(for_update(uow.session, select(ProductionOrder.id).where(
        ProductionOrder.number == number)))
    if order_id is None:
        raise ValidationFailed.on(field, "exists",
                                  f"production order {number!r} does not exist")
    order = uow.session.get(ProductionOrder, order_id, populate_existing=True)
    assert order is not None
    return order


def list_production_orders(uow: UnitOfWork, page: PageRequest) -> Page[ProductionOrder]:
    uow.actor.require(Permission.INVENTORY_READ)
    for name, value in page.filters:
        if name == "status" and value not in {s.value for s in OrderStatus}:
            raise ValidationFailed.on("status", "unknown_status",
                                      f"{value!r} is not one of {', '.join(OrderStatus)}")
    stmt = select(ProductionOrder).join(Item, Item.id == ProductionOrder.item_id)
    return paginate(uow.session, stmt, page,
                    search=[ProductionOrder.number, Item.code, Item.name],
                    filterable={"status": ProductionOrder.status, "item": Item.code},
                    order_by=[ProductionOrder.id.desc()])


# --- snapshot -----------------------------------------------------------------------------


def _manufactured(uow: UnitOfWork, code: str) -> Item:
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on("item", "exists", f"item {code!r} does not exist")
    if item.type != ItemType.MANUFACTURED:
        raise ValidationFailed.on("item", "manufactured",
                                  f"item {code!r} is {item.type.value}; only manufactured "
                                  "items are made on production orders")
    return item


def _components(uow: UnitOfWork, item: Item, qty: Decimal,
                on: date) -> tuple[str, list[OrderComponent]]:
    """First-level components of the BOM effective ``on`` (phantoms blown through), summed
    per item; the explosion's formula includes component scrap."""
    try:
        explosion = explode(uow, item.code, qty, on)
    except NotFound as exc:
        raise ValidationFailed.on("item", "has_bom", exc.message) from exc
    totals: dict[str, Decimal] = {}
    items: dict[str, Item] = {}
    for line in explosion.lines:
        if line.level != 1:
            continue  # sub-assemblies are made on their own orders
        totals[line.component_code] = totals.get(line.component_code, ZERO) + line.gross_qty
    if totals:
        items = {i.code: i for i in uow.session.scalars(
            select(Item).where(Item.code.in_(totals)))}
    out = []
    for n, (code, total) in enumerate(sorted(totals.items()), start=1):
        out.append(OrderComponent(line_no=n * 10, item=items[code], item_id=items[code].id,
                                  qty_per=to_qty_ratio(total, qty), qty_required=total))
    return explosion.bom_number, out


def to_qty_ratio(total: Decimal, qty: Decimal) -> Decimal:
    return to_qty(Fraction(total) / Fraction(qty))


def _operations(uow: UnitOfWork, item: Item, on: date) -> tuple[str | None, list[OrderOperation]]:
    try:
        routing: Routing = effective_routing(uow, item.code, on)
    except NotFound:
        return None, []  # an order without operations: the MES reports on the order only
    return routing.number, [
        OrderOperation(seq=op.seq, name=op.name, work_center_code=op.work_center.code,
                       setup_min=op.setup_min, run_min_per_unit=op.run_min_per_unit)
        for op in routing.operations]


def _resize_components(order: ProductionOrder, qty: Decimal) -> None:
    for comp in order.components:
        new = to_qty(Fraction(comp.qty_per) * Fraction(qty))
        if new != comp.qty_required:
            comp.qty_required = new


# --- writes -------------------------------------------------------------------------------


def create_production_order(uow: UnitOfWork, data: ProductionOrderIn) -> ProductionOrder:
    """A planned order with its operations and components taken from the routing and BOM
    effective on its start date (today when none is given)."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    item = _manufactured(uow, data.item)
    check_precision(data.qty, item.uom, "qty")
    on = data.start_date or utcnow().date()
    bom_number, components = _components(uow, item, data.qty, on)
    routing_number, operations = _operations(uow, item, on)
    order = ProductionOrder(
        number=next_number(uow.session, SEQUENCE), item=item, item_id=item.id, qty=data.qty,
        due_date=data.due_date, start_date=data.start_date, priority=data.priority,
        status=OrderStatus.PLANNED, revision=1, bom_number=bom_number,
        routing_number=routing_number, qty_good=ZERO, qty_scrap=ZERO, labour_minutes=ZERO,
        labour_cost=ZERO, machine_minutes=ZERO, machine_cost=ZERO, warnings="",
        operations=operations, components=components)
    uow.session.add(order)
    uow.flush()
    return order


def _for_write(uow: UnitOfWork, number: str, version: int | None) -> ProductionOrder:
    uow.actor.require(Permission.INVENTORY_WRITE)
    order = get_production_order(uow, number)
    check_version(order, version)
    return order


def _send(uow: UnitOfWork, order: ProductionOrder) -> None:
    from gemba.erp.mes_link.schedule import publish_schedule  # mes_link reads this module

    publish_schedule(uow, order)


def update_production_order(uow: UnitOfWork, number: str,
                            data: ProductionOrderPatch) -> ProductionOrder:
    """Quantity, dates and priority while planned or released; a released order's change
    goes to the MES as the next revision."""
    order = _for_write(uow, number, data.version)
    if order.status not in EDITABLE:
        raise Conflict(f"{number} is {order.status.value}; only a planned or released order "
                       "can be changed")
    fields = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("qty", "due_date", "priority"):
        if name in fields and fields[name] is None:
            raise ValidationFailed.on(name, "required", "must not be empty")
    start = fields.get("start_date", order.start_date)
    due = fields.get("due_date", order.due_date)
    if start is not None and start > due:
        raise ValidationFailed.on("start_date", "before_due", "must not be after due_date")
    if "qty" in fields:
        check_precision(fields["qty"], order.item.uom, "qty")
        _resize_components(order, fields["qty"])
    changed = False
    for name, value in fields.items():
        if getattr(order, name) != value:
            setattr(order, name, value)
            changed = True
    if not changed:
        return order
    order.updated_at = utcnow()
    if order.status == OrderStatus.RELEASED:
        order.revision += 1
        uow.flush()
        _send(uow, order)
    uow.flush()
    return order


def release_production_order(uow: UnitOfWork, number: str,
                             version: int | None = None) -> ProductionOrder:
    """Planned -> released: the MES receives the order, in this transaction's outbox."""
    order = _for_write(uow, number, version)
    if order.status != OrderStatus.PLANNED:
        raise Conflict(f"{number} is {order.status.value}; only a planned order can be "
                       "released")
    order.status = OrderStatus.RELEASED
    uow.flush()
    _send(uow, order)
    return order


def cancel_production_order(uow: UnitOfWork, number: str,
                            version: int | None = None) -> ProductionOrder:
    """A planned order is simply cancelled; a released one is withdrawn from the MES (a new
    revision in state cancelled). Once the MES reported work, complete and close instead."""
    order = _for_write(uow, number, version)
    if order.status not in EDITABLE:
        raise Conflict(f"{number} is {order.status.value}; only a planned or released order "
                       "can be cancelled")
    was_released = order.status == OrderStatus.RELEASED
    order.status = OrderStatus.CANCELLED
    if was_released:
        order.revision += 1
        uow.flush()
        _send(uow, order)
    uow.flush()
    return order


def close_production_order(uow: UnitOfWork, number: str, version: int | None = None,
                           day: date | None = None) -> ProductionOrder:
    """Completed -> closed: what is left in WIP for the order goes to production variances,
    so a closed order leaves nothing behind in WIP."""
    order = _for_write(uow, number, version)
    if order.status != OrderStatus.COMPLETED:
        raise Conflict(f"{number} is {order.status.value}; only a completed order can be "
                       "closed")
    close_order_variance(uow, order.number, day=day or utcnow().date())
    order.status = OrderStatus.CLOSED
    uow.flush()
    return order


# Convenience aliases matching the wording.
create = create_production_order
get = get_production_order
update = update_production_order
release = release_production_order
cancel = cancel_production_order
close = close_production_order
