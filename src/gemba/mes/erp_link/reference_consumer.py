"""ISA-95 PersonnelInformation and MaterialLotInformation -> the MES's copies of people and
lots. Full-state messages: each person or lot is applied unless the MES holds a newer copy,
so duplicates and late arrivals change nothing."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from gemba.contracts.isa95 import (
    MATERIAL_LOT_INFORMATION,
    PERSONNEL_INFORMATION,
    MaterialLotInformation,
    PersonnelInformation,
    from_payload,
)
from gemba.core.db.uow import UnitOfWork
from gemba.core.events.bus import Handler
from gemba.core.events.envelope import Envelope
from gemba.mes.erp_link.schedule_consumer import apply_or_reject
from gemba.mes.material_lot import apply_lot
from gemba.mes.personnel import apply_person

CONSUMER = "mes.reference_data"


class Subscribable(Protocol):
    def subscribe(self, consumer: str, pattern: str, handler: Handler) -> None: ...


def apply_personnel(uow: UnitOfWork, msg: PersonnelInformation) -> int:
    """Returns how many persons were updated."""
    return sum(apply_person(uow, p) for p in msg.persons)


def apply_lots(uow: UnitOfWork, msg: MaterialLotInformation) -> int:
    """Returns how many lots were updated."""
    applied = sum(apply_lot(uow, lot) for lot in msg.lots)
    uow.flush()
    return applied


def handle_personnel(session: Session, env: Envelope) -> None:
    apply_or_reject(session, env, lambda uow: apply_personnel(
        uow, from_payload(PersonnelInformation, env.payload)))


def handle_lots(session: Session, env: Envelope) -> None:
    apply_or_reject(session, env, lambda uow: apply_lots(
        uow, from_payload(MaterialLotInformation, env.payload)))


def register(bus: Subscribable) -> None:
    bus.subscribe(CONSUMER, PERSONNEL_INFORMATION, handle_personnel)
    bus.subscribe(CONSUMER, MATERIAL_LOT_INFORMATION, handle_lots)
