"""A bound unit of work runs services inside a transaction its owner commits or rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gemba.core.db.uow import BoundUnitOfWork
from gemba.erp.catalog.item import Item, ItemIn, create_item


def test_effects_commit_and_roll_back_with_the_owner(gemba):
    with gemba.session_factory() as session, session.begin():
        uow = BoundUnitOfWork(session)
        create_item(uow, ItemIn(code="KEPT", name="Kept", type="purchased", uom="ea"))
        uow.commit()  # flushes only
    with pytest.raises(RuntimeError), gemba.session_factory() as session, session.begin():
        create_item(BoundUnitOfWork(session), ItemIn(code="LOST", name="Lost",
                                                     type="purchased", uom="ea"))
        raise RuntimeError("the owner fails after the service ran")
    with gemba.uow() as uow:
        codes = set(uow.session.scalars(select(Item.code)))
    assert "KEPT" in codes and "LOST" not in codes
