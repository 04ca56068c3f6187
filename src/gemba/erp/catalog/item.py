"""Items (ISA-95 material definitions): what is bought, made, sold or consumed."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, NonNegMoney, NonNegQty, Patch
from gemba.core.db.base import (
    Base,
    IdMixin,
    Money,
    Qty,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.erp.catalog.uom import Uom, check_precision, find_uom


class ItemType(StrEnum):
    PURCHASED = "purchased"
    MANUFACTURED = "manufactured"
    PHANTOM = "phantom"
    SERVICE = "service"


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class CostingMethod(StrEnum):
    """How stock of the item is valued (APICS): standard, moving average or FIFO layers."""

    STANDARD = "standard"
    AVERAGE = "average"
    FIFO = "fifo"


class LotSizeRule(StrEnum):
    LOT_FOR_LOT = "lfl"
    FIXED = "fixed"
    PERIOD_ORDER_QTY = "poq"


class Item(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_items"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[ItemType] = mapped_column(enum_column(ItemType))
    uom_id: Mapped[int] = mapped_column(ForeignKey("erp_uoms.id"))
    tracking: Mapped[Tracking] = mapped_column(enum_column(Tracking), default=Tracking.NONE)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    standard_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    costing_method: Mapped[CostingMethod] = mapped_column(enum_column(CostingMethod),
                                                          default=CostingMethod.STANDARD)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    lot_size_rule: Mapped[LotSizeRule] = mapped_column(enum_column(LotSizeRule),
                                                       default=LotSizeRule.LOT_FOR_LOT)
    lot_size_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    min_qty: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))
    safety_stock: Mapped[Decimal] = mapped_column(Qty, default=Decimal(0))

    uom: Mapped[Uom] = relationship(lazy="joined")

    @property
    def uom_code(self) -> str:
        return self.uom.code


class _ItemRules(Command):
    @model_validator(mode="after")
    def _lot_size(self) -> _ItemRules:
        rule = getattr(self, "lot_size_rule", None)
        qty = getattr(self, "lot_size_qty", None)
        if rule in (LotSizeRule.FIXED, LotSizeRule.PERIOD_ORDER_QTY) and not qty:
            raise ValueError(
                "lot_size_qty must be > 0 for the fixed (quantity) and poq (periods) rules")
        return self


class ItemIn(_ItemRules):
    code: Code
    name: Name
    type: ItemType
    uom: Code
    tracking: Tracking = Tracking.NONE
    shelf_life_days: int | None = Field(default=None, ge=1)
    standard_cost: NonNegMoney = Decimal(0)
    costing_method: CostingMethod = CostingMethod.STANDARD
    lead_time_days: int = Field(default=0, ge=0, le=3650)
    lot_size_rule: LotSizeRule = LotSizeRule.LOT_FOR_LOT
    lot_size_qty: NonNegQty = Decimal(0)
    min_qty: NonNegQty = Decimal(0)
    safety_stock: NonNegQty = Decimal(0)


class ItemPatch(Patch):
    name: Name | None = None
    type: ItemType | None = None
    tracking: Tracking | None = None
    shelf_life_days: int | None = Field(default=None, ge=1)
    standard_cost: NonNegMoney | None = None
    costing_method: CostingMethod | None = None
    lead_time_days: int | None = Field(default=None, ge=0, le=3650)
    lot_size_rule: LotSizeRule | None = None
    lot_size_qty: NonNegQty | None = None
    min_qty: NonNegQty | None = None
    safety_stock: NonNegQty | None = None


def get_item(uow: UnitOfWork, code: str) -> Item:
    uow.actor.require(Permission.MASTERDATA_READ)
    item = uow.session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise NotFound(f"item {code!r} does not exist")
    return item


def _check_quantities(item: Item) -> None:
    for field in ("lot_size_qty", "min_qty", "safety_stock"):
        check_precision(getattr(item, field), item.uom, field)


def create_item(uow: UnitOfWork, data: ItemIn) -> Item:
    uow.actor.require(Permission.CATALOG_WRITE)
    uom = find_uom(uow, data.uom)
    if uow.session.scalar(select(Item.id).where(Item.code == data.code)):
        raise Conflict(f"item {data.code!r} already exists")
    item = Item(**data.model_dump(exclude={"uom"}), uom=uom)
    _check_quantities(item)
    uow.session.add(item)
    uow.flush()
    return item


def update_item(uow: UnitOfWork, code: str, data: ItemPatch) -> Item:
    uow.actor.require(Permission.CATALOG_WRITE)
    item = get_item(uow, code)
    check_version(item, data.version)
    if data.costing_method is not None and data.costing_method != item.costing_method:
        from gemba.erp.inventory.valuation import check_method_change

        check_method_change(uow, item)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(item, key, value)
    if item.lot_size_rule != LotSizeRule.LOT_FOR_LOT and not item.lot_size_qty:
        raise ValidationFailed.on("lot_size_qty", "required_for_rule",
                                  f"must be > 0 for lot size rule {item.lot_size_rule.value}")
    _check_quantities(item)
    uow.flush()
    return item


def delete_item(uow: UnitOfWork, code: str, version: int | None = None) -> None:
    uow.actor.require(Permission.CATALOG_WRITE)
    item = get_item(uow, code)
    check_version(item, version)
    uow.session.delete(item)
    uow.flush()


def list_items(uow: UnitOfWork, page: PageRequest) -> Page[Item]:
    uow.actor.require(Permission.MASTERDATA_READ)
    return paginate(uow.session, select(Item), page, search=[Item.code, Item.name],
                    filterable={"type": Item.type, "tracking": Item.tracking,
                                "code": Item.code},
                    order_by=[Item.code])
