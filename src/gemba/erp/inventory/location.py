"""Warehouses and locations. Internal locations hold stock; virtual ones (supplier, customer,
production, scrap, inventory adjustment) are the other side of every move, so each move has a
from and a to and the ledger always balances in quantity, like Odoo's and Tryton's."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name
from gemba.core.db.base import Base, IdMixin, TimestampMixin, VersionedMixin, enum_column
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, paginate
from gemba.erp.finance.account import Accounts


class LocationKind(StrEnum):
    INTERNAL = "internal"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    PRODUCTION = "production"  # work in process: issued to, and received from, the shop floor
    SCRAP = "scrap"
    ADJUSTMENT = "adjustment"  # inventory adjustments, counts, opening balances

    @property
    def virtual(self) -> bool:
        return self != LocationKind.INTERNAL


# The account on the other side of the Inventory account when stock crosses into or out of a
# virtual location of this kind (a location's own account_code wins).
COUNTER_ACCOUNT = {
    LocationKind.SUPPLIER: Accounts.GRNI,
    LocationKind.CUSTOMER: Accounts.COGS,
    LocationKind.PRODUCTION: Accounts.WIP,
    LocationKind.SCRAP: Accounts.SCRAP,
    LocationKind.ADJUSTMENT: Accounts.INVENTORY_ADJUSTMENT,
}
# Where the difference between a document's cost and the valuation cost goes.
VARIANCE_ACCOUNT = {
    LocationKind.SUPPLIER: Accounts.PURCHASE_PRICE_VARIANCE,
    LocationKind.PRODUCTION: Accounts.PRODUCTION_VARIANCE,
}


class Locations:
    """Codes of the locations the migration seeds."""

    STOCK = "WH/STOCK"
    SUPPLIER = "SUPPLIER"
    CUSTOMER = "CUSTOMER"
    PRODUCTION = "PRODUCTION"
    SCRAP = "SCRAP"
    ADJUSTMENT = "ADJUSTMENT"
    OPENING = "OPENING"


class Warehouse(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_warehouses"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_code: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Location(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_locations"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("erp_warehouses.id"),
                                                     nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("erp_locations.id"),
                                                  nullable=True)
    account_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    warehouse: Mapped[Warehouse | None] = relationship(lazy="joined")
    parent: Mapped[Location | None] = relationship(remote_side="Location.id", lazy="joined",
                                                   join_depth=1)

    @property
    def counter_account(self) -> str:
        return self.account_code or COUNTER_ACCOUNT.get(self.kind, Accounts.INVENTORY)

    @property
    def variance_account(self) -> str:
        return VARIANCE_ACCOUNT.get(self.kind, Accounts.REVALUATION)


class WarehouseIn(Command):
    code: Code
    name: Name
    site_code: Code | None = None


class LocationIn(Command):
    code: Code
    name: Name
    kind: LocationKind = LocationKind.INTERNAL
    warehouse: Code | None = None
    parent: Code | None = None
    account_code: Code | None = None


def create_warehouse(uow: UnitOfWork, data: WarehouseIn) -> Warehouse:
    """A warehouse and its stock location ``<code>/STOCK``."""
    uow.actor.require(Permission.INVENTORY_WRITE)
    if uow.session.scalar(select(Warehouse.id).where(Warehouse.code == data.code)):
        raise Conflict(f"warehouse {data.code!r} already exists")
    wh = Warehouse(code=data.code, name=data.name, site_code=data.site_code)
    uow.session.add(wh)
    uow.flush()
    create_location(uow, LocationIn(code=f"{data.code}/STOCK", name=f"{data.name} stock",
                                    warehouse=data.code))
    return wh


def create_location(uow: UnitOfWork, data: LocationIn) -> Location:
    uow.actor.require(Permission.INVENTORY_WRITE)
    if uow.session.scalar(select(Location.id).where(Location.code == data.code)):
        raise Conflict(f"location {data.code!r} already exists")
    loc = Location(code=data.code, name=data.name, kind=data.kind,
                   account_code=data.account_code, active=True)
    if data.parent:
        parent = find_location(uow, data.parent, "parent")
        if parent.kind != data.kind:
            raise ValidationFailed.on("parent", "same_kind",
                                      f"a {data.kind.value} location cannot sit under the "
                                      f"{parent.kind.value} location {parent.code}")
        loc.parent_id = parent.id
        loc.warehouse_id = parent.warehouse_id
    if data.warehouse:
        wh = uow.session.scalar(select(Warehouse).where(Warehouse.code == data.warehouse))
        if wh is None:
            raise ValidationFailed.on("warehouse", "exists",
                                      f"warehouse {data.warehouse!r} does not exist")
        loc.warehouse_id = wh.id
    if data.kind == LocationKind.INTERNAL and loc.warehouse_id is None:
        raise ValidationFailed.on("warehouse", "required",
                                  "an internal location belongs to a warehouse")
    if data.account_code:
        from gemba.erp.finance.account import account_ids

        account_ids(uow, {data.account_code}, "account_code")
    uow.session.add(loc)
    uow.flush()
    return loc


def find_location(uow: UnitOfWork, code: str, field: str = "location") -> Location:
    loc = uow.session.scalar(select(Location).where(Location.code == code))
    if loc is None:
        raise ValidationFailed.on(field, "exists", f"location {code!r} does not exist")
    return loc


def get_location(uow: UnitOfWork, code: str) -> Location:
    uow.actor.require(Permission.INVENTORY_READ)
    loc = uow.session.scalar(select(Location).where(Location.code == code))
    if loc is None:
        raise NotFound(f"location {code!r} does not exist")
    return loc


def get_warehouse(uow: UnitOfWork, code: str) -> Warehouse:
    uow.actor.require(Permission.INVENTORY_READ)
    wh = uow.session.scalar(select(Warehouse).where(Warehouse.code == code))
    if wh is None:
        raise NotFound(f"warehouse {code!r} does not exist")
    return wh


def list_locations(uow: UnitOfWork, page: PageRequest) -> Page[Location]:
    uow.actor.require(Permission.INVENTORY_READ)
    return paginate(uow.session, select(Location), page, search=[Location.code, Location.name],
                    filterable={"kind": Location.kind}, order_by=[Location.code])


def list_warehouses(uow: UnitOfWork, page: PageRequest) -> Page[Warehouse]:
    uow.actor.require(Permission.INVENTORY_READ)
    return paginate(uow.session, select(Warehouse), page,
                    search=[Warehouse.code, Warehouse.name], order_by=[Warehouse.code])


def ensure_internal_location(uow: UnitOfWork, code: str) -> Location:
    """For imports: a named stock location is created if missing, in the warehouse named by
    its first path segment (``WH2/RACK-A`` -> warehouse ``WH2``, created too)."""
    loc = uow.session.scalar(select(Location).where(Location.code == code))
    if loc is not None:
        return loc
    wh_code = code.split("/", 1)[0]
    wh = uow.session.scalar(select(Warehouse).where(Warehouse.code == wh_code))
    if wh is None:
        wh = Warehouse(code=wh_code, name=wh_code)
        uow.session.add(wh)
        uow.flush()
    return create_location(uow, LocationIn(code=code, name=code, warehouse=wh_code))
