"""Partners: one record per company we trade with, flagged customer and/or supplier.

One table (as Tryton's party) because the same company is often both; payment terms give the
due dates of invoices and bills, and so the AR/AP aging."""

from __future__ import annotations

from pydantic import Field
from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gemba.core.audit.models import Audited
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Code, Command, Name, Patch
from gemba.core.db.base import Base, IdMixin, TimestampMixin, VersionedMixin
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import Page, PageRequest, check_version, paginate


class Partner(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "erp_partners"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_supplier: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    credit_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PartnerIn(Command):
    code: Code
    name: Name
    is_customer: bool = False
    is_supplier: bool = False
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    tax_id: str | None = Field(default=None, max_length=40)
    credit_limit: int | None = Field(default=None, ge=0)


class PartnerPatch(Patch):
    name: Name | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    tax_id: str | None = Field(default=None, max_length=40)
    credit_limit: int | None = Field(default=None, ge=0)


def _can_read(uow: UnitOfWork) -> None:
    if not any(uow.actor.can(p) for p in (Permission.PURCHASING_READ, Permission.SALES_READ,
                                          Permission.FINANCE_READ)):
        raise PermissionDenied(f"{uow.actor.username} may not see partners")


def _can_write(uow: UnitOfWork) -> None:
    if not any(uow.actor.can(p) for p in (Permission.PURCHASING_WRITE, Permission.SALES_WRITE,
                                          Permission.FINANCE_WRITE)):
        raise PermissionDenied(f"{uow.actor.username} may not change partners")


def get_partner(uow: UnitOfWork, code: str) -> Partner:
    _can_read(uow)
    partner = uow.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        raise NotFound(f"partner {code!r} does not exist")
    return partner


def find_partner(uow: UnitOfWork, code: str, field: str, *, customer: bool = False,
                 supplier: bool = False) -> Partner:
    """A partner named in a command: an unknown or wrong-role code is a 422 on ``field``."""
    partner = uow.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        raise ValidationFailed.on(field, "exists", f"partner {code!r} does not exist")
    if customer and not partner.is_customer:
        raise ValidationFailed.on(field, "is_customer", f"partner {code!r} is not a customer")
    if supplier and not partner.is_supplier:
        raise ValidationFailed.on(field, "is_supplier", f"partner {code!r} is not a supplier")
    return partner


def create_partner(uow: UnitOfWork, data: PartnerIn) -> Partner:
    _can_write(uow)
    if not (data.is_customer or data.is_supplier):
        raise ValidationFailed.on("is_customer", "role_required",
                                  "a partner must be a customer, a supplier or both")
    if uow.session.scalar(select(Partner.id).where(Partner.code == data.code)):
        raise Conflict(f"partner {data.code!r} already exists")
    partner = Partner(**data.model_dump())
    uow.session.add(partner)
    uow.flush()
    return partner


def ensure_partner(uow: UnitOfWork, code: str, name: str, *, customer: bool = False,
                   supplier: bool = False) -> Partner:
    """Get or create (used by imports that may omit partners: the 'imported' default)."""
    partner = uow.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        return create_partner(uow, PartnerIn(code=code, name=name, is_customer=customer,
                                             is_supplier=supplier))
    if (customer and not partner.is_customer) or (supplier and not partner.is_supplier):
        partner.is_customer = partner.is_customer or customer
        partner.is_supplier = partner.is_supplier or supplier
        uow.flush()
    return partner


def update_partner(uow: UnitOfWork, code: str, data: PartnerPatch) -> Partner:
    _can_write(uow)
    partner = get_partner(uow, code)
    check_version(partner, data.version)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(partner, key, value)
    if not (partner.is_customer or partner.is_supplier):
        raise ValidationFailed.on("is_customer", "role_required",
                                  "a partner must be a customer, a supplier or both")
    uow.flush()
    return partner


def list_partners(uow: UnitOfWork, page: PageRequest) -> Page[Partner]:
    _can_read(uow)
    return paginate(uow.session, select(Partner), page, search=[Partner.code, Partner.name],
                    filterable={"is_customer": Partner.is_customer,
                                "is_supplier": Partner.is_supplier, "code": Partner.code},
                    order_by=[Partner.code])
