"""Bills of materials: versioned, dated, multi-level, with component scrap and phantoms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin, enum_column
from gemba.erp.catalog.item import Item

BOM_SEQUENCE = "bom"


class BomStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    OBSOLETE = "obsolete"


class Bom(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One revision of how to make ``item``; effective between two dates (inclusive)."""

    __tablename__ = "erp_boms"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    revision: Mapped[str] = mapped_column(String(20))
    status: Mapped[BomStatus] = mapped_column(enum_column(BomStatus), default=BomStatus.ACTIVE)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The lines make this many base units of the parent (usually 1).
    base_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(1))

    item: Mapped[Item] = relationship(lazy="joined")
    lines: Mapped[list[BomLine]] = relationship(
        back_populates="bom", cascade="all, delete-orphan", order_by="BomLine.seq")

    def is_effective(self, on: date) -> bool:
        return (self.status == BomStatus.ACTIVE
                and (self.effective_from is None or self.effective_from <= on)
                and (self.effective_to is None or on <= self.effective_to))


class BomLine(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_bom_lines"
    __table_args__ = (UniqueConstraint("bom_id", "seq"),)

    bom_id: Mapped[int] = mapped_column(ForeignKey("erp_boms.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty_per: Mapped[Decimal] = mapped_column(Qty)  # in the component's base unit
    scrap_pct: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))

    bom: Mapped[Bom] = relationship(back_populates="lines")
    component: Mapped[Item] = relationship(lazy="joined")
