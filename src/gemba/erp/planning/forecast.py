"""Forecasts: independent demand nobody has ordered yet (APICS), item by due date.

MRP nets them like sales orders. A forecast is keyed by item, due date and ``ref`` (the
forecast it belongs to, e.g. ``FC-2026-W10``): setting one again changes its quantity, so a
re-imported forecast file updates instead of doubling.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, PosQty
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.erp.catalog.item import Item, ItemType
from gemba.erp.catalog.uom import check_precision

FORECASTABLE = frozenset({ItemType.PURCHASED, ItemType.MANUFACTURED})


class Forecast(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_forecasts"
    __table_args__ = (
        UniqueConstraint("item_id", "due_date", "ref"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("erp_items.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Qty)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    ref: Mapped[str] = mapped_column(String(60))

    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def item_code(self) -> str:
        return self.item.code

    @property
    def uom_code(self) -> str:
        return self.item.uom.code


class ForecastIn(Command):
    item: Code
    qty: PosQty
    due_date: date
    ref: str = Field(min_length=1, max_length=60)


def _forecastable(uow: UnitOfWork, code: str) -> Item:
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise ValidationFailed.on("item", "exists", f"item {code!r} does not exist")
    if item.type not in FORECASTABLE:
        raise ValidationFailed.on("item", "stockable",
                                  f"{code} is a {item.type.value} item; only stock items are "
                                  "forecast")
    return item


def _find(uow: UnitOfWork, item_id: int, due: date, ref: str) -> Forecast | None:
    return uow.session.scalar(select(Forecast).where(
        Forecast.item_id == item_id, Forecast.due_date == due, Forecast.ref == ref))


def create_forecast(uow: UnitOfWork, data: ForecastIn) -> Forecast:
    uow.actor.require(Permission.PLANNING_WRITE)
    item = _forecastable(uow, data.item)
    check_precision(data.qty, item.uom, "qty")
    if _find(uow, item.id, data.due_date, data.ref) is not None:
        raise Conflict(f"forecast {data.ref} already has {data.item} on {data.due_date}")
    forecast = Forecast(item=item, item_id=item.id, qty=data.qty, due_date=data.due_date,
                        ref=data.ref)
    uow.session.add(forecast)
    uow.flush()
    return forecast


def set_forecast(uow: UnitOfWork, data: ForecastIn) -> Forecast:
    """Create, or change the quantity of the forecast with this item, date and ref."""
    uow.actor.require(Permission.PLANNING_WRITE)
    item = _forecastable(uow, data.item)
    check_precision(data.qty, item.uom, "qty")
    existing = _find(uow, item.id, data.due_date, data.ref)
    if existing is None:
        return create_forecast(uow, data)
    if existing.qty != data.qty:
        existing.qty = data.qty
        uow.flush()
    return existing


def get_forecast(uow: UnitOfWork, forecast_id: int) -> Forecast:
    uow.actor.require(Permission.PLANNING_READ)
    forecast = uow.session.get(Forecast, forecast_id)
    if forecast is None:
        raise NotFound(f"forecast {forecast_id} does not exist")
    return forecast


def delete_forecast(uow: UnitOfWork, forecast_id: int, version: int | None = None) -> None:
    uow.actor.require(Permission.PLANNING_WRITE)
    forecast = get_forecast(uow, forecast_id)
    check_version(forecast, version)
    uow.session.delete(forecast)
    uow.flush()


def list_forecasts(uow: UnitOfWork, page: PageRequest) -> Page[Forecast]:
    """Filters: item (code), ref."""
    uow.actor.require(Permission.PLANNING_READ)
    stmt = select(Forecast).join(Item, Item.id == Forecast.item_id)
    return paginate(uow.session, stmt, page, search=[Item.code, Forecast.ref],
                    filterable={"item": Item.code, "ref": Forecast.ref},
                    order_by=[Forecast.due_date, Item.code, Forecast.ref])
