"""Firming: planned orders of the stored plan become real orders in one action, in bulk, all
or nothing.

- purchase planned orders -> one *confirmed* purchase order per supplier, one line per planned
  order (its quantity, expected on its due date). Confirmed, not draft: MRP counts only
  confirmed purchase orders as scheduled receipts, so a draft would be planned again.
  The supplier is the item's preferred supplier item, else its only supplier item; an item
  without one (or with several and none preferred) is an error naming the item - never a
  made-up default supplier, which would hide the missing master data. The price is the
  supplier's price break for the quantity, else the item's standard cost; a quantity below
  the supplier's minimum is raised to that minimum (the result reports both).
- production planned orders -> a production order each (start = release date, due = due
  date), released at once: its ISA-95 ProductionSchedule goes to the MES through the outbox,
  in this transaction.
- firmed planned orders are deleted from the stored plan (with their pegging), so they cannot
  be firmed twice: an id no longer in the plan - firmed already or replaced by a later MRP
  run - is a Conflict. The item's stored MRP table still shows the planned receipt until the
  next run, which then sees the new order as a scheduled receipt (a net-change run must be
  told the firmed items changed).

Concurrency: lock order as everywhere (ADR 0006): the audit-chain head first, then the
planned-order rows (``FOR UPDATE``, by id), so two planners firming at once, or a firm racing
an MRP run, never both take the same planned order. The writes run in a savepoint, so a
failure leaves nothing behind even if the caller went on to commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, select

from gemba.core.audit.models import lock_audit_head
from gemba.core.auth.permissions import Permission
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, ErrorCollector, ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.partners.partner import Partner
from gemba.erp.planning.store import PlannedOrderPeg, PlannedOrderRecord
from gemba.erp.production.production_order import (
    ProductionOrderIn,
    create_production_order,
    release_production_order,
)
from gemba.erp.purchasing.purchase_order import (
    POLineIn,
    PurchaseOrderIn,
    confirm_purchase_order,
    create_purchase_order,
)
from gemba.erp.purchasing.supplier_item import SupplierItem

MAX_IDS = 10_000
NOTES_MAX = 1000
PURCHASE, PRODUCTION = "purchase", "production"


@dataclass(frozen=True)
class FirmedOrder:
    """One planned order and the document it became."""

    planned_order_id: int
    item: str
    kind: str               # purchase | production
    planned_qty: Decimal
    qty: Decimal            # ordered: the supplier's minimum when the plan asked for less
    release_date: date
    due_date: date
    document: str           # purchase or production order number
    line_no: int | None     # the purchase order line; None for a production order
    supplier: str | None


@dataclass(frozen=True)
class FirmResult:
    firmed: list[FirmedOrder]
    purchase_orders: list[str]
    production_orders: list[str]


@dataclass(frozen=True)
class _Planned:
    id: int
    index: int  # position in the request, for error fields ``ids[n]``
    item_id: int
    item: str
    kind: str
    qty: Decimal
    release_date: date
    due_date: date


# --- selecting ------------------------------------------------------------------------------

def _filtered(uow: UnitOfWork, what: Any, item: str | None, kind: str | None,
              expedite: bool | None, release_until: date | None) -> Select[Any]:
    uow.actor.require(Permission.PLANNING_READ)
    if kind is not None and kind not in (PURCHASE, PRODUCTION):
        raise ValidationFailed.on("kind", "one_of", f"{kind!r} is not purchase or production")
    stmt = select(what).join(Item, Item.id == PlannedOrderRecord.item_id)
    if item:
        stmt = stmt.where(Item.code == item)
    if kind:
        stmt = stmt.where(PlannedOrderRecord.kind == kind)
    if expedite is not None:
        stmt = stmt.where(PlannedOrderRecord.expedite.is_(expedite))
    if release_until is not None:
        stmt = stmt.where(PlannedOrderRecord.release_date <= release_until)
    return stmt


def planned_order_ids(uow: UnitOfWork, *, item: str | None = None, kind: str | None = None,
                      expedite: bool | None = None,
                      release_until: date | None = None) -> list[int]:
    """Ids of the stored planned orders matching every filter given (firm by filter)."""
    stmt = _filtered(uow, PlannedOrderRecord.id, item, kind, expedite, release_until)
    return list(uow.session.scalars(stmt.order_by(PlannedOrderRecord.release_date,
                                                  Item.code, PlannedOrderRecord.id)))


def find_planned_orders(uow: UnitOfWork, *, item: str | None = None, kind: str | None = None,
                        expedite: bool | None = None, release_until: date | None = None,
                        limit: int = 500) -> tuple[list[PlannedOrderRecord], int]:
    """The first ``limit`` matching planned orders by release date, and how many match."""
    stmt = _filtered(uow, PlannedOrderRecord, item, kind, expedite, release_until)
    total = uow.session.scalar(select(func.count()).select_from(
        _filtered(uow, PlannedOrderRecord.id, item, kind, expedite, release_until).subquery()))
    rows = uow.session.scalars(stmt.order_by(PlannedOrderRecord.release_date, Item.code,
                                             PlannedOrderRecord.id).limit(limit)).all()
    return list(rows), int(total or 0)


def firm_by_filter(uow: UnitOfWork, *, item: str | None = None, kind: str | None = None,
                   expedite: bool | None = None, release_until: date | None = None,
                   today: date | None = None) -> FirmResult:
    ids = planned_order_ids(uow, item=item, kind=kind, expedite=expedite,
                            release_until=release_until)
    if not ids:
        raise ValidationFailed.on("ids", "none_match", "no planned order matches the filter")
    return firm_planned_orders(uow, ids, today)


# --- firming --------------------------------------------------------------------------------

def firm_planned_orders(uow: UnitOfWork, ids: Sequence[int],
                        today: date | None = None) -> FirmResult:
    """Turn the planned orders ``ids`` into purchase and production orders, all or nothing;
    ``today`` is the purchase orders' order date (default: today)."""
    uow.actor.require(Permission.PLANNING_WRITE)
    wanted = _check_ids(ids)
    today = today or utcnow().date()
    with uow.session.begin_nested():
        lock_audit_head(uow.session)
        planned = _lock(uow, wanted)
        kinds = {p.kind for p in planned}
        if PURCHASE in kinds:
            uow.actor.require(Permission.PURCHASING_WRITE)
        if PRODUCTION in kinds:
            uow.actor.require(Permission.INVENTORY_WRITE)
        purchases = [p for p in planned if p.kind == PURCHASE]
        suppliers = _suppliers(uow, purchases)
        firmed = _purchase_orders(uow, purchases, suppliers, today)
        firmed += _production_orders(uow, [p for p in planned if p.kind == PRODUCTION])
        done = [p.id for p in planned]
        uow.session.execute(delete(PlannedOrderPeg).where(
            PlannedOrderPeg.planned_order_id.in_(done)))
        uow.session.execute(delete(PlannedOrderRecord).where(PlannedOrderRecord.id.in_(done)))
        uow.flush()
    position = {oid: n for n, oid in enumerate(wanted)}
    firmed.sort(key=lambda f: position[f.planned_order_id])
    return FirmResult(
        firmed=firmed,
        purchase_orders=sorted({f.document for f in firmed if f.kind == PURCHASE}),
        production_orders=sorted({f.document for f in firmed if f.kind == PRODUCTION}))


def _check_ids(ids: Sequence[int]) -> list[int]:
    if not ids:
        raise ValidationFailed.on("ids", "required", "name at least one planned order")
    if len(ids) > MAX_IDS:
        raise ValidationFailed.on("ids", "too_many",
                                  f"at most {MAX_IDS} planned orders at a time ({len(ids)})")
    return list(dict.fromkeys(int(i) for i in ids))  # a repeated id is firmed once


def _lock(uow: UnitOfWork, ids: list[int]) -> list[_Planned]:
    """The planned orders, row-locked in id order; any id missing is a Conflict."""
    rows = uow.session.execute(for_update(uow.session, select(
        PlannedOrderRecord.id, PlannedOrderRecord.item_id, PlannedOrderRecord.kind,
        PlannedOrderRecord.qty, PlannedOrderRecord.release_date, PlannedOrderRecord.due_date)
        .where(PlannedOrderRecord.id.in_(ids)).order_by(PlannedOrderRecord.id),
        of=PlannedOrderRecord)).all()
    found = {row[0]: row for row in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        noun = "planned order" if len(missing) == 1 else "planned orders"
        raise Conflict(f"{noun} {shown} {'is' if len(missing) == 1 else 'are'} no longer in "
                       "the plan: firmed already or replaced by a later MRP run; reload the "
                       "plan")
    codes = dict(uow.session.execute(select(Item.id, Item.code).where(
        Item.id.in_({row[1] for row in rows}))).all())
    position = {i: n for n, i in enumerate(ids)}
    return [_Planned(oid, position[oid], item_id, codes[item_id], kind, qty, release, due)
            for oid, item_id, kind, qty, release, due in
            sorted(rows, key=lambda r: position[r[0]])]


def _suppliers(uow: UnitOfWork, planned: list[_Planned]) -> dict[int, SupplierItem]:
    """Item id -> the supplier item to buy it from; every item without one is reported."""
    if not planned:
        return {}
    by_item: dict[int, list[SupplierItem]] = defaultdict(list)
    for si in uow.session.scalars(select(SupplierItem).join(
            Partner, Partner.id == SupplierItem.partner_id).where(
            SupplierItem.item_id.in_({p.item_id for p in planned})).order_by(Partner.code)):
        by_item[si.item_id].append(si)
    chosen: dict[int, SupplierItem] = {}
    errors = ErrorCollector()
    reported: set[int] = set()
    for p in planned:
        offers = by_item.get(p.item_id, [])
        preferred = [si for si in offers if si.preferred]
        pick = preferred[0] if preferred else offers[0] if len(offers) == 1 else None
        if pick is not None:
            chosen[p.item_id] = pick
            continue
        if p.item_id in reported:
            continue
        reported.add(p.item_id)
        if not offers:
            errors.add(f"ids[{p.index}]", "supplier",
                       f"{p.item} has no supplier: add a supplier item for it (purchasing) "
                       f"before firming planned order {p.id}")
        else:
            names = ", ".join(si.partner.code for si in offers)
            errors.add(f"ids[{p.index}]", "preferred_supplier",
                       f"{p.item} has several suppliers ({names}) and none is preferred: "
                       f"mark one preferred before firming planned order {p.id}")
    errors.raise_if_any()
    return chosen


def _purchase_orders(uow: UnitOfWork, planned: list[_Planned],
                     suppliers: dict[int, SupplierItem], today: date) -> list[FirmedOrder]:
    groups: dict[str, list[_Planned]] = defaultdict(list)
    for p in planned:
        groups[suppliers[p.item_id].partner.code].append(p)
    out: list[FirmedOrder] = []
    for supplier in sorted(groups):
        rows = sorted(groups[supplier], key=lambda p: (p.due_date, p.item, p.id))
        lines: list[POLineIn] = []
        for n, p in enumerate(rows, start=1):
            si = suppliers[p.item_id]
            qty = max(p.qty, si.min_qty)
            price = si.price_at(qty)
            lines.append(POLineIn(line_no=n, item=p.item, qty=qty, expected_date=p.due_date,
                                  unit_price=price if price is not None
                                  else si.item.standard_cost))
        po = create_purchase_order(uow, PurchaseOrderIn(
            supplier=supplier, order_date=today, notes=_notes(rows), lines=lines))
        confirm_purchase_order(uow, po.number)
        out.extend(FirmedOrder(p.id, p.item, PURCHASE, p.qty, line.qty, p.release_date,
                               p.due_date, po.number, line.line_no, supplier)
                   for p, line in zip(rows, lines, strict=True))
    return out


def _notes(rows: list[_Planned]) -> str:
    text = "Firmed from MRP planned orders " + ", ".join(str(p.id) for p in rows)
    return text if len(text) <= NOTES_MAX else f"Firmed from {len(rows)} MRP planned orders"


def _production_orders(uow: UnitOfWork, planned: list[_Planned]) -> list[FirmedOrder]:
    out: list[FirmedOrder] = []
    errors = ErrorCollector()
    for p in planned:
        try:
            order = create_production_order(uow, ProductionOrderIn(
                item=p.item, qty=p.qty, due_date=p.due_date, start_date=p.release_date))
            release_production_order(uow, order.number)
        except ValidationFailed as exc:  # e.g. no BOM in force: name the planned order
            for issue in exc.issues or []:
                errors.add(f"ids[{p.index}]", issue.rule,
                           f"planned order {p.id} ({p.item}): {issue.message}")
            if not exc.issues:
                errors.add(f"ids[{p.index}]", "invalid",
                           f"planned order {p.id} ({p.item}): {exc.message}")
            continue
        out.append(FirmedOrder(p.id, p.item, PRODUCTION, p.qty, p.qty, p.release_date,
                               p.due_date, order.number, None, None))
    errors.raise_if_any()
    return out
