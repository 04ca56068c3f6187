"""What a simulated period produced, read back from the system with real queries and
services - never from the simulator's own bookkeeping - plus the invariants that must hold
afterwards (``checks``). No wall-clock value goes in: the same seed gives the same summary.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from gemba.core.audit.verify import verify_chain
from gemba.core.db.uow import UnitOfWork
from gemba.core.events.models import OutboxMessage
from gemba.erp.catalog.item import Item
from gemba.erp.finance.account import Accounts
from gemba.erp.finance.journal import account_balances
from gemba.erp.finance.payment import Payment, PaymentDirection
from gemba.erp.finance.reports import trial_balance
from gemba.erp.inventory.stock import ledger_matches_balances, moves_value
from gemba.erp.inventory.valuation import inventory_value
from gemba.erp.mes_link.consumer import MesRejection as ErpRejection
from gemba.erp.production.production_order import ProductionOrder
from gemba.erp.purchasing.bill import SupplierBill
from gemba.erp.purchasing.purchase_order import PurchaseOrder
from gemba.erp.purchasing.receipt import GoodsReceipt
from gemba.erp.sales.delivery import Delivery
from gemba.erp.sales.invoice import CustomerInvoice
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderLine, SalesOrderStatus
from gemba.mes import oee
from gemba.mes.erp_link.schedule_consumer import MesRejection
from gemba.mes.execution_event import EventKind, ExecutionEvent
from gemba.mes.work_order import WorkOperation, WorkOrder, WorkOrderStatus
from gemba.sim.world import Simulation

ZERO = Decimal(0)
S = SalesOrderStatus


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _qty(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value.normalize())


def _count(uow: UnitOfWork, model: Any, *where: Any) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def summarize(sim: Simulation, start: float, end: float) -> dict[str, Any]:
    """The period [start, end) in simulated minutes. OEE covers this simulation's own
    completions; the other figures cover the whole database (a demo database holds the
    opening data and the simulation only)."""
    pbt = {line: Decimal(str(round(m, 2))) for line, m in
           sim.plant.planned_busy_minutes(sim.clock, start, end).items()}
    with sim.gemba.uow() as uow:
        out: dict[str, Any] = {
            "seed": sim.seed,
            "start": sim.clock.at(start).date().isoformat(),
            "days": round((end - start) / 1440, 2),
            "orders": _orders(uow),
            "production": _production(uow),
            "oee_convention": "ISO 22400: availability = AUPT/PBT (reported minutes incl. "
                              "setup / shift time), performance = PRI*PQ/AUPT, "
                              "quality = GQ/PQ",
            "oee": _oee(uow, sim, pbt),
            "floor": _floor(uow),
            "purchasing": _purchasing(uow),
            "finance": _finance(uow),
            "simulation": {"events": dict(sorted(sim.stats.items())),
                           "refusals": dict(sorted(sim.refusals.items()))},
        }
        out["checks"] = _checks(uow, out)
    return out


def _orders(uow: UnitOfWork) -> dict[str, Any]:
    orders = uow.session.execute(
        select(SalesOrder.number, SalesOrder.status, SalesOrder.requested_date,
               SalesOrder.order_date).where(SalesOrder.status != S.CANCELLED)).all()
    last_delivery = dict(uow.session.execute(
        select(SalesOrder.number, func.max(Delivery.delivery_date))
        .join(Delivery, Delivery.order_id == SalesOrder.id).group_by(SalesOrder.number)).all())
    units: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item, qty in uow.session.execute(
            select(Item.code, SalesOrderLine.qty).join(Item, Item.id == SalesOrderLine.item_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.status != S.CANCELLED)):
        units[item] += qty
    shipped = [(n, req or day) for n, status, req, day in orders
               if status in (S.DELIVERED, S.INVOICED)]
    on_time = sum(1 for n, due in shipped if last_delivery[n] <= due)
    return {"received": len(orders), "units_ordered": {i: _qty(q) for i, q in
                                                        sorted(units.items())},
            "shipped": len(shipped), "on_time": on_time,
            "on_time_pct": round(100 * on_time / len(shipped), 1) if shipped else None,
            "open": sum(1 for _, status, _, _ in orders
                        if status in (S.CONFIRMED, S.PARTIALLY_DELIVERED))}


def _production(uow: UnitOfWork) -> dict[str, Any]:
    good: dict[str, Decimal] = defaultdict(lambda: ZERO)
    scrap: dict[str, Decimal] = defaultdict(lambda: ZERO)
    statuses: dict[str, int] = defaultdict(int)
    for item, g, s, status in uow.session.execute(
            select(Item.code, ProductionOrder.qty_good, ProductionOrder.qty_scrap,
                   ProductionOrder.status).join(Item, Item.id == ProductionOrder.item_id)):
        good[item] += g
        scrap[item] += s
        statuses[status.value] += 1
    return {"good": {i: _qty(q) for i, q in sorted(good.items()) if q},
            "scrap": {i: _qty(q) for i, q in sorted(scrap.items()) if q},
            "production_orders": dict(sorted(statuses.items())),
            "work_orders_completed": _count(uow, WorkOrder,
                                            WorkOrder.status == WorkOrderStatus.COMPLETED)}


def _completions(uow: UnitOfWork, first_event_id: int) -> list[oee.Completion]:
    rows = uow.session.execute(
        select(ExecutionEvent, WorkOperation)
        .join(WorkOperation, (WorkOperation.work_order_id == ExecutionEvent.work_order_id)
              & (WorkOperation.seq == ExecutionEvent.seq))
        .where(ExecutionEvent.kind == EventKind.COMPLETE,
               ExecutionEvent.id >= first_event_id).order_by(ExecutionEvent.id)).all()
    return oee.completions((e, op) for e, op in rows)


def _oee(uow: UnitOfWork, sim: Simulation, pbt: dict[str, Decimal]) -> dict[str, Any]:
    """Per line, over this simulation's completions and shift time."""
    line_of = {wc: line for line, codes in sim.plant.lines.items() for wc in codes}
    out = {}
    for line, e in oee.by_group(_completions(uow, sim.first_event_id), line_of, pbt).items():
        out[line] = {"oee": _ratio(e.oee), "availability": _ratio(e.availability),
                     "performance": _ratio(e.performance), "quality": _ratio(e.quality),
                     "pbt_min": _qty(e.pbt), "aupt_min": _qty(e.aupt.quantize(Decimal("0.01"))),
                     "produced": _qty(e.pq), "good": _qty(e.gq), "scrap": _qty(e.sq)}
    return out


def _floor(uow: UnitOfWork) -> dict[str, int]:
    def pauses(prefix: str) -> int:
        return _count(uow, ExecutionEvent, ExecutionEvent.kind == EventKind.PAUSE,
                      ExecutionEvent.reason.like(f"{prefix}%"))

    return {"breakdowns": pauses("breakdown"), "material_shortages": pauses("material"),
            "shift_end_pauses": pauses("end of shift"),
            "completions": _count(uow, ExecutionEvent, ExecutionEvent.kind == EventKind.COMPLETE),
            "scanned_consumptions": _count(uow, ExecutionEvent,
                                           ExecutionEvent.kind == EventKind.CONSUME,
                                           ExecutionEvent.reason.is_(None)),
            "execution_events": _count(uow, ExecutionEvent)}


def _purchasing(uow: UnitOfWork) -> dict[str, int]:
    return {"purchase_orders": _count(uow, PurchaseOrder),
            "receipts": _count(uow, GoodsReceipt), "bills": _count(uow, SupplierBill)}


def _finance(uow: UnitOfWork) -> dict[str, Any]:
    balances = {code: d - c for code, (d, c) in account_balances(uow).items()}

    def bal(code: str) -> Decimal:
        return balances.get(code, ZERO)

    revenue = -(bal(Accounts.REVENUE) + bal(Accounts.SALES_RETURNS))
    cogs = bal(Accounts.COGS)
    variances = sum((bal(a) for a in (Accounts.PURCHASE_PRICE_VARIANCE,
                                      Accounts.PRODUCTION_VARIANCE,
                                      Accounts.INVENTORY_ADJUSTMENT, Accounts.SCRAP,
                                      Accounts.REVALUATION)), ZERO)
    margin = revenue - cogs

    def paid(direction: PaymentDirection) -> Decimal:
        return sum(uow.session.scalars(select(Payment.amount).where(
            Payment.direction == direction)), ZERO)

    return {"inventory_value": _money(inventory_value(uow)), "wip": _money(bal(Accounts.WIP)),
            "revenue": _money(revenue), "cogs": _money(cogs), "gross_margin": _money(margin),
            "gross_margin_pct": round(float(100 * margin / revenue), 1) if revenue else None,
            "variances": _money(variances),
            "invoices": _count(uow, CustomerInvoice),
            "receivables_open": _money(bal(Accounts.AR)),
            "payments_received": _money(paid(PaymentDirection.RECEIVED)),
            "payments_made": _money(paid(PaymentDirection.SENT)),
            "bank": _money(bal(Accounts.BANK))}


def _checks(uow: UnitOfWork, summary: dict[str, Any]) -> dict[str, bool]:
    inventory = inventory_value(uow)
    ledger = account_balances(uow).get(Accounts.INVENTORY, (ZERO, ZERO))
    uninvoiced = _count(uow, SalesOrderLine,
                        SalesOrderLine.qty_invoiced < SalesOrderLine.qty_delivered)
    mes_good: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for product, qty in uow.session.execute(select(WorkOrder.product, WorkOrder.qty_good)):
        mes_good[product] += qty
    erp_good = {i: Decimal(str(q)) for i, q in summary["production"]["good"].items()}
    oees = [line["oee"] for line in summary["oee"].values()]
    return {
        "trial_balance_balanced": trial_balance(uow).balanced,
        "stock_ledger_matches_on_hand": ledger_matches_balances(uow),
        "inventory_matches_ledger": inventory == moves_value(uow) == ledger[0] - ledger[1],
        "all_shipped_invoiced": uninvoiced == 0,
        "outbox_drained": _count(uow, OutboxMessage, OutboxMessage.published_at.is_(None)) == 0,
        "audit_chain_intact": verify_chain(uow.session).ok,
        "no_rejected_messages": _count(uow, ErpRejection) == 0 and _count(uow, MesRejection) == 0,
        "mes_and_erp_agree_on_output": {p: q for p, q in mes_good.items() if q} == erp_good,
        "oee_in_range": bool(oees) and all(o is not None and 0 < o < 1 for o in oees),
    }
