"""ERP master data the MES needs on the floor -> ISA-95 PersonnelInformation and
MaterialLotInformation in the outbox.

Whenever a transaction changes an employee or a qualification, or a lot's hold, expiry or
stock, the ERP tells the MES the new state of exactly those people and lots, in the same
transaction (so the copy can never miss a committed change). Messages carry full state
"as of" the commit, never deltas: sending one twice, or an old one late, is harmless.

The changes are collected by session events rather than by calls in every service: stock
moves are posted by bulk statements in the ledger (which marks the lots it touched,
``inventory.lot.mark_touched``), and the HR and lot services should not know the MES exists.
``publish_reference_data`` sends everything, for a MES that connects for the first time.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from gemba.contracts.isa95 import (
    MATERIAL_LOT_INFORMATION,
    PERSONNEL_INFORMATION,
    MaterialLot,
    MaterialLotInformation,
    MessageHeader,
    Person,
    PersonnelInformation,
    PersonQualification,
    to_payload,
)
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.events.outbox import add_to_outbox
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location, LocationKind
from gemba.erp.inventory.lot import TOUCHED_LOTS, Lot
from gemba.erp.personnel.employee import Employee, Qualification

SENDER = "gemba-erp"
_NEW = "gemba.touched_employees"  # Employee / Qualification objects changed
_GONE = "gemba.deleted_employees"
BATCH = 500  # lots or persons per message


# --- building messages --------------------------------------------------------------------


def person_of(emp: Employee) -> Person:
    return Person(id=emp.code, name=emp.name, badge_id=emp.code, active=emp.active,
                  qualifications=tuple(
                      PersonQualification(personnel_class_id=q.skill_code,
                                          valid_until=q.valid_until)
                      for q in sorted(emp.qualifications, key=lambda q: q.skill_code)),
                  as_of=utcnow())


def lot_stock(session: Session, lot_ids: Iterable[int]) -> dict[int, Decimal]:
    """Quantity of each lot in internal (stock) locations."""
    ids = list(lot_ids)
    rows = session.execute(
        select(StockBalance.lot_id, func.sum(StockBalance.qty_on_hand))
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.lot_id.in_(ids), Location.kind == LocationKind.INTERNAL)
        .group_by(StockBalance.lot_id)) if ids else []
    return {lot_id: Decimal(qty or 0) for lot_id, qty in rows}


def lots_of(session: Session, lot_ids: Iterable[int]) -> list[MaterialLot]:
    ids = sorted(set(lot_ids))
    if not ids:
        return []
    stock = lot_stock(session, ids)
    now = utcnow()
    lots = session.scalars(select(Lot).where(Lot.id.in_(ids)).order_by(Lot.id))
    return [MaterialLot(id=lot.code, material_definition_id=lot.item.code,
                        quantity=stock.get(lot.id, Decimal(0)), uom=lot.item.uom.code,
                        status="blocked" if lot.on_hold else "released",
                        status_reason=(lot.hold_reason or None) if lot.on_hold else None,
                        expiry_date=lot.expiry_date, as_of=now) for lot in lots]


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def publish_lots(session: Session, lot_ids: Iterable[int]) -> int:
    lots = lots_of(session, lot_ids)
    for chunk in _chunks(lots):
        add_to_outbox(session, MATERIAL_LOT_INFORMATION, to_payload(MaterialLotInformation(
            header=MessageHeader.new(MaterialLotInformation.MESSAGE_TYPE, SENDER),
            lots=tuple(chunk))))
    return len(lots)


def publish_people(session: Session, employee_ids: Iterable[int],
                   deleted: Iterable[tuple[str, str]] = ()) -> int:
    ids = sorted(set(employee_ids))
    people = [person_of(e) for e in session.scalars(
        select(Employee).where(Employee.id.in_(ids)).order_by(Employee.code))] if ids else []
    people += [Person(id=code, name=name, badge_id=code, active=False, as_of=utcnow())
               for code, name in deleted if code not in {p.id for p in people}]
    for chunk in _chunks(people):
        add_to_outbox(session, PERSONNEL_INFORMATION, to_payload(PersonnelInformation(
            header=MessageHeader.new(PersonnelInformation.MESSAGE_TYPE, SENDER),
            persons=tuple(chunk))))
    return len(people)


def publish_reference_data(uow: UnitOfWork) -> tuple[int, int]:
    """Every employee and every lot with stock or on hold: (persons, lots) sent."""
    uow.actor.require(Permission.MES_SUPERVISE)
    session = uow.session
    people = publish_people(session, session.scalars(select(Employee.id)))
    stocked = select(StockBalance.lot_id).where(StockBalance.lot_id.is_not(None),
                                                StockBalance.qty_on_hand > 0)
    lot_ids = session.scalars(select(Lot.id).join(Item, Item.id == Lot.item_id).where(
        Lot.id.in_(stocked) | Lot.on_hold))
    lots = publish_lots(session, lot_ids)
    uow.flush()
    return people, lots


# --- following changes --------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    info = session.info
    for obj in session.new:
        if isinstance(obj, Employee | Qualification):  # no id before the flush: keep it
            info.setdefault(_NEW, []).append(obj)
    for obj in session.dirty:
        if isinstance(obj, Employee | Qualification) and session.is_modified(obj):
            info.setdefault(_NEW, []).append(obj)
        elif isinstance(obj, Lot) and session.is_modified(obj):
            info.setdefault(TOUCHED_LOTS, set()).add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Employee):
            info.setdefault(_GONE, set()).add((obj.code, obj.name))
        elif isinstance(obj, Qualification):
            info.setdefault(_NEW, []).append(obj)


def _employee_ids(objs: list[Any]) -> set[int]:
    return {o.id if isinstance(o, Employee) else o.employee_id for o in objs} - {None}


@event.listens_for(Session, "before_commit")
def _publish(session: Session) -> None:
    session.flush()  # pending changes are collected by the flush events
    changed = _employee_ids(session.info.pop(_NEW, []))
    gone = session.info.pop(_GONE, set())
    lots = session.info.pop(TOUCHED_LOTS, set())
    alive = set(session.scalars(select(Employee.id).where(Employee.id.in_(changed)))) \
        if changed else set()
    if alive or gone:
        publish_people(session, alive, gone)
    if lots:
        publish_lots(session, lots)
    if alive or gone or lots:
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in (_NEW, _GONE, TOUCHED_LOTS):
        session.info.pop(key, None)
