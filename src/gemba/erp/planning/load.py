"""What MRP plans from, read from the database in a dozen set-based queries (no per-item round
trips: a plant of 10,000 items loads in well under a second).

- items: every item but services; manufactured items are made, phantoms blown through,
  purchased items bought; precision from the unit, lot rules from the item;
- BOMs: the active BOM in force today per item (the latest ``effective_from`` wins, then the
  newest), ``qty_per`` per one unit of the parent (``qty_per / base_qty``);
- on hand: internal locations, without lots on hold or expired before today;
- demands: open lines of confirmed sales orders (ordered minus delivered) and forecasts;
- receipts: open purchase-order lines (ordered minus received) and open production orders
  (ordered minus good output); an un-kitted production order also needs what is not yet
  consumed of its components, on its start date (else its due date);
- calendar: the ERP calendar ``COMPANY`` (its holidays; working weekdays are the weekdays
  that have shifts, Monday-Friday if none), else Monday-Friday.

Refs: an order imported from demands.csv/supply.csv is named by its ref there, any other by
its Gemba number; a forecast by its own ref.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.bom import Bom, BomLine, BomStatus
from gemba.erp.catalog.bom_explosion import to_qty
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.uom import Uom
from gemba.erp.equipment.calendar import Calendar, Holiday, Shift
from gemba.erp.inventory.ledger import StockBalance, StockMove
from gemba.erp.inventory.location import Location, LocationKind
from gemba.erp.inventory.lot import Lot
from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.forecast import Forecast
from gemba.erp.planning.imported import DocType, ImportedRef
from gemba.erp.planning.model import (
    BomLine as PlanBomLine,
)
from gemba.erp.planning.model import (
    ComponentNeed,
    Demand,
    PlanningInput,
    PlanningItem,
    ScheduledReceipt,
)
from gemba.erp.production.production_order import (
    OrderComponent,
    OrderStatus,
    ProductionOrder,
)
from gemba.erp.purchasing.purchase_order import POStatus, PurchaseOrder, PurchaseOrderLine
from gemba.erp.sales.sales_order import OPEN as OPEN_SALES
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderLine

ZERO = Decimal(0)
COMPANY_CALENDAR = "COMPANY"
OPEN_PURCHASE = (POStatus.CONFIRMED, POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED,
                 POStatus.BILLED)
OPEN_PRODUCTION = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS)
PLACES = Decimal("0.000001")


def planning_input(uow: UnitOfWork, today: date) -> PlanningInput:
    uow.actor.require(Permission.PLANNING_READ)
    codes = item_codes(uow)
    items = _items(uow, today, codes)
    return PlanningInput(today=today, calendar=company_calendar(uow), items=items,
                         on_hand=_on_hand(uow, codes, today),
                         demands=sorted(_demands(uow, codes), key=_demand_key),
                         receipts=sorted(_receipts(uow, codes), key=_receipt_key))


def refresh_input(uow: UnitOfWork, previous: PlanningInput, changed: set[str],
                  codes: dict[int, str] | None = None) -> PlanningInput:
    """``previous`` with the items in ``changed`` read again: their master data and BOM, on
    hand, demands and receipts (and every open production order that needs one of them).
    Equal to ``planning_input`` when nothing else changed since ``previous`` was read.
    ``codes``: ``item_codes`` if the caller has them."""
    uow.actor.require(Permission.PLANNING_READ)
    today = previous.today
    codes = codes if codes is not None else item_codes(uow)
    ids = {item_id for item_id, code in codes.items() if code in changed}
    fresh = _items(uow, today, codes, ids)
    items = {c: i for c, i in previous.items.items() if c not in changed} | fresh
    on_hand = {c: q for c, q in previous.on_hand.items() if c not in changed}
    on_hand.update(_on_hand(uow, codes, today, ids))
    demands = [d for d in previous.demands if d.item not in changed]
    demands.extend(_demands(uow, codes, ids))
    fresh_receipts = _receipts(uow, codes, ids)
    orders = {r.ref for r in fresh_receipts if r.kind == "production_order"}
    receipts = [r for r in previous.receipts if r.item not in changed
                and not any(c.item in changed for c in r.components)
                and not (r.kind == "production_order" and r.ref in orders)]
    receipts.extend(fresh_receipts)
    return PlanningInput(today=today, calendar=company_calendar(uow), items=items,
                         on_hand=on_hand, demands=sorted(demands, key=_demand_key),
                         receipts=sorted(receipts, key=_receipt_key))


def _demand_key(d: Demand) -> tuple[str, date, str, str, Decimal]:
    return d.item, d.due, d.kind, d.ref, d.qty


def _receipt_key(r: ScheduledReceipt) -> tuple[str, date, str, str, Decimal]:
    return r.item, r.due, r.kind, r.ref, r.qty


def item_codes(uow: UnitOfWork) -> dict[int, str]:
    """Every planning item's id and code (services are not planned)."""
    return {item_id: code for item_id, code in uow.session.execute(
        select(Item.id, Item.code).where(Item.type != ItemType.SERVICE))}


@lru_cache(maxsize=1 << 16)  # plants repeat a few thousand distinct quantities
def _dec(value: object) -> Decimal:
    """A quantity as a person would write it: at most the 6 decimals a quantity carries
    (SQLite sums in binary floating point), no trailing zeros (the database pads them:
    ``20.000000``), never an exponent; MRP's messages print it as it is."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number.as_tuple().exponent < -6:  # type: ignore[operator]
        number = number.quantize(PLACES)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


# --- items and BOMs -----------------------------------------------------------------------

def _items(uow: UnitOfWork, today: date, codes: dict[int, str],
           only: set[int] | None = None) -> dict[str, PlanningItem]:
    stmt = (select(Item.id, Item.code, Item.type, Uom.precision, Item.lot_size_rule,
                   Item.lot_size_qty, Item.min_qty, Item.safety_stock, Item.lead_time_days)
            .join(Uom, Uom.id == Item.uom_id).where(Item.type != ItemType.SERVICE))
    if only is not None:
        stmt = stmt.where(Item.id.in_(only))
    rows = uow.session.execute(stmt).all()
    boms = _boms(uow, today, codes, only)
    items = {}
    for item_id, code, kind, precision, rule, lot_qty, min_qty, safety, lead in rows:
        items[code] = PlanningItem(
            code=code, make=kind != ItemType.PURCHASED, phantom=kind == ItemType.PHANTOM,
            precision=int(precision), lot_size_rule=str(rule),
            lot_size_qty=_dec(lot_qty), min_qty=_dec(min_qty), safety_stock=_dec(safety),
            lead_time_days=int(lead or 0),
            bom=boms.get(item_id, ()) if kind != ItemType.PURCHASED else ())
    return items


def _in_force(today: date):  # type: ignore[no-untyped-def]
    return and_(Bom.status == BomStatus.ACTIVE,
                or_(Bom.effective_from.is_(None), Bom.effective_from <= today),
                or_(Bom.effective_to.is_(None), Bom.effective_to >= today))


def _boms(uow: UnitOfWork, today: date, codes: dict[int, str],
          only: set[int] | None) -> dict[int, tuple[PlanBomLine, ...]]:
    """The BOM in force per item, chosen as ``bom_explosion`` chooses it."""
    chosen: dict[int, tuple[tuple[date, int], int, Decimal]] = {}
    in_force = _in_force(today)
    if only is not None:
        in_force = and_(in_force, Bom.item_id.in_(only))
    for bom_id, item_id, start, base in uow.session.execute(
            select(Bom.id, Bom.item_id, Bom.effective_from, Bom.base_qty).where(in_force)):
        key = (start or date.min, bom_id)
        if item_id not in chosen or key > chosen[item_id][0]:
            chosen[item_id] = (key, bom_id, base)
    by_bom = {bom_id: (item_id, Fraction(base)) for item_id, (_, bom_id, base) in
              chosen.items()}
    lines: dict[int, list[PlanBomLine]] = defaultdict(list)
    for bom_id, component_id, qty_per, scrap in uow.session.execute(
            select(BomLine.bom_id, BomLine.component_id, BomLine.qty_per, BomLine.scrap_pct)
            .join(Bom, Bom.id == BomLine.bom_id).where(in_force)
            .order_by(BomLine.bom_id, BomLine.seq)):
        parent = by_bom.get(bom_id)
        if parent is None or component_id not in codes:
            continue
        item_id, base = parent
        per = _dec(qty_per) if base == 1 else to_qty(Fraction(qty_per) / base)
        lines[item_id].append(PlanBomLine(codes[component_id], per, _dec(scrap)))
    return {item_id: tuple(ls) for item_id, ls in lines.items()}


# --- stock --------------------------------------------------------------------------------

def _on_hand(uow: UnitOfWork, codes: dict[int, str], today: date,
             only: set[int] | None = None) -> dict[str, Decimal]:
    usable = or_(StockBalance.lot_id.is_(None),
                 and_(Lot.on_hold.is_(False),
                      or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today)))
    stmt = (select(StockBalance.item_id, func.sum(StockBalance.qty_on_hand))
            .join(Location, Location.id == StockBalance.location_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .where(Location.kind == LocationKind.INTERNAL, StockBalance.qty_on_hand > 0, usable)
            .group_by(StockBalance.item_id))
    if only is not None:
        stmt = stmt.where(StockBalance.item_id.in_(only))
    rows = uow.session.execute(stmt)
    out = {}
    for item_id, qty in rows:
        if item_id in codes and qty:
            out[codes[item_id]] = _dec(qty)
    return out


# --- demand -------------------------------------------------------------------------------

def _imported(doc_type: DocType, number):  # type: ignore[no-untyped-def]
    """The ref an order was imported as, else its number (a correlated scalar)."""
    ref = select(ImportedRef.ref).where(ImportedRef.doc_type == doc_type,
                                        ImportedRef.doc_number == number) \
        .limit(1).scalar_subquery()
    return func.coalesce(ref, number)


def _demands(uow: UnitOfWork, codes: dict[int, str],
             only: set[int] | None = None) -> list[Demand]:
    out: list[Demand] = []
    stmt = (select(SalesOrderLine.item_id, SalesOrderLine.qty, SalesOrderLine.qty_delivered,
                   func.coalesce(SalesOrderLine.requested_date, SalesOrder.requested_date,
                                 SalesOrder.order_date),
                   _imported(DocType.SALES_ORDER, SalesOrder.number))
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.status.in_(list(OPEN_SALES)),
                   SalesOrderLine.qty_delivered < SalesOrderLine.qty)
            .order_by(SalesOrder.id, SalesOrderLine.line_no))
    forecasts = select(Forecast.item_id, Forecast.qty, Forecast.due_date, Forecast.ref) \
        .order_by(Forecast.due_date, Forecast.id)
    if only is not None:
        stmt = stmt.where(SalesOrderLine.item_id.in_(only))
        forecasts = forecasts.where(Forecast.item_id.in_(only))
    for item_id, qty, delivered, due, ref in uow.session.execute(stmt):
        if item_id in codes:
            out.append(Demand(codes[item_id], _dec(qty - delivered), _date(due), "sales_order",
                              ref))
    for item_id, qty, due, ref in uow.session.execute(forecasts):
        if item_id in codes:
            out.append(Demand(codes[item_id], _dec(qty), due, "forecast", ref))
    return out


def _date(value: object) -> date:
    """COALESCE of dates comes back as text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- supply -------------------------------------------------------------------------------

def _receipts(uow: UnitOfWork, codes: dict[int, str],
              only: set[int] | None = None) -> list[ScheduledReceipt]:
    """Open orders; with ``only``: those of these items and the production orders that need
    one of them."""
    out: list[ScheduledReceipt] = []
    stmt = (select(PurchaseOrderLine.item_id, PurchaseOrderLine.qty,
                   PurchaseOrderLine.qty_received,
                   func.coalesce(PurchaseOrderLine.expected_date, PurchaseOrder.expected_date,
                                 PurchaseOrder.order_date),
                   _imported(DocType.PURCHASE_ORDER, PurchaseOrder.number))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.status.in_(OPEN_PURCHASE),
                   PurchaseOrderLine.qty_received < PurchaseOrderLine.qty)
            .order_by(PurchaseOrder.id, PurchaseOrderLine.line_no))
    if only is not None:
        stmt = stmt.where(PurchaseOrderLine.item_id.in_(only))
    for item_id, qty, received, due, ref in uow.session.execute(stmt):
        if item_id in codes:
            out.append(ScheduledReceipt(codes[item_id], _dec(qty - received), _date(due),
                                        "purchase_order", ref))
    is_open = and_(ProductionOrder.status.in_(OPEN_PRODUCTION),
                   ProductionOrder.qty_good < ProductionOrder.qty)
    if only is not None:
        is_open = and_(is_open, or_(
            ProductionOrder.item_id.in_(only),
            ProductionOrder.id.in_(select(OrderComponent.order_id).where(
                OrderComponent.item_id.in_(only)))))
    orders = uow.session.execute(
        select(ProductionOrder.id, ProductionOrder.number, ProductionOrder.item_id,
               ProductionOrder.qty, ProductionOrder.qty_good, ProductionOrder.due_date,
               ProductionOrder.start_date, ProductionOrder.kitted,
               _imported(DocType.PRODUCTION_ORDER, ProductionOrder.number))
        .where(is_open).order_by(ProductionOrder.id)).all()
    needs = _open_components(uow, codes, is_open)
    for order_id, _number, item_id, qty, good, due, start, kitted, ref in orders:
        if item_id not in codes:
            continue
        components = () if kitted else tuple(
            ComponentNeed(code, left, start or due) for code, left in needs.get(order_id, ()))
        out.append(ScheduledReceipt(codes[item_id], _dec(qty - good), due, "production_order",
                                    ref, components))
    return out


def _open_components(uow: UnitOfWork, codes: dict[int, str],
                     open_orders: ColumnElement[bool]) -> dict[int, list[tuple[str, Decimal]]]:
    """Per open, un-kitted production order: (component, required minus consumed) > 0.

    Consumption is what the order's stock documents moved into production, less what they
    moved back (a reversal, ``REV/<number>``, moves it back too); the order's own output
    item does not count."""
    is_open = and_(open_orders, ProductionOrder.kitted.is_(False))
    required = uow.session.execute(
        select(OrderComponent.order_id, OrderComponent.item_id, OrderComponent.qty_required)
        .join(ProductionOrder, ProductionOrder.id == OrderComponent.order_id)
        .where(is_open).order_by(OrderComponent.order_id, OrderComponent.line_no)).all()
    if not required:
        return {}
    src, dst = aliased(Location), aliased(Location)
    into = dst.kind == LocationKind.PRODUCTION
    consumed: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    order_refs = select(ProductionOrder.id, ProductionOrder.number, ProductionOrder.item_id) \
        .where(is_open).subquery()
    for doc_order, item_id, to_production, qty in uow.session.execute(
            select(order_refs.c.id, StockMove.item_id, into, func.sum(StockMove.qty))
            .join(order_refs, or_(StockMove.doc_ref == order_refs.c.number,
                                  StockMove.doc_ref == literal("REV/") + order_refs.c.number))
            .join(src, src.id == StockMove.from_location_id)
            .join(dst, dst.id == StockMove.to_location_id)
            .where(or_(into, src.kind == LocationKind.PRODUCTION),
                   StockMove.item_id != order_refs.c.item_id)
            .group_by(order_refs.c.id, StockMove.item_id, into)):
        consumed[(doc_order, item_id)] += _dec(qty) if to_production else -_dec(qty)
    out: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for order_id, item_id, qty in required:
        left = qty - consumed.get((order_id, item_id), ZERO)
        if left > 0 and item_id in codes:
            out[order_id].append((codes[item_id], _dec(left)))
    return out


# --- calendar -----------------------------------------------------------------------------

def company_calendar(uow: UnitOfWork) -> WorkCalendar:
    cal_id = uow.session.scalar(select(Calendar.id).where(Calendar.code == COMPANY_CALENDAR))
    if cal_id is None:
        return WorkCalendar()
    weekdays = frozenset(uow.session.scalars(
        select(Shift.weekday).where(Shift.calendar_id == cal_id).distinct()))
    holidays = frozenset(uow.session.scalars(
        select(Holiday.day).where(Holiday.calendar_id == cal_id)))
    return WorkCalendar(weekdays or frozenset(range(5)), holidays)
