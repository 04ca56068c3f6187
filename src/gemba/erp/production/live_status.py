"""Live status of production orders: a compact snapshot for pages that follow the shop floor,
and a change token that tells a poller with one small query whether anything moved.

Pages are served by several stateless workers, so "something changed" is read from the
database, never remembered in memory. The token is exact because: every update of an order
bumps its ``version`` (optimistic locking); orders are never deleted; an order that leaves
the open statuses never comes back; each MES report applied adds an ``erp_applied_responses``
row (also when it changed nothing on the order, e.g. a "paused"). So over a fixed set of
orders (count, sum of versions, last report id) only ever grows, and over "all open orders"
the highest order id catches a new order while the count catches one that left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import Item
from gemba.erp.mes_link.performance import AppliedResponse
from gemba.erp.production.production_order import OrderStatus, ProductionOrder

# Not closed or cancelled: what a shop-floor overview follows when it names no orders.
OPEN = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS,
        OrderStatus.COMPLETED)
MAX_ORDERS = 100  # per request: a page of the list is 25
MAX_OPEN = 500  # "all open orders": the newest this many


@dataclass(frozen=True)
class OrderLive:
    """What a page shows of an order while the MES works on it."""

    number: str
    item_code: str
    status: OrderStatus
    qty: Decimal
    qty_good: Decimal
    qty_scrap: Decimal
    progress_pct: Decimal  # good as a share of qty, one decimal (may pass 100)
    mes_state: str | None  # the last MES report applied: started, paused, completed...
    mes_at: datetime | None
    version: int
    updated_at: datetime


def _scope(numbers: Sequence[str] | None) -> ColumnElement[bool]:
    if numbers is None:
        return ProductionOrder.status.in_(OPEN)
    return ProductionOrder.number.in_(numbers)


def _checked(uow: UnitOfWork, numbers: Sequence[str] | None) -> Sequence[str] | None:
    uow.actor.require(Permission.INVENTORY_READ)
    if numbers is not None and len(set(numbers)) > MAX_ORDERS:
        raise ValidationFailed.on("orders", "max_items",
                                  f"at most {MAX_ORDERS} orders can be followed at once")
    return None if numbers is None else sorted(set(numbers))


def change_token(uow: UnitOfWork, numbers: Sequence[str] | None = None) -> str:
    """An opaque string that changes whenever any of the orders (``None``: the open ones)
    or their MES reports change; one aggregate query over indexed columns."""
    numbers = _checked(uow, numbers)
    scope = _scope(numbers)
    last_report = (select(func.coalesce(func.max(AppliedResponse.id), 0))
                   .where(AppliedResponse.order_id.in_(
                       select(ProductionOrder.id).where(scope)))
                   .scalar_subquery())
    count, top, versions, report = uow.session.execute(
        select(func.count(ProductionOrder.id), func.coalesce(func.max(ProductionOrder.id), 0),
               func.coalesce(func.sum(ProductionOrder.version), 0), last_report)
        .where(scope)).one()
    return f"{count}.{top}.{versions}.{report}"


def live_snapshot(uow: UnitOfWork, numbers: Sequence[str] | None = None) -> list[OrderLive]:
    """The orders named (unknown numbers are left out), or the newest open ones, newest
    first, each with the last MES report applied to it."""
    numbers = _checked(uow, numbers)
    o = ProductionOrder
    stmt = (select(o.id, o.number, Item.code, o.status, o.qty, o.qty_good, o.qty_scrap,
                   o.version, o.updated_at)
            .join(Item, Item.id == o.item_id).where(_scope(numbers)).order_by(o.id.desc()))
    rows = uow.session.execute(stmt if numbers is not None else stmt.limit(MAX_OPEN)).all()
    last = _last_reports(uow, [r.id for r in rows])
    out = []
    for r in rows:
        state, at = last.get(r.id, (None, None))
        out.append(OrderLive(
            number=r.number, item_code=r.code, status=r.status, qty=r.qty,
            qty_good=r.qty_good, qty_scrap=r.qty_scrap,
            progress_pct=(r.qty_good * 100 / r.qty).quantize(Decimal("0.1")),
            mes_state=state, mes_at=at, version=r.version, updated_at=r.updated_at))
    return out


def _last_reports(uow: UnitOfWork, order_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    if not order_ids:
        return {}
    newest = (select(func.max(AppliedResponse.id))
              .where(AppliedResponse.order_id.in_(order_ids))
              .group_by(AppliedResponse.order_id))
    rows = uow.session.execute(
        select(AppliedResponse.order_id, AppliedResponse.state, AppliedResponse.applied_at)
        .where(AppliedResponse.id.in_(newest))).all()
    return {r.order_id: (r.state, r.applied_at) for r in rows}


def poll(uow: UnitOfWork, numbers: Sequence[str] | None,
         known: str | None) -> tuple[str, list[OrderLive] | None]:
    """The token now, and the snapshot only when it differs from ``known``. Token first:
    whatever it covers is in the snapshot read after it (a change landing in between shows
    up again as a token change on the next poll, and finds nothing new to send)."""
    token = change_token(uow, numbers)
    if token == known:
        return token, None
    return token, live_snapshot(uow, numbers)
