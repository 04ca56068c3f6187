"""Shipping, twice a day: the open sales orders, most urgent first, that can go out complete
(what is reserved for them plus what is free) are delivered; the rest wait for production."""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from decimal import Decimal

from sqlalchemy import func, select

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location
from gemba.erp.inventory.lot import Lot
from gemba.erp.inventory.reservation import Reservation
from gemba.erp.sales.delivery import DeliveryIn, deliver
from gemba.erp.sales.sales_order import OPEN, SHIP_FROM, SalesOrder, SalesOrderLine
from gemba.sim.world import SimActor, actor

SALES = actor("sales", Role.SALES)
ZERO = Decimal(0)


class Shipping(SimActor):
    name = "shipping"

    def start(self) -> None:
        for at in (time(13, 30), time(21, 30)):
            self.sim.daily(at, self.ship)

    def ship(self) -> None:
        today = self.sim.today
        orders, free, own = self.sim.read(_open_orders)
        shipped = 0
        for number, lines in orders:
            if not all(own.get(ref, ZERO) + free[item] >= qty for ref, item, qty in lines):
                continue
            if self.sim.tx(SALES, deliver, DeliveryIn(order=number, delivery_date=today)) \
                    is None:
                continue
            shipped += 1
            for ref, item, qty in lines:
                free[item] -= max(qty - own.get(ref, ZERO), ZERO)
        if shipped:
            self.sim.stats["deliveries"] += shipped
            self.sim.emit("stock_changed")


def _open_orders(uow: UnitOfWork) -> tuple[list[tuple[str, list[tuple[str, str, Decimal]]]],
                                           dict[str, Decimal], dict[str, Decimal]]:
    """Open orders by requested date (then number) with their lines' (reservation ref, item,
    open qty); free stock per item at the shipping location; reserved qty per line ref."""
    rows = uow.session.execute(
        select(SalesOrder.number, SalesOrder.requested_date, SalesOrder.order_date,
               SalesOrderLine.line_no, Item.code, SalesOrderLine.qty,
               SalesOrderLine.qty_delivered)
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(SalesOrder.status.in_(list(OPEN)))
        .order_by(func.coalesce(SalesOrder.requested_date, SalesOrder.order_date),
                  SalesOrder.number, SalesOrderLine.line_no)).all()
    orders: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for number, _req, _day, line_no, item, qty, delivered in rows:
        open_qty = Decimal(qty) - Decimal(delivered)
        if open_qty > 0:
            orders[number].append((f"{number}/{line_no}", item, open_qty))
    free: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item, on_hand, reserved in uow.session.execute(  # summed here: exact on SQLite too
            select(Item.code, StockBalance.qty_on_hand, StockBalance.qty_reserved)
            .join(Item, Item.id == StockBalance.item_id)
            .join(Location, Location.id == StockBalance.location_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .where(Location.code == SHIP_FROM, (Lot.id.is_(None)) | (Lot.on_hold.is_(False)))):
        free[item] += on_hand - reserved
    refs = [ref for lines in orders.values() for ref, _, _ in lines]
    own: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if refs:
        for ref, qty in uow.session.execute(
                select(Reservation.doc_ref, Reservation.qty)
                .where(Reservation.doc_ref.in_(refs))):
            own[ref] += qty
    return list(orders.items()), free, own
