"""The MES's copy of the people who may work on the floor and their qualifications, kept
from the ERP's ISA-95 PersonnelInformation (``erp_link.reference_consumer``).

The MES checks qualifications itself, so an operator with an expired certificate cannot
start an operation even while the ERP is down. A copy only moves forward: a message older
than what the MES holds (``as_of``) is ignored, so late or repeated delivery is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.contracts.isa95 import Person
from gemba.core.auth.permissions import Permission
from gemba.core.db.base import Base, IdMixin, UtcDateTime
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.types import utcnow


class MesPerson(IdMixin, Base):
    __tablename__ = "mes_persons"

    person_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    badge_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)

    qualifications: Mapped[list[MesQualification]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MesQualification.skill")

    def qualified(self, skill: str, on: date) -> bool:
        return any(q.skill == skill and (q.valid_until is None or on <= q.valid_until)
                   for q in self.qualifications)


class MesQualification(IdMixin, Base):
    __tablename__ = "mes_person_qualifications"
    __table_args__ = (UniqueConstraint("person_pk", "skill"),)

    person_pk: Mapped[int] = mapped_column(ForeignKey("mes_persons.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


def apply_person(uow: UnitOfWork, person: Person) -> bool:
    """Upsert one person unless the MES already holds a newer copy; True when applied."""
    row = uow.session.scalar(select(MesPerson).where(MesPerson.person_id == person.id))
    if row is not None and row.as_of >= person.as_of:
        return False
    if row is None:
        row = MesPerson(person_id=person.id)
        uow.session.add(row)
    row.name, row.badge_id, row.active, row.as_of = (person.name, person.badge_id,
                                                     person.active, person.as_of)
    wanted = {q.personnel_class_id: q.valid_until for q in person.qualifications}
    for held in list(row.qualifications):  # in place: (person, skill) is unique
        if held.skill not in wanted:
            row.qualifications.remove(held)
        else:
            held.valid_until = wanted.pop(held.skill)
    row.qualifications.extend(MesQualification(skill=skill, valid_until=until)
                              for skill, until in wanted.items())
    uow.flush()
    return True


def find_person(uow: UnitOfWork, person_id: str) -> MesPerson | None:
    return uow.session.scalar(select(MesPerson).where(MesPerson.person_id == person_id))


def person_by_badge(uow: UnitOfWork, badge: str) -> MesPerson:
    """Who a scanned badge belongs to (an active person), for the operator terminal."""
    uow.actor.require(Permission.MES_EXECUTE)
    badge = (badge or "").strip()
    if not badge:
        raise ValidationFailed.on("badge", "required", "scan your badge")
    person = uow.session.scalar(select(MesPerson).where(MesPerson.badge_id == badge,
                                                        MesPerson.active))
    if person is None:
        raise NotFound(f"no active operator has badge {badge!r}")
    return person


def check_qualified(uow: UnitOfWork, person_id: str, skills: Iterable[str],
                    field: str = "operator", on: date | None = None) -> None:
    """Refuse work that needs a qualification the person does not hold today. Work that
    needs none is open to anyone (also people the MES does not know)."""
    needed = [s for s in skills if s]
    if not needed:
        return
    day = on or utcnow().date()
    person = find_person(uow, person_id)
    if person is None or not person.active:
        raise ValidationFailed.on(field, "qualification",
                                  f"{person_id} is not a known active operator; this "
                                  f"operation requires {', '.join(needed)}")
    for skill in needed:
        if person.qualified(skill, day):
            continue
        held = next((q for q in person.qualifications if q.skill == skill), None)
        why = (f"{person_id}'s qualification {skill} expired on {held.valid_until}"
               if held is not None else f"{person_id} does not hold qualification {skill}")
        raise ValidationFailed.on(field, "qualification",
                                  f"{why}; this operation requires it")
