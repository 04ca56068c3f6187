"""Customer returns: delivered goods come back into the shipping location.

A return refers to a delivery; the goods come back in the lots they left in, valued at the
cost the delivery took out (the delivery move's document value per unit), so the return
reverses exactly the COGS booked: Dr Inventory / Cr COGS. The money side is a credit note.
Nothing is returned beyond what the delivery shipped and was not yet returned."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import Field
from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, PosQty
from gemba.core.db.base import Base, IdMixin, Qty, UtcDateTime
from gemba.core.db.dialect import for_update
from gemba.core.db.sequence import next_number
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Tracking
from gemba.erp.catalog.uom import check_precision
from gemba.erp.inventory.ledger import MoveIn, StockMove, post_moves
from gemba.erp.inventory.location import Locations
from gemba.erp.inventory.lot import Lot
from gemba.erp.sales.delivery import Delivery, DeliveryLine, DeliveryPick
from gemba.erp.sales.sales_order import SHIP_FROM, SalesOrder

SEQUENCE = "customer_return"
DOC_TYPE = "customer_return"
ZERO = Decimal(0)
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class CustomerReturn(Audited, IdMixin, Base):
    __tablename__ = "erp_customer_returns"

    number: Mapped[str] = mapped_column(String(20), unique=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("erp_deliveries.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_sales_orders.id"), index=True)
    return_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    delivery: Mapped[Delivery] = relationship(lazy="joined")
    lines: Mapped[list[CustomerReturnLine]] = relationship(
        back_populates="customer_return", cascade="all, delete-orphan", lazy="selectin",
        order_by="CustomerReturnLine.id")

    @property
    def delivery_number(self) -> str:
        return self.delivery.number

    @property
    def order_number(self) -> str:
        return self.delivery.order.number


class CustomerReturnLine(Audited, IdMixin, Base):
    """One move back: a pick of the delivery (lot and cost) and the quantity returned."""

    __tablename__ = "erp_customer_return_lines"

    def audit_document(self) -> tuple[str, object] | None:
        return ("erp_customer_returns", self.return_id)

    return_id: Mapped[int] = mapped_column(ForeignKey("erp_customer_returns.id",
                                                      ondelete="CASCADE"), index=True)
    delivery_pick_id: Mapped[int] = mapped_column(ForeignKey("erp_delivery_picks.id"),
                                                  index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    stock_move_id: Mapped[int] = mapped_column(BIG_ID, ForeignKey("erp_stock_moves.id"))

    customer_return: Mapped[CustomerReturn] = relationship(back_populates="lines")
    pick: Mapped[DeliveryPick] = relationship(lazy="joined")

    @property
    def line_no(self) -> int:
        return self.pick.line.line_no

    @property
    def item_code(self) -> str:
        return self.pick.line.item_code

    @property
    def lot_code(self) -> str | None:
        return self.pick.lot_code


# --- commands -----------------------------------------------------------------------------


class ReturnLineIn(Command):
    line_no: int = Field(ge=1)  # the order line, as on the delivery
    qty: PosQty
    lot: Code | None = None  # which delivered lot (or serial) comes back; default: any


class ReturnIn(Command):
    delivery: Code
    return_date: date | None = None  # default: today
    reason: str | None = Field(default=None, max_length=200)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=2000)


# --- queries ------------------------------------------------------------------------------


def get_return(uow: UnitOfWork, number: str) -> CustomerReturn:
    uow.actor.require(Permission.SALES_READ)
    ret = uow.session.scalar(select(CustomerReturn).where(CustomerReturn.number == number))
    if ret is None:
        raise NotFound(f"customer return {number!r} does not exist")
    return ret


def list_returns(uow: UnitOfWork, page: PageRequest) -> Page[CustomerReturn]:
    """Filters: delivery (number), order (number)."""
    uow.actor.require(Permission.SALES_READ)
    stmt = (select(CustomerReturn).join(Delivery, Delivery.id == CustomerReturn.delivery_id)
            .join(SalesOrder, SalesOrder.id == CustomerReturn.order_id))
    return paginate(uow.session, stmt, page,
                    search=[CustomerReturn.number, Delivery.number, SalesOrder.number],
                    filterable={"delivery": Delivery.number, "order": SalesOrder.number},
                    order_by=[CustomerReturn.id.desc()])


def returns_of(uow: UnitOfWork, order: SalesOrder) -> list[CustomerReturn]:
    return list(uow.session.scalars(select(CustomerReturn).where(
        CustomerReturn.order_id == order.id).order_by(CustomerReturn.id)))


# --- returning ----------------------------------------------------------------------------


def _allocate(delivery: Delivery,
              data: ReturnIn) -> list[tuple[int, DeliveryLine, DeliveryPick, Decimal]]:
    """(command line, delivery line, pick, qty): the picks the goods come back against."""
    left: dict[int, Decimal] = {p.id: p.qty - p.qty_returned
                                for dl in delivery.lines for p in dl.picks}
    asked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out = []
    for n, cmd in enumerate(data.lines):
        f = f"lines[{n}]"
        dlines = [dl for dl in delivery.lines if dl.line_no == cmd.line_no]
        if not dlines:
            raise ValidationFailed.on(f"{f}.line_no", "delivered",
                                      f"delivery {delivery.number} has no order line "
                                      f"{cmd.line_no}")
        item = dlines[0].order_line.item
        check_precision(cmd.qty, item.uom, f"{f}.qty")
        shipped = sum((dl.qty - dl.qty_returned for dl in dlines), ZERO)
        asked[cmd.line_no] += cmd.qty
        if asked[cmd.line_no] > shipped:
            raise ValidationFailed.on(
                f"{f}.qty", "not_more_than_delivered",
                f"delivery {delivery.number} line {cmd.line_no}: {shipped.normalize():f} of "
                f"{item.code} delivered and not returned; "
                f"{asked[cmd.line_no].normalize():f} asked")
        picks = [(dl, p) for dl in dlines for p in dl.picks
                 if cmd.lot is None or p.lot_code == cmd.lot]
        if cmd.lot is not None and not picks:
            raise ValidationFailed.on(f"{f}.lot", "delivered",
                                      f"lot {cmd.lot} of {item.code} was not delivered on "
                                      f"{delivery.number}")
        need = cmd.qty
        for dl, p in picks:
            take = min(need, left[p.id])
            if take > 0:
                out.append((n, dl, p, take))
                left[p.id] -= take
                need -= take
            if need == 0:
                break
        if need > 0:
            raise ValidationFailed.on(f"{f}.lot" if cmd.lot else f"{f}.qty",
                                      "not_more_than_delivered",
                                      f"only {(cmd.qty - need).normalize():f} of "
                                      f"{item.code}{' lot ' + cmd.lot if cmd.lot else ''} "
                                      f"can still come back from {delivery.number}")
    return out


def _split(qty: Decimal, serial: bool) -> list[Decimal]:
    """Serial numbers move one unit at a time."""
    return [Decimal(1)] * int(qty) if serial else [qty]


def return_goods(uow: UnitOfWork, data: ReturnIn) -> CustomerReturn:
    """Take goods back against a delivery, at the cost they left with."""
    uow.actor.require(Permission.SALES_WRITE)
    delivery = uow.session.scalar(for_update(uow.session, select(Delivery).where(
        Delivery.number == data.delivery), of=Delivery).execution_options(
        populate_existing=True))  # two returns of one delivery queue (PostgreSQL)
    if delivery is None:
        raise ValidationFailed.on("delivery", "exists",
                                  f"delivery {data.delivery!r} does not exist")
    day = data.return_date or utcnow().date()
    if day < delivery.delivery_date:
        raise ValidationFailed.on("return_date", "not_before_delivery",
                                  f"goods cannot come back before they left "
                                  f"({delivery.delivery_date})")
    allocations = _allocate(delivery, data)
    move_ids = {p.stock_move_id for _, _, p, _ in allocations}
    originals = {m.id: m for m in uow.session.scalars(select(StockMove).where(
        StockMove.id.in_(move_ids)))}
    lot_codes = {lot.id: lot.code for lot in uow.session.scalars(select(Lot).where(
        Lot.id.in_({p.lot_id for _, _, p, _ in allocations if p.lot_id})))}
    number = next_number(uow.session, SEQUENCE)
    moves: list[MoveIn] = []
    sources: list[DeliveryPick] = []
    for _, dl, pick, qty in allocations:
        item = dl.order_line.item
        original = originals[pick.stock_move_id]
        unit_cost = original.doc_value / original.qty
        for part in _split(qty, item.tracking == Tracking.SERIAL):
            moves.append(MoveIn(item=item.code, qty=part, from_location=Locations.CUSTOMER,
                                to_location=SHIP_FROM,
                                lot=lot_codes.get(pick.lot_id) if pick.lot_id else None,
                                unit_cost=unit_cost, reason=data.reason))
            sources.append(pick)
    posted = post_moves(uow, moves, doc_type=DOC_TYPE, doc_ref=number, day=day,
                        memo=f"Return {number} from {delivery.order.customer.code} "
                             f"({delivery.number})")
    ret = CustomerReturn(number=number, delivery=delivery, order_id=delivery.order_id,
                         return_date=day, reason=data.reason)
    ret.lines = [CustomerReturnLine(delivery_pick_id=pick.id, pick=pick, qty=move.qty,
                                    stock_move_id=move.id)
                 for pick, move in zip(sources, posted, strict=True)]
    uow.session.add(ret)
    for _, dl, pick, qty in allocations:
        pick.qty_returned = pick.qty_returned + qty
        dl.qty_returned = dl.qty_returned + qty
        dl.order_line.qty_returned = dl.order_line.qty_returned + qty
    uow.flush()
    return ret
