"""One self-referencing equipment table with an ISA-95 level, as Part 2 suggests."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin, enum_column
from gemba.erp.equipment.calendar import Calendar


class EquipmentLevel(StrEnum):
    ENTERPRISE = "enterprise"
    SITE = "site"
    AREA = "area"
    WORK_CENTER = "work_center"
    WORK_UNIT = "work_unit"


# Which level each level's parent must have (None: top of the tree).
PARENT_LEVEL: dict[EquipmentLevel, EquipmentLevel | None] = {
    EquipmentLevel.ENTERPRISE: None,
    EquipmentLevel.SITE: EquipmentLevel.ENTERPRISE,
    EquipmentLevel.AREA: EquipmentLevel.SITE,
    EquipmentLevel.WORK_CENTER: EquipmentLevel.AREA,
    EquipmentLevel.WORK_UNIT: EquipmentLevel.WORK_CENTER,
}


class WorkCenterKind(StrEnum):
    PRODUCTION_LINE = "production_line"
    WORK_CELL = "work_cell"
    PROCESS_CELL = "process_cell"
    STORAGE_ZONE = "storage_zone"
    MACHINE = "machine"


class Equipment(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_equipment"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[EquipmentLevel] = mapped_column(enum_column(EquipmentLevel), index=True)
    kind: Mapped[WorkCenterKind | None] = mapped_column(enum_column(WorkCenterKind),
                                                        nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("erp_equipment.id"), nullable=True,
                                                  index=True)
    # Denormalised site code: what per-site scoping filters on.
    site_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    hours_per_day: Mapped[Decimal | None] = mapped_column(Qty, nullable=True)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("erp_calendars.id"),
                                                    nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Equipment | None] = relationship(remote_side="Equipment.id", lazy="joined",
                                                    join_depth=1)
    calendar: Mapped[Calendar | None] = relationship(lazy="joined")
    capabilities: Mapped[list[EquipmentCapability]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EquipmentCapability.capability")


class EquipmentCapability(Audited, IdMixin, Base):
    """What a work center or unit can do (``milling``, ``welding``), with an optional rate."""

    __tablename__ = "erp_equipment_capabilities"
    __table_args__ = (UniqueConstraint("equipment_id", "capability"),)

    equipment_id: Mapped[int] = mapped_column(ForeignKey("erp_equipment.id",
                                                         ondelete="CASCADE"))
    capability: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200), default="")
