"""Items, a customer with a default price list, stock receipts and the ledger invariants used
by the sales tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sales_helpers import D

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.location import Locations
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.sales.price_list import (
    CustomerPriceListIn,
    PriceListIn,
    PriceListLineIn,
    create_price_list,
    set_customer_price_list,
)


@pytest.fixture
def sales(gemba):
    """GEAR (fifo), BOLT (standard 0.10), PAINT (lot, average), MOTOR (serial, fifo);
    customer ACME (30 days) with default price list STD; customer BETA without one."""
    with gemba.uow() as uow:
        for code, method, tracking, std in [("GEAR", "fifo", "none", "2.00"),
                                            ("BOLT", "standard", "none", "0.10"),
                                            ("PAINT", "average", "lot", "5.00"),
                                            ("MOTOR", "fifo", "serial", "80.00")]:
            create_item(uow, ItemIn(code=code, name=code.title(), type="purchased", uom="ea",
                                    costing_method=method, tracking=tracking,
                                    shelf_life_days=30 if tracking == "lot" else None,
                                    standard_cost=Decimal(std)))
        create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True,
                                      payment_terms_days=30))
        create_partner(uow, PartnerIn(code="BETA", name="Beta", is_customer=True,
                                      payment_terms_days=14))
        create_partner(uow, PartnerIn(code="SUPP", name="Supplier", is_supplier=True))
        create_price_list(uow, PriceListIn(code="STD", name="Standard", lines=[
            PriceListLineIn(item="GEAR", unit_price=Decimal("10.00")),
            PriceListLineIn(item="GEAR", min_qty=Decimal(100), unit_price=Decimal("9.00")),
            PriceListLineIn(item="BOLT", unit_price=Decimal("0.50")),
            PriceListLineIn(item="PAINT", unit_price=Decimal("12.00")),
            PriceListLineIn(item="MOTOR", unit_price=Decimal("150.00"))]))
        set_customer_price_list(uow, "ACME", CustomerPriceListIn(price_list="STD"))
        uow.commit()


@pytest.fixture
def receive(gemba):
    """Post stock from the supplier into WH/STOCK: receive("GEAR", 10, "2.00")."""

    def _receive(item: str, qty: int | str, unit_cost: str, lot: str | None = None,
                 expiry: date | None = None, day: date = D, ref: str = "GR-T") -> None:
        with gemba.uow() as uow:
            post_moves(uow, [MoveIn(item=item, qty=Decimal(qty), from_location=Locations.SUPPLIER,
                                    to_location=Locations.STOCK, lot=lot,
                                    unit_cost=Decimal(unit_cost), expiry_date=expiry)],
                       doc_type="receipt", doc_ref=ref, day=day)
            uow.commit()

    return _receive

