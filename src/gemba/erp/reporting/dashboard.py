"""ERP dashboard: open orders, late receipts, stock value and margin by product.

Read-only figures computed from the documents and the stock ledger at request time (no
cached aggregates to drift). Each section needs its own read permission; sections the actor
may not see are left out rather than refused, so one page serves every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.stock import ValuationLine, valuation_report
from gemba.erp.partners.partner import Partner
from gemba.erp.purchasing.purchase_order import POStatus, PurchaseOrder, PurchaseOrderLine
from gemba.erp.sales.credit_note import CreditNoteLine
from gemba.erp.sales.invoice import CustomerInvoiceLine
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderLine, SalesOrderStatus

ZERO = Decimal(0)
OPEN_SALES = (SalesOrderStatus.CONFIRMED, SalesOrderStatus.PARTIALLY_DELIVERED,
              SalesOrderStatus.DELIVERED)
OPEN_PURCHASES = (POStatus.CONFIRMED, POStatus.PARTIALLY_RECEIVED)


@dataclass(frozen=True)
class OpenOrders:
    count: int
    value: Decimal  # undelivered / unreceived quantity at the order price


@dataclass(frozen=True)
class LateReceipt:
    po: str
    line_no: int
    supplier: str
    item: str
    expected: date
    qty_open: Decimal
    days_late: int


@dataclass(frozen=True)
class Margin:
    item: str
    name: str
    revenue: Decimal
    cogs: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cogs

    @property
    def margin_pct(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))


@dataclass
class Dashboard:
    today: date
    open_sales: OpenOrders | None = None
    open_purchases: OpenOrders | None = None
    late_receipts: list[LateReceipt] = field(default_factory=list)
    stock_value: Decimal | None = None
    top_stock: list[ValuationLine] = field(default_factory=list)
    margins: list[Margin] = field(default_factory=list)

    @property
    def total_margin(self) -> Margin:
        return Margin("", "All products", sum((m.revenue for m in self.margins), ZERO),
                      sum((m.cogs for m in self.margins), ZERO))


def _open_sales(uow: UnitOfWork) -> OpenOrders:
    open_qty = SalesOrderLine.qty - SalesOrderLine.qty_delivered
    row = uow.session.execute(
        select(func.count(func.distinct(SalesOrder.id)),
               func.coalesce(func.sum(open_qty * SalesOrderLine.unit_price), 0))
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .where(SalesOrder.status.in_(OPEN_SALES))).one()
    return OpenOrders(int(row[0]), Decimal(str(row[1])).quantize(Decimal("0.01")))


def _open_purchases(uow: UnitOfWork) -> OpenOrders:
    open_qty = PurchaseOrderLine.qty - PurchaseOrderLine.qty_received
    row = uow.session.execute(
        select(func.count(func.distinct(PurchaseOrder.id)),
               func.coalesce(func.sum(open_qty * PurchaseOrderLine.unit_price), 0))
        .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
        .where(PurchaseOrder.status.in_(OPEN_PURCHASES),
               PurchaseOrderLine.qty > PurchaseOrderLine.qty_received)).one()
    return OpenOrders(int(row[0]), Decimal(str(row[1])).quantize(Decimal("0.01")))


def _late_receipts(uow: UnitOfWork, today: date) -> list[LateReceipt]:
    expected = func.coalesce(PurchaseOrderLine.expected_date, PurchaseOrder.expected_date)
    rows = uow.session.execute(
        select(PurchaseOrder.number, PurchaseOrderLine.line_no, Partner.code, Item.code,
               expected, PurchaseOrderLine.qty - PurchaseOrderLine.qty_received)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .join(Partner, Partner.id == PurchaseOrder.partner_id)
        .join(Item, Item.id == PurchaseOrderLine.item_id)
        .where(PurchaseOrder.status.in_(OPEN_PURCHASES),
               PurchaseOrderLine.qty > PurchaseOrderLine.qty_received,
               expected < today)
        .order_by(expected, PurchaseOrder.number, PurchaseOrderLine.line_no))
    return [LateReceipt(po, n, sup, item, exp, Decimal(str(q)), (today - exp).days)
            for po, n, sup, item, exp, q in rows]


def _margins(uow: UnitOfWork) -> list[Margin]:
    """Revenue net of credit notes (invoice lines) against the cost of the goods delivered
    net of returns (the stock moves' values), per product."""
    revenue: dict[int, Decimal] = {}
    for item_id, amount in uow.session.execute(
            select(SalesOrderLine.item_id, func.sum(CustomerInvoiceLine.net_amount))
            .join(SalesOrderLine, SalesOrderLine.id == CustomerInvoiceLine.order_line_id)
            .group_by(SalesOrderLine.item_id)):
        revenue[item_id] = Decimal(str(amount or 0))
    for item_id, amount in uow.session.execute(
            select(SalesOrderLine.item_id, func.sum(CreditNoteLine.net_amount))
            .join(CustomerInvoiceLine, CustomerInvoiceLine.id == CreditNoteLine.invoice_line_id)
            .join(SalesOrderLine, SalesOrderLine.id == CustomerInvoiceLine.order_line_id)
            .group_by(SalesOrderLine.item_id)):
        revenue[item_id] = revenue.get(item_id, ZERO) - Decimal(str(amount or 0))
    cogs: dict[int, Decimal] = {}
    for item_id, value in uow.session.execute(
            select(StockMove.item_id, func.sum(StockMove.value))
            .where(StockMove.kind.in_(("delivery", "return_in")))
            .group_by(StockMove.item_id)):
        cogs[item_id] = -Decimal(str(value or 0))
    ids = set(revenue) | set(cogs)
    if not ids:
        return []
    names = {i: (c, n) for i, c, n in uow.session.execute(
        select(Item.id, Item.code, Item.name).where(Item.id.in_(ids)))}
    out = [Margin(names[i][0], names[i][1], revenue.get(i, ZERO), cogs.get(i, ZERO))
           for i in ids]
    return sorted(out, key=lambda m: (-m.margin, m.item))


def erp_dashboard(uow: UnitOfWork, today: date | None = None) -> Dashboard:
    today = today or utcnow().date()
    dash = Dashboard(today)
    actor = uow.actor
    if actor.can(Permission.SALES_READ):
        dash.open_sales = _open_sales(uow)
    if actor.can(Permission.PURCHASING_READ):
        dash.open_purchases = _open_purchases(uow)
        dash.late_receipts = _late_receipts(uow, today)
    if actor.can(Permission.INVENTORY_READ):
        lines = valuation_report(uow)
        dash.stock_value = sum((v.value for v in lines), ZERO)
        dash.top_stock = sorted(lines, key=lambda v: -v.value)[:10]
    if actor.can(Permission.SALES_READ) and actor.can(Permission.INVENTORY_READ):
        dash.margins = _margins(uow)
    return dash
