"""Suppliers deliver what they were ordered: each morning they look at the confirmed
purchase orders they have not planned yet and ship each line after their lead time, with
noise (a day early, a few days late, sometimes a short first delivery and the rest later).
Goods receiving books the receipt (lots for lot-tracked parts); the supplier's invoice arrives
a day later and the accountant posts it against the order (three-way match, sometimes at a
slightly different price)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item, Tracking
from gemba.erp.partners.partner import Partner
from gemba.erp.purchasing.bill import BillIn, BillLineIn, post_bill
from gemba.erp.purchasing.purchase_order import POStatus, PurchaseOrder, PurchaseOrderLine
from gemba.erp.purchasing.receipt import ReceiptIn, ReceiptLineIn, receive
from gemba.erp.purchasing.supplier_item import SupplierItem
from gemba.sim.clock import working_day_after
from gemba.sim.world import SimActor, Simulation, actor

RECEIVING = actor("buyer", Role.BUYER)      # goods receiving books receipts
ACCOUNTANT = actor("accountant", Role.ACCOUNTANT)
LOOK = time(7, 0)                           # suppliers read their orders
DELIVERY = time(10, 0)                      # trucks arrive
BILLING = time(9, 0)                        # invoices arrive
OPEN = (POStatus.CONFIRMED, POStatus.PARTIALLY_RECEIVED)


@dataclass(frozen=True)
class Shipment:
    order: str
    supplier: str
    day: date  # when it arrives
    lines: tuple[tuple[int, Decimal, bool], ...]  # PO line, qty, lot-tracked


class Suppliers(SimActor):
    name = "suppliers"

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.planned: set[tuple[str, int]] = set()  # PO lines a shipment was planned for

    def start(self) -> None:
        self.sim.daily(LOOK, self.read_orders)

    def read_orders(self) -> None:
        """Plan a shipment for every open PO line not planned yet."""
        today = self.sim.today
        rows = self.sim.read(_open_lines)
        by_day: dict[tuple[date, str, str], list[tuple[int, Decimal, bool]]] = \
            defaultdict(list)
        behaviour = self.sim.profile.supplier
        for po, supplier, order_date, line_no, open_qty, lead, precision, lot in rows:
            if (po, line_no) in self.planned or open_qty <= 0:
                continue
            self.planned.add((po, line_no))
            days = lead
            draw = self.rng.random()
            if draw < behaviour.early:
                days -= 1
            elif draw < behaviour.early + behaviour.late:
                days += self.rng.randint(1, behaviour.max_late_days)
            arrives = max(working_day_after(order_date, max(days, 0)), today)
            if self.rng.random() < behaviour.partial:
                first = (open_qty * Decimal("0.6")).quantize(
                    Decimal(1).scaleb(-precision), rounding=ROUND_DOWN)
                if 0 < first < open_qty:
                    by_day[(arrives, po, supplier)].append((line_no, first, lot))
                    later = working_day_after(arrives, 2)
                    by_day[(later, po, supplier)].append((line_no, open_qty - first, lot))
                    continue
            by_day[(arrives, po, supplier)].append((line_no, open_qty, lot))
        for (day, po, supplier), lines in sorted(by_day.items()):
            when = self.sim.clock.midnight(day) + DELIVERY.hour * 60 + DELIVERY.minute
            shipment = Shipment(po, supplier, day, tuple(lines))
            self.sim.at(when, lambda s=shipment: self.deliver(s))

    def deliver(self, s: Shipment) -> None:
        today = self.sim.today
        lines = [ReceiptLineIn(po_line=n, qty=qty,
                               lot=f"{s.supplier[:3]}-{s.order.rsplit('-', 1)[-1]}-{n}"
                                   f"-{today:%m%d}" if lot else None,
                               supplier_lot=f"{s.supplier[:3]}{today:%y%m%d}" if lot else None)
                 for n, qty, lot in s.lines]
        receipt = self.sim.tx(RECEIVING, receive, ReceiptIn(order=s.order, date=today,
                                                             lines=lines))
        if receipt is None:
            return
        self.sim.stats["receipts"] += 1
        self.sim.emit("stock_changed")
        bill_day = working_day_after(today, self.sim.profile.supplier.bill_after_days)
        when = self.sim.clock.midnight(bill_day) + BILLING.hour * 60 + BILLING.minute
        self.sim.at(when, lambda: self.bill(s))

    def bill(self, s: Shipment) -> None:
        """The supplier invoices what it shipped; now and then at another price."""
        change = self.rng.random() < self.sim.profile.supplier.price_change
        factor = Decimal(str(round(self.rng.uniform(0.97, 1.04), 3))) if change else None

        def post(uow: UnitOfWork) -> str:
            prices = dict(uow.session.execute(
                select(PurchaseOrderLine.line_no, PurchaseOrderLine.unit_price)
                .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                .where(PurchaseOrder.number == s.order)).all())
            lines = [BillLineIn(po_line=n, qty=qty, unit_price=None if factor is None else
                                (prices[n] * factor).quantize(Decimal("0.01"), ROUND_HALF_UP))
                     for n, qty, _ in s.lines]
            bill = post_bill(uow, BillIn(supplier_ref=f"INV-{s.order}-{s.day:%y%m%d}",
                                         date=self.sim.today, order=s.order, lines=lines))
            return bill.number

        if self.sim.tx(ACCOUNTANT, post) is not None:
            self.sim.stats["bills"] += 1


def _open_lines(uow: UnitOfWork) -> list[tuple[str, str, date, int, Decimal, int, int, bool]]:
    """(PO, supplier, order date, line, open qty, lead time days, unit precision, lot-tracked)
    of every open purchase order line, oldest first."""
    from gemba.erp.catalog.uom import Uom

    rows = uow.session.execute(
        select(PurchaseOrder.number, Partner.code, PurchaseOrder.order_date,
               PurchaseOrderLine.line_no, PurchaseOrderLine.qty,
               PurchaseOrderLine.qty_received, Item.lead_time_days, SupplierItem.lead_time_days,
               Uom.precision, Item.tracking)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .join(Partner, Partner.id == PurchaseOrder.partner_id)
        .join(Item, Item.id == PurchaseOrderLine.item_id)
        .join(Uom, Uom.id == Item.uom_id)
        .outerjoin(SupplierItem, (SupplierItem.partner_id == PurchaseOrder.partner_id)
                   & (SupplierItem.item_id == PurchaseOrderLine.item_id))
        .where(PurchaseOrder.status.in_(OPEN))
        .order_by(PurchaseOrder.number, PurchaseOrderLine.line_no)).all()
    return [(po, supplier, order_date, line_no, Decimal(qty) - Decimal(received),
             supplier_lead if supplier_lead is not None else item_lead, precision,
             tracking != Tracking.NONE)
            for po, supplier, order_date, line_no, qty, received, item_lead, supplier_lead,
            precision, tracking in rows]

