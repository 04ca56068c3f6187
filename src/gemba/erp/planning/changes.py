"""What changed since the last MRP run: the items a net-change run must re-plan.

Any transaction that touches what MRP reads about an item - its planning data, its BOM, its
stock (the ledger marks the items its bulk statements moved), a sales or purchase order
line, a production order or its components, a forecast, a lot's hold - records the item in
``erp_mrp_changes``, in the same transaction. ``gemba mrp run --net-change`` re-plans exactly
those items (and what they feed) and clears what it consumed; a regenerative run clears all.
Recording too much only costs time; missing a change would make the plan wrong, so the
listener errs on the side of recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gemba.core.db.base import Base, IdMixin
from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.bom import Bom, BomLine
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import TOUCHED_ITEMS
from gemba.erp.inventory.lot import Lot
from gemba.erp.planning.forecast import Forecast
from gemba.erp.production.production_order import OrderComponent, ProductionOrder
from gemba.erp.purchasing.purchase_order import PurchaseOrder, PurchaseOrderLine
from gemba.erp.sales.sales_order import SalesOrder, SalesOrderLine

_KEY = "gemba.mrp_changed_items"


class MrpChange(IdMixin, Base):
    """One item touched by a committed transaction since the run that consumed it."""

    __tablename__ = "erp_mrp_changes"

    # No foreign key: an item deleted after it changed must stay deletable.
    item_id: Mapped[int] = mapped_column(Integer, index=True)


def _items_of(obj: Any) -> Iterable[int | None]:
    if isinstance(obj, Item):
        return (obj.id,)
    if isinstance(obj, SalesOrderLine | PurchaseOrderLine | Forecast | Lot | OrderComponent):
        return (obj.item_id,)
    if isinstance(obj, BomLine):
        return (obj.component_id, obj.bom.item_id if obj.bom is not None else None)
    if isinstance(obj, Bom):
        return (obj.item_id, *(line.component_id for line in obj.lines))
    if isinstance(obj, ProductionOrder):
        return (obj.item_id, *(c.item_id for c in obj.components))
    if isinstance(obj, SalesOrder | PurchaseOrder):  # a status change moves every line
        return tuple(line.item_id for line in obj.lines)
    return ()


_WATCHED = (Item, SalesOrderLine, PurchaseOrderLine, Forecast, Lot, OrderComponent, BomLine,
            Bom, ProductionOrder, SalesOrder, PurchaseOrder)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    """Changed and deleted records are read now, while they can be; new ones after the
    flush has given them their keys."""
    new: list[Any] = session.info.setdefault(_KEY, [])
    touched: set[int] = session.info.setdefault(TOUCHED_ITEMS, set())
    for obj in session.new:
        if isinstance(obj, _WATCHED):
            new.append(obj)
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            touched.update(i for i in _items_of(obj) if i)


@event.listens_for(Session, "before_commit")
def _record(session: Session) -> None:
    session.flush()
    objs = session.info.pop(_KEY, [])
    ids = set(session.info.pop(TOUCHED_ITEMS, set()))
    for obj in objs:
        if inspect(obj).persistent:  # not created and deleted again in this transaction
            ids.update(i for i in _items_of(obj) if i)
    if ids:  # an item deleted meanwhile is dropped by ``pending_changes``' join
        session.execute(insert(MrpChange), [{"item_id": i} for i in sorted(ids)])


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(TOUCHED_ITEMS, None)


def pending_changes(uow: UnitOfWork) -> tuple[int, set[str]]:
    """(the newest change id, the codes of the items changed) not consumed by a run yet."""
    top = uow.session.scalar(select(func.max(MrpChange.id))) or 0
    codes = set(uow.session.scalars(
        select(Item.code).join(MrpChange, MrpChange.item_id == Item.id)
        .where(MrpChange.id <= top).distinct()))
    return top, codes


def consume_changes(uow: UnitOfWork, up_to: int | None = None) -> None:
    """Forget the changes a run has planned (all of them for a regenerative run)."""
    stmt = delete(MrpChange)
    if up_to is not None:
        stmt = stmt.where(MrpChange.id <= up_to)
    uow.session.execute(stmt)
