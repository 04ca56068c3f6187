"""Deliveries: goods leave the shipping location for the customer against order lines.

Lots and serials are picked first-expiry-first-out: the lots reserved for the line first,
then any free lot, never one on hold or expired on the delivery date. A user may name the lot
or the serial numbers instead; they are checked (right item, usable, in stock) before
anything is written. The moves go through ``post_moves`` (which books COGS / Inventory), the
line's reservation is released for the delivery and whatever is still undelivered is
reserved again."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, PosQty
from gemba.core.db.base import Base, IdMixin, Qty, UtcDateTime
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item, Tracking
from gemba.erp.catalog.uom import check_precision
from gemba.erp.inventory.ledger import MoveIn, StockBalance, post_moves
from gemba.erp.inventory.location import Location, Locations
from gemba.erp.inventory.lot import Lot, find_lot
from gemba.erp.inventory.reservation import Reservation, release
from gemba.erp.sales.sales_order import (
    OPEN,
    SHIP_FROM,
    SalesOrder,
    SalesOrderLine,
    order_for_update,
    refresh_status,
    reserve_open_qty,
)

SEQUENCE = "delivery"
ZERO = Decimal(0)
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class Delivery(Audited, IdMixin, Base):
    __tablename__ = "erp_deliveries"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_orders.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    order: Mapped[SalesOrder] = relationship(lazy="joined")
    lines: Mapped[list[DeliveryLine]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", lazy="selectin",
        order_by="DeliveryLine.id")

    @property
    def order_number(self) -> str:
        return self.order.number

    @property
    def customer_code(self) -> str:
        return self.order.customer.code


class DeliveryLine(Audited, IdMixin, Base):
    __tablename__ = "erp_delivery_lines"
    __table_args__ = (CheckConstraint("qty > 0 AND qty_returned >= 0 AND qty_returned <= qty",
                                      name="returned_within_delivered"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_deliveries", self.delivery_id)

    delivery_id: Mapped[int] = mapped_column(ForeignKey("erp_deliveries.id",
                                                        ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_order_lines.id"),
                                               index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    qty_returned: Mapped[Decimal] = mapped_column(Qty, default=ZERO)

    delivery: Mapped[Delivery] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship(lazy="joined")
    picks: Mapped[list[DeliveryPick]] = relationship(
        back_populates="line", cascade="all, delete-orphan", lazy="selectin",
        order_by="DeliveryPick.id")

    @property
    def line_no(self) -> int:
        return self.order_line.line_no

    @property
    def item_code(self) -> str:
        return self.order_line.item.code


class DeliveryPick(Audited, IdMixin, Base):
    """What one stock move took for a delivery line: a lot (or none) and its quantity."""

    __tablename__ = "erp_delivery_picks"
    __table_args__ = (CheckConstraint("qty > 0 AND qty_returned >= 0 AND qty_returned <= qty",
                                      name="returned_within_picked"),)

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_deliveries", self.delivery_id)

    delivery_id: Mapped[int] = mapped_column(ForeignKey("erp_deliveries.id",
                                                        ondelete="CASCADE"), index=True)
    delivery_line_id: Mapped[int] = mapped_column(ForeignKey("erp_delivery_lines.id",
                                                             ondelete="CASCADE"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("erp_lots.id"), nullable=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    qty_returned: Mapped[Decimal] = mapped_column(Qty, default=ZERO)
    stock_move_id: Mapped[int] = mapped_column(BIG_ID, ForeignKey("erp_stock_moves.id"))

    line: Mapped[DeliveryLine] = relationship(back_populates="picks")
    lot: Mapped[Lot | None] = relationship(lazy="joined")

    @property
    def lot_code(self) -> str | None:
        return self.lot.code if self.lot else None


# --- commands -----------------------------------------------------------------------------


class DeliveryLineIn(Command):
    line_no: int = Field(ge=1)
    qty: PosQty
    lot: Code | None = None  # take the whole quantity from this lot (or this one serial)
    serials: list[Code] = Field(default_factory=list, max_length=10000)  # one per unit


class DeliveryIn(Command):
    order: Code
    delivery_date: date | None = None  # default: today
    lines: list[DeliveryLineIn] = Field(
        default_factory=list, max_length=2000,
        description="Empty: everything still open on the order, picked FEFO.")


# --- queries ------------------------------------------------------------------------------


def _can_read(uow: UnitOfWork) -> None:
    uow.actor.require(Permission.SALES_READ)


def get_delivery(uow: UnitOfWork, number: str) -> Delivery:
    _can_read(uow)
    delivery = uow.session.scalar(select(Delivery).where(Delivery.number == number))
    if delivery is None:
        raise NotFound(f"delivery {number!r} does not exist")
    return delivery


def list_deliveries(uow: UnitOfWork, page: PageRequest) -> Page[Delivery]:
    """Filters: order (number)."""
    _can_read(uow)
    stmt = select(Delivery).join(SalesOrder, SalesOrder.id == Delivery.order_id)
    return paginate(uow.session, stmt, page, search=[Delivery.number, SalesOrder.number],
                    filterable={"order": SalesOrder.number}, order_by=[Delivery.id.desc()])


def deliveries_of(uow: UnitOfWork, order: SalesOrder) -> list[Delivery]:
    return list(uow.session.scalars(select(Delivery).where(Delivery.order_id == order.id)
                                    .order_by(Delivery.id)))


# --- picking ------------------------------------------------------------------------------


@dataclass
class _Bin:
    """A balance of the item in the shipping location, as seen by this delivery."""

    balance_id: int
    lot: Lot | None
    free: Decimal  # neither reserved by anyone nor taken by this delivery yet

    def fefo_key(self) -> tuple[bool, date, int]:
        exp = self.lot.expiry_date if self.lot else None
        return (exp is None, exp or date.max, self.balance_id)


@dataclass
class _Pick:
    n: int  # index of the command line
    so_line: SalesOrderLine
    qty: Decimal
    lot: Lot | None


class _Picker:
    """Plans every pick before anything is written, so a refusal leaves nothing behind."""

    def __init__(self, uow: UnitOfWork, day: date) -> None:
        self.uow, self.day = uow, day
        self.bins: dict[int, list[_Bin]] = {}
        self.own: dict[str, dict[int, Decimal]] = {}  # doc_ref -> balance -> still reserved

    def _bins(self, item: Item) -> list[_Bin]:
        if item.id not in self.bins:
            rows = self.uow.session.execute(
                select(StockBalance, Lot).join(Location, Location.id == StockBalance.location_id)
                .outerjoin(Lot, Lot.id == StockBalance.lot_id)
                .where(StockBalance.item_id == item.id, Location.code == SHIP_FROM,
                       StockBalance.qty_on_hand > 0)
                .execution_options(populate_existing=True)).all()
            self.bins[item.id] = [_Bin(b.id, lot, b.qty_on_hand - b.qty_reserved)
                                  for b, lot in rows]
        return self.bins[item.id]

    def _own(self, doc_ref: str) -> dict[int, Decimal]:
        if doc_ref not in self.own:
            mine: dict[int, Decimal] = defaultdict(lambda: ZERO)
            for balance_id, qty in self.uow.session.execute(
                    select(Reservation.balance_id, Reservation.qty)
                    .where(Reservation.doc_ref == doc_ref)):
                mine[balance_id] += qty
            self.own[doc_ref] = mine
        return self.own[doc_ref]

    def _usable(self, b: _Bin) -> bool:
        return b.lot is None or b.lot.usable_problem(self.day) is None

    def take(self, line: SalesOrderLine, b: _Bin, want: Decimal) -> Decimal:
        """Take up to ``want`` from a bin: the line's own reservation first, then free."""
        own = self._own(line.doc_ref)
        from_own = min(want, own.get(b.balance_id, ZERO))
        own[b.balance_id] = own.get(b.balance_id, ZERO) - from_own
        from_free = min(want - from_own, max(b.free, ZERO))
        b.free -= from_free
        return from_own + from_free

    def fefo(self, n: int, line: SalesOrderLine, qty: Decimal) -> list[_Pick]:
        item = line.item
        bins = sorted((b for b in self._bins(item) if self._usable(b)), key=_Bin.fefo_key)
        own = self._own(line.doc_ref)
        # the line's reserved lots first, each group first-expiry-first
        ordered = ([b for b in bins if own.get(b.balance_id, ZERO) > 0]
                   + [b for b in bins if own.get(b.balance_id, ZERO) <= 0])
        picks: list[_Pick] = []
        left = qty
        for b in ordered:
            if left == 0:
                break
            got = self.take(line, b, left)
            if got > 0:
                picks.append(_Pick(n, line, got, b.lot))
                left -= got
        if left > 0:
            raise ValidationFailed.on(
                f"lines[{n}].qty", "enough_stock",
                f"only {(qty - left).normalize():f} of {item.code} can be delivered from "
                f"{SHIP_FROM} on {self.day} (lots on hold or expired are skipped), "
                f"{qty.normalize():f} asked")
        return picks

    def named(self, n: int, field: str, line: SalesOrderLine, code: str,
              qty: Decimal) -> _Pick:
        item = line.item
        lot = find_lot(self.uow, item.id, code)
        if lot is None:
            other = self.uow.session.scalar(
                select(Item.code).join(Lot, Lot.item_id == Item.id).where(Lot.code == code)
                .limit(1))
            if other is not None:
                raise ValidationFailed.on(field, "right_item",
                                          f"{code} is a lot of {other}, not of {item.code}")
            raise ValidationFailed.on(field, "exists",
                                      f"lot {code} of item {item.code} does not exist")
        problem = lot.usable_problem(self.day)
        if problem:
            raise ValidationFailed.on(field, "not_on_hold" if lot.on_hold else "not_expired",
                                      problem)
        b = next((b for b in self._bins(item) if b.lot is not None and b.lot.id == lot.id),
                 None)
        got = self.take(line, b, qty) if b is not None else ZERO
        if got < qty:
            raise ValidationFailed.on(field, "enough_stock",
                                      f"only {got.normalize():f} of lot {code} of {item.code} "
                                      f"is free in {SHIP_FROM}, {qty.normalize():f} asked")
        return _Pick(n, line, qty, lot)


def _plan(uow: UnitOfWork, order: SalesOrder, data: DeliveryIn,
          day: date) -> list[tuple[int, SalesOrderLine, Decimal, list[_Pick]]]:
    """Check the command and choose the lots; (n, order line, qty, picks) per command line."""
    lines = data.lines or [DeliveryLineIn(line_no=ln.line_no, qty=ln.qty_open)
                           for ln in order.lines if ln.qty_open > 0]
    if not lines:
        raise ValidationFailed.on("lines", "not_empty", f"{order.number} has nothing left to "
                                                        "deliver")
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    picker = _Picker(uow, day)
    out = []
    for n, cmd in enumerate(lines):
        f = f"lines[{n}]"
        line = order.line(cmd.line_no)
        if line is None:
            raise ValidationFailed.on(f"{f}.line_no", "exists",
                                      f"{order.number} has no line {cmd.line_no}")
        item = line.item
        check_precision(cmd.qty, item.uom, f"{f}.qty")
        asked[line.line_no] += cmd.qty
        if asked[line.line_no] > line.qty_open:
            raise ValidationFailed.on(
                f"{f}.qty", "not_more_than_open",
                f"line {line.line_no} has {line.qty_open.normalize():f} of {item.code} left "
                f"to deliver ({line.qty.normalize():f} ordered, "
                f"{line.qty_delivered.normalize():f} delivered); "
                f"{asked[line.line_no].normalize():f} asked")
        out.append((n, line, cmd.qty, _picks(picker, n, cmd, line)))
    return out


def _picks(picker: _Picker, n: int, cmd: DeliveryLineIn, line: SalesOrderLine) -> list[_Pick]:
    f = f"lines[{n}]"
    item = line.item
    if item.tracking == Tracking.NONE and (cmd.lot or cmd.serials):
        raise ValidationFailed.on(f"{f}.lot", "not_tracked",
                                  f"{item.code} is not tracked by lot or serial")
    if item.tracking == Tracking.LOT and cmd.serials:
        raise ValidationFailed.on(f"{f}.serials", "not_serial",
                                  f"{item.code} is tracked by lot: name the lot instead")
    if cmd.lot and cmd.serials:
        raise ValidationFailed.on(f"{f}.serials", "one_of",
                                  "name either a lot or serial numbers, not both")
    if item.tracking == Tracking.SERIAL and cmd.lot and cmd.qty != 1:
        raise ValidationFailed.on(f"{f}.lot", "serial_is_one",
                                  f"{item.code} is serialised: name one serial number per "
                                  "unit in serials")
    if cmd.serials:
        if Decimal(len(cmd.serials)) != cmd.qty:
            raise ValidationFailed.on(f"{f}.serials", "one_per_unit",
                                      f"{len(cmd.serials)} serial numbers for a quantity of "
                                      f"{cmd.qty.normalize():f}")
        if len(set(cmd.serials)) != len(cmd.serials):
            raise ValidationFailed.on(f"{f}.serials", "unique", "a serial number is named twice")
        return [picker.named(n, f"{f}.serials[{k}]", line, s, Decimal(1))
                for k, s in enumerate(cmd.serials)]
    if cmd.lot:
        return [picker.named(n, f"{f}.lot", line, cmd.lot, cmd.qty)]
    return picker.fefo(n, line, cmd.qty)


# --- delivering ---------------------------------------------------------------------------


def deliver(uow: UnitOfWork, data: DeliveryIn) -> Delivery:
    """Ship order lines: all checks first, then release, move, record and re-reserve."""
    uow.actor.require(Permission.SALES_WRITE)
    order = order_for_update(uow, data.order, field="order")
    if order.status not in OPEN:
        hint = "; confirm it first" if order.status.value in ("quotation", "draft") else ""
        raise Conflict(f"sales order {order.number} is {order.status.value}{hint}: nothing "
                       "can be delivered")
    day = data.delivery_date or utcnow().date()
    plan = _plan(uow, order, data, day)

    touched = {line.id: line for _, line, _, _ in plan}
    for line in touched.values():
        release(uow, line.doc_ref)
    number = next_number(uow.session, SEQUENCE)
    picks = [p for _, _, _, ps in plan for p in ps]
    moves = [MoveIn(item=p.so_line.item.code, qty=p.qty, from_location=SHIP_FROM,
                    to_location=Locations.CUSTOMER, lot=p.lot.code if p.lot else None,
                    source=f"lines[{p.n}]")  # errors name the delivery line
             for p in picks]
    posted = post_moves(uow, moves, doc_type="delivery", doc_ref=number, day=day,
                        memo=f"Delivery {number} of {order.number} to {order.customer.code}")

    delivery = Delivery(number=number, order=order, delivery_date=day)
    uow.session.add(delivery)
    uow.flush()
    by_cmd: dict[int, DeliveryLine] = {}
    for n, line, qty, _ in plan:
        by_cmd[n] = DeliveryLine(delivery_id=delivery.id, order_line_id=line.id, qty=qty,
                                 qty_returned=ZERO)
        delivery.lines.append(by_cmd[n])
        line.qty_delivered = line.qty_delivered + qty
    uow.flush()
    for pick, move in zip(picks, posted, strict=True):
        by_cmd[pick.n].picks.append(DeliveryPick(
            delivery_id=delivery.id, lot_id=pick.lot.id if pick.lot else None, qty=pick.qty,
            qty_returned=ZERO, stock_move_id=move.id))
    refresh_status(order)
    uow.flush()
    for line in touched.values():
        reserve_open_qty(uow, line, day)
    return delivery
