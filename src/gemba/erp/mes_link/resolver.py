"""What a B2MML import asks the ERP (the adapter's ``Resolver`` protocol, by duck typing:
the ERP does not import adapters): does an item exist, which unit does a text mean."""

from __future__ import annotations

from sqlalchemy import func, select

from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item
from gemba.erp.catalog.uom import Uom


class ErpResolver:
    """Answers from the items and units tables of the unit of work's database."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._units: dict[str, str] | None = None

    def item_exists(self, code: str) -> bool:
        return self._uow.session.scalar(select(Item.id).where(Item.code == code)) is not None

    def unit_code(self, text: str) -> str | None:
        wanted = text.strip().casefold()
        if self._units is None:
            self._units = {c.casefold(): c for c in self._uow.session.scalars(select(Uom.code))}
        found = self._units.get(wanted)
        if found is None:  # a unit added since: ask the database once more
            found = self._uow.session.scalar(
                select(Uom.code).where(func.lower(Uom.code) == wanted))
        return found
