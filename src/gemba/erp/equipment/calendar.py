"""Working calendars: weekly shifts and holidays, used for capacity and scheduling."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.db.base import Base, IdMixin, TimestampMixin, VersionedMixin


class Calendar(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_calendars"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")  # IANA name

    shifts: Mapped[list[Shift]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                               order_by="(Shift.weekday, Shift.start_time)")
    holidays: Mapped[list[Holiday]] = relationship(cascade="all, delete-orphan",
                                                   lazy="selectin", order_by="Holiday.day")


class Shift(Audited, IdMixin, Base):
    """A weekly recurring shift; ``end_time`` before ``start_time`` means it ends next day."""

    __tablename__ = "erp_shifts"
    __table_args__ = (UniqueConstraint("calendar_id", "code", "weekday"),)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id",
                                                        ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))  # e.g. EARLY, LATE, NIGHT
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday (ISO weekday - 1)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class Holiday(Audited, IdMixin, Base):
    __tablename__ = "erp_holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("erp_calendars.id",
                                                        ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
