"""Open items: what a customer owes us (receivable) or we owe a supplier (payable), per
document, with the part already settled. They give the AR/AP aging and stop anyone from
settling more than is owed (a check constraint backs the service's own check)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, Money, VersionedMixin, enum_column
from gemba.core.db.dialect import for_update
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.erp.partners.partner import Partner

ZERO = Decimal(0)


class OpenItemKind(StrEnum):
    RECEIVABLE = "receivable"
    PAYABLE = "payable"


class OpenItem(Audited, IdMixin, VersionedMixin, Base):
    __tablename__ = "erp_open_items"
    __table_args__ = (
        UniqueConstraint("kind", "doc_ref"),
        CheckConstraint("amount > 0 AND amount_settled >= 0 AND amount_settled <= amount",
                        name="settled_within_amount"),
    )

    kind: Mapped[OpenItemKind] = mapped_column(enum_column(OpenItemKind))
    partner_id: Mapped[int] = mapped_column(ForeignKey("erp_partners.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_ref: Mapped[str] = mapped_column(String(40))
    doc_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_settled: Mapped[Decimal] = mapped_column(Money, default=ZERO)

    partner: Mapped[Partner] = relationship(lazy="joined")

    @property
    def amount_open(self) -> Decimal:
        return self.amount - self.amount_settled


def add_open_item(uow: UnitOfWork, *, kind: OpenItemKind, partner_id: int, doc_type: str,
                  doc_ref: str, doc_date: date, due_date: date, amount: Decimal) -> OpenItem:
    item = OpenItem(kind=kind, partner_id=partner_id, doc_type=doc_type, doc_ref=doc_ref,
                    doc_date=doc_date, due_date=due_date, amount=amount, amount_settled=ZERO)
    uow.session.add(item)
    uow.flush()
    return item


def lock_open_item(uow: UnitOfWork, kind: OpenItemKind, doc_ref: str) -> OpenItem:
    item = uow.session.scalar(for_update(uow.session, select(OpenItem).where(
        OpenItem.kind == kind, OpenItem.doc_ref == doc_ref), of=OpenItem).execution_options(
        populate_existing=True))
    if item is None:
        raise NotFound(f"no open {kind.value} for document {doc_ref!r}")
    return item


def settle(uow: UnitOfWork, item: OpenItem, amount: Decimal, field: str) -> None:
    """Settle part of an item (payment, credit note); more than is open is refused."""
    if amount <= 0:
        raise ValidationFailed.on(field, "gt_zero", "must be greater than zero")
    if amount > item.amount_open:
        raise ValidationFailed.on(field, "not_more_than_owed",
                                  f"{amount} is more than the {item.amount_open} still open on "
                                  f"{item.doc_ref}")
    item.amount_settled = item.amount_settled + amount
    uow.flush()


def open_items(uow: UnitOfWork, kind: OpenItemKind, partner_id: int | None = None,
               *, lock: bool = False) -> list[OpenItem]:
    """Unsettled items, oldest due first."""
    stmt = select(OpenItem).where(OpenItem.kind == kind,
                                  OpenItem.amount_settled < OpenItem.amount)
    if partner_id is not None:
        stmt = stmt.where(OpenItem.partner_id == partner_id)
    stmt = stmt.order_by(OpenItem.due_date, OpenItem.id)
    if lock:
        stmt = for_update(uow.session, stmt, of=OpenItem).execution_options(
            populate_existing=True)
    return list(uow.session.scalars(stmt))
