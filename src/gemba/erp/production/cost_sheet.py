"""A production order's cost sheet: planned (BOM at standard, routing time x rates) against
actual (what the stock ledger and the MES reports booked to the order's WIP).

Planned material is the components at their standard cost; an item valued at average or
FIFO without a standard cost is planned at its current average stock value instead.
Planned labour and machine cost use ``PLANNED_LABOUR_RATE`` and the MES link's machine rate,
both 0 until rates are configured, so the planned conversion cost shows minutes only.
Variance is what WIP still holds for the order (actual in - output at standard); once the
order is closed it is what closing booked to production variances.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import CostingMethod, Item
from gemba.erp.finance.account import Account, Accounts
from gemba.erp.finance.journal import JournalEntry, JournalLine
from gemba.erp.finance.production_posting import wip_balance
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.location import Location, LocationKind
from gemba.erp.inventory.valuation import ItemValuation, money
from gemba.erp.production.production_order import OrderStatus, get_production_order

ZERO = Decimal(0)
PLANNED_LABOUR_RATE = Decimal("0")  # per hour; no per-work-center labour rate exists yet
PLANNED_MACHINE_RATE = Decimal("0")  # per hour; see mes_link.performance.DEFAULT_MACHINE_RATE


@dataclass(frozen=True)
class MaterialLine:
    item_code: str
    item_name: str
    uom_code: str
    planned_qty: Decimal
    planned_cost: Decimal
    actual_qty: Decimal
    actual_cost: Decimal


@dataclass(frozen=True)
class CostSheet:
    number: str
    status: str
    item_code: str
    qty: Decimal
    qty_good: Decimal
    qty_scrap: Decimal
    materials: list[MaterialLine]
    planned_material: Decimal
    planned_minutes: Decimal
    planned_labour: Decimal
    planned_machine: Decimal
    planned_total: Decimal
    planned_output: Decimal      # ordered qty at the item's standard cost
    actual_material: Decimal     # consumed material (valuation of the moves)
    actual_labour_minutes: Decimal
    actual_labour: Decimal
    actual_machine_minutes: Decimal
    actual_machine: Decimal
    actual_total: Decimal
    actual_output: Decimal       # received output at standard
    wip: Decimal                 # still in WIP for the order
    variance: Decimal            # WIP left (open) / booked on closing (closed)


def _planned_unit_cost(uow: UnitOfWork, item: Item) -> Decimal:
    if item.costing_method == CostingMethod.STANDARD or item.standard_cost > 0:
        return item.standard_cost
    row = uow.session.get(ItemValuation, item.id)
    return row.value / row.qty if row is not None and row.qty > 0 else ZERO


def cost_sheet(uow: UnitOfWork, number: str) -> CostSheet:
    order = get_production_order(uow, number)
    src, dst = aliased(Location), aliased(Location)
    rows = uow.session.execute(
        select(Item.code, Item.name, src.kind, dst.kind, func.sum(StockMove.qty),
               func.sum(StockMove.value))
        .join(Item, Item.id == StockMove.item_id)
        .join(src, src.id == StockMove.from_location_id)
        .join(dst, dst.id == StockMove.to_location_id)
        .where(StockMove.doc_ref == order.number)
        .group_by(Item.code, Item.name, src.kind, dst.kind)).all()
    consumed: dict[str, tuple[Decimal, Decimal]] = {}
    names: dict[str, str] = {}
    output = ZERO
    for code, name, src_kind, dst_kind, qty, value in rows:
        qty, value = Decimal(str(qty)), Decimal(str(value))
        names[code] = name
        if dst_kind == LocationKind.PRODUCTION:
            q, v = consumed.get(code, (ZERO, ZERO))
            consumed[code] = (q + qty, v - value)
        elif src_kind == LocationKind.PRODUCTION:
            output += value
    lines: list[MaterialLine] = []
    for comp in order.components:
        q, v = consumed.pop(comp.item_code, (ZERO, ZERO))
        lines.append(MaterialLine(comp.item_code, comp.item_name, comp.uom_code,
                                  comp.qty_required,
                                  money(comp.qty_required * _planned_unit_cost(uow, comp.item)),
                                  q, v))
    for code, (q, v) in sorted(consumed.items()):  # consumed but not on the BOM
        item = uow.session.scalar(select(Item).where(Item.code == code))
        assert item is not None
        lines.append(MaterialLine(code, names[code], item.uom.code, ZERO, ZERO, q, v))
    minutes = sum((op.minutes(order.qty) for op in order.operations), ZERO)
    planned_material = sum((x.planned_cost for x in lines), ZERO)
    planned_labour = money(minutes * PLANNED_LABOUR_RATE / 60)
    planned_machine = money(minutes * PLANNED_MACHINE_RATE / 60)
    actual_material = sum((x.actual_cost for x in lines), ZERO)
    wip = wip_balance(uow, order.number)
    variance = wip
    if order.status == OrderStatus.CLOSED:
        variance = Decimal(str(uow.session.scalar(
            select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .join(Account, Account.id == JournalLine.account_id)
            .where(Account.code == Accounts.PRODUCTION_VARIANCE,
                   JournalEntry.source_ref == order.number))))
    return CostSheet(
        number=order.number, status=order.status.value, item_code=order.item_code,
        qty=order.qty, qty_good=order.qty_good, qty_scrap=order.qty_scrap, materials=lines,
        planned_material=planned_material, planned_minutes=minutes,
        planned_labour=planned_labour, planned_machine=planned_machine,
        planned_total=planned_material + planned_labour + planned_machine,
        planned_output=money(order.qty * order.item.standard_cost),
        actual_material=actual_material, actual_labour_minutes=order.labour_minutes,
        actual_labour=order.labour_cost, actual_machine_minutes=order.machine_minutes,
        actual_machine=order.machine_cost,
        actual_total=actual_material + order.labour_cost + order.machine_cost,
        actual_output=output, wip=wip, variance=variance)
