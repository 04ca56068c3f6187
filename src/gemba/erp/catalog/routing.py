"""Routings: ordered operations on work centers, with alternatives and work instructions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin
from gemba.erp.catalog.item import Item
from gemba.erp.equipment.equipment import Equipment

ROUTING_SEQUENCE = "routing"


class Routing(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_routings"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    number: Mapped[str] = mapped_column(String(20), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    revision: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    item: Mapped[Item] = relationship(lazy="joined")
    operations: Mapped[list[RoutingOperation]] = relationship(
        back_populates="routing", cascade="all, delete-orphan", order_by="RoutingOperation.seq")


class RoutingOperation(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "erp_routing_operations"
    __table_args__ = (UniqueConstraint("routing_id", "seq"),)

    routing_id: Mapped[int] = mapped_column(ForeignKey("erp_routings.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id"), index=True)
    setup_min: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    run_min_per_unit: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    instructions: Mapped[str] = mapped_column(Text, default="")

    routing: Mapped[Routing] = relationship(back_populates="operations")
    work_center: Mapped[Equipment] = relationship(lazy="joined")
    alternatives: Mapped[list[OperationAlternative]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    attachments: Mapped[list[OperationAttachment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class OperationAlternative(Audited, IdMixin, Base):
    """Another work center that can run the operation, possibly at another speed."""

    __tablename__ = "erp_operation_alternatives"
    __table_args__ = (UniqueConstraint("operation_id", "work_center_id"),)

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("erp_routing_operations.id", ondelete="CASCADE"))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id"))
    run_min_per_unit: Mapped[Decimal | None] = mapped_column(Qty, nullable=True)

    work_center: Mapped[Equipment] = relationship(lazy="joined")


class OperationAttachment(Audited, IdMixin, TimestampMixin, Base):
    """A work-instruction file (drawing, PDF, photo) stored with the operation."""

    __tablename__ = "erp_operation_attachments"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("erp_routing_operations.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
