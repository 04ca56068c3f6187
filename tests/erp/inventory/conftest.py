"""Items used by the inventory and finance tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gemba.erp.catalog.item import ItemIn, create_item


@pytest.fixture
def stock_items(gemba):
    """BOLT (standard 0.10), WIDGET (average), GEAR (fifo), PAINT (lot, 30 days shelf life),
    MOTOR (serial, fifo)."""
    with gemba.uow() as uow:
        for code, method, tracking, shelf, std in [
            ("BOLT", "standard", "none", None, "0.10"),
            ("WIDGET", "average", "none", None, "2.00"),
            ("GEAR", "fifo", "none", None, "2.00"),
            ("PAINT", "average", "lot", 30, "5.00"),
            ("MOTOR", "fifo", "serial", None, "80.00"),
        ]:
            create_item(uow, ItemIn(code=code, name=code.title(), type="purchased", uom="ea",
                                    costing_method=method, tracking=tracking,
                                    shelf_life_days=shelf, standard_cost=Decimal(std)))
        uow.commit()
