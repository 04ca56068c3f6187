"""The reference an imported open order had in the system it came from.

``demands.csv`` and ``supply.csv`` name each order by its ``ref`` there (``SO-1001``,
``PO-77``); the order gets a Gemba number as usual, and this table remembers which ref it was
imported as. That makes re-loading the same file a no-op instead of a second order, and lets
MRP peg and report by the ref the planner knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.db.base import Base, IdMixin, enum_column
from gemba.core.db.uow import UnitOfWork


class DocType(StrEnum):
    SALES_ORDER = "sales_order"
    PURCHASE_ORDER = "purchase_order"
    PRODUCTION_ORDER = "production_order"


class ImportedRef(IdMixin, Base):
    __tablename__ = "erp_imported_refs"
    __table_args__ = (UniqueConstraint("doc_type", "ref"),)

    doc_type: Mapped[DocType] = mapped_column(enum_column(DocType))
    ref: Mapped[str] = mapped_column(String(60))
    doc_number: Mapped[str] = mapped_column(String(20), index=True)


def imported_number(uow: UnitOfWork, doc_type: DocType, ref: str) -> str | None:
    """The Gemba number of the order imported as ``ref`` (None: not imported yet)."""
    return uow.session.scalar(select(ImportedRef.doc_number).where(
        ImportedRef.doc_type == doc_type, ImportedRef.ref == ref))


def remember(uow: UnitOfWork, doc_type: DocType, ref: str, number: str) -> None:
    uow.session.add(ImportedRef(doc_type=doc_type, ref=ref, doc_number=number))
    uow.flush()


def refs_by_number(uow: UnitOfWork, doc_type: DocType,
                   numbers: Iterable[str] | None = None) -> dict[str, str]:
    """Gemba number -> imported ref, for every imported order of ``doc_type`` (or those
    given)."""
    stmt = select(ImportedRef.doc_number, ImportedRef.ref).where(
        ImportedRef.doc_type == doc_type)
    if numbers is not None:
        stmt = stmt.where(ImportedRef.doc_number.in_(list(numbers)))
    return {number: ref for number, ref in uow.session.execute(stmt)}
