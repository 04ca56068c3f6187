"""Units of measure, grouped in categories; each unit is a Decimal factor of its category's
reference unit (kg: 1, g: 0.001), so any two units of one category convert exactly."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, Patch
from gemba.core.db.base import Base, IdMixin, Qty, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate
from gemba.core.types import quantize


class UomCategory(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_uom_categories"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Uom(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_uoms"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("erp_uom_categories.id"))
    # How many reference units one of this unit is (g: 0.001 of kg; box: 12 of ea).
    factor: Mapped[Decimal] = mapped_column(Qty)
    precision: Mapped[int] = mapped_column(Integer)  # decimals a quantity may carry

    category: Mapped[UomCategory] = relationship(lazy="joined")

    @property
    def category_code(self) -> str:
        return self.category.code


class UomCategoryIn(Command):
    code: Code
    name: Name


class UomIn(Command):
    code: Code
    name: Name
    category: Code
    factor: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    precision: int = Field(ge=0, le=6)


class UomPatch(Patch):
    name: Name | None = None
    precision: int | None = Field(default=None, ge=0, le=6)


def get_uom(uow: UnitOfWork, code: str) -> Uom:
    uom = uow.session.scalar(select(Uom).where(Uom.code == code))
    if uom is None:
        raise NotFound(f"unit of measure {code!r} does not exist")
    return uom


def find_uom(uow: UnitOfWork, code: str, field: str = "uom") -> Uom:
    """Like get_uom but reports a field error, for use while validating another record."""
    uom = uow.session.scalar(select(Uom).where(Uom.code == code))
    if uom is None:
        raise ValidationFailed.on(field, "unknown_uom", f"unknown unit of measure {code!r}")
    return uom


def create_category(uow: UnitOfWork, data: UomCategoryIn) -> UomCategory:
    uow.actor.require(Permission.CATALOG_WRITE)
    if uow.session.scalar(select(UomCategory).where(UomCategory.code == data.code)):
        raise Conflict(f"UoM category {data.code!r} already exists")
    cat = UomCategory(code=data.code, name=data.name)
    uow.session.add(cat)
    uow.flush()
    return cat


def create_uom(uow: UnitOfWork, data: UomIn) -> Uom:
    uow.actor.require(Permission.CATALOG_WRITE)
    cat = uow.session.scalar(select(UomCategory).where(UomCategory.code == data.category))
    if cat is None:
        raise ValidationFailed.on("category", "unknown_category",
                                  f"unknown UoM category {data.category!r}")
    if uow.session.scalar(select(Uom).where(Uom.code == data.code)):
        raise Conflict(f"unit of measure {data.code!r} already exists")
    uom = Uom(code=data.code, name=data.name, category=cat, factor=data.factor,
              precision=data.precision)
    uow.session.add(uom)
    uow.flush()
    return uom


def update_uom(uow: UnitOfWork, code: str, data: UomPatch) -> Uom:
    uow.actor.require(Permission.CATALOG_WRITE)
    uom = get_uom(uow, code)
    check_version(uom, data.version)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(uom, key, value)
    uow.flush()
    return uom


def list_uoms(uow: UnitOfWork, page: PageRequest) -> Page[Uom]:
    uow.actor.require(Permission.MASTERDATA_READ)
    return paginate(uow.session, select(Uom).join(Uom.category), page,
                    search=[Uom.code, Uom.name],
                    filterable={"category": UomCategory.code}, order_by=[Uom.code])


def list_categories(uow: UnitOfWork) -> list[UomCategory]:
    uow.actor.require(Permission.MASTERDATA_READ)
    return list(uow.session.scalars(select(UomCategory).order_by(UomCategory.code)))


def convert(qty: Decimal, from_uom: Uom, to_uom: Uom) -> Decimal:
    """Convert exactly and round half-up to the target unit's precision."""
    if from_uom.category_id != to_uom.category_id:
        raise ValidationFailed.on(
            "uom", "incompatible_uom",
            f"cannot convert {from_uom.code} ({from_uom.category.code}) to "
            f"{to_uom.code} ({to_uom.category.code})")
    return quantize(qty * from_uom.factor / to_uom.factor, to_uom.precision)


def check_precision(qty: Decimal, uom: Uom, field: str) -> None:
    """A quantity may not carry more decimals than its unit allows (no 1.5 ea)."""
    if quantize(qty, uom.precision) != qty:
        raise ValidationFailed.on(field, "uom_precision",
                                  f"{qty} has more than {uom.precision} decimals allowed "
                                  f"for {uom.code}")
