"""Items, suppliers and supplier items used by the purchasing tests, and the ledger
invariants every scenario must leave intact."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from purchasing_support import DAY

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.purchasing.purchase_order import (
    POLineIn,
    PurchaseOrderIn,
    confirm_purchase_order,
    create_purchase_order,
)
from gemba.erp.purchasing.supplier_item import (
    PriceBreakIn,
    SupplierItemIn,
    create_supplier_item,
)


@pytest.fixture
def purchasing(gemba):
    """Suppliers ACME (30 days) and BETA (14 days), customer-only CUST; items BOLT
    (standard 0.10), GEAR (fifo), PAINT (lot, 30 days shelf life, average), MOTOR (serial,
    fifo); ACME sells GEAR with breaks 2.00 / 1.80 from 100 / 1.50 from 500, minimum 10."""
    with gemba.uow() as uow:
        create_partner(uow, PartnerIn(code="ACME", name="Acme Supplies", is_supplier=True))
        create_partner(uow, PartnerIn(code="BETA", name="Beta Parts", is_supplier=True,
                                      payment_terms_days=14))
        create_partner(uow, PartnerIn(code="CUST", name="A Customer", is_customer=True))
        for code, method, tracking, shelf, std in [
            ("BOLT", "standard", "none", None, "0.10"),
            ("GEAR", "fifo", "none", None, "2.00"),
            ("PAINT", "average", "lot", 30, "5.00"),
            ("MOTOR", "fifo", "serial", None, "80.00"),
        ]:
            create_item(uow, ItemIn(code=code, name=code.title(), type="purchased", uom="ea",
                                    costing_method=method, tracking=tracking,
                                    shelf_life_days=shelf, standard_cost=Decimal(std)))
        create_supplier_item(uow, SupplierItemIn(
            supplier="ACME", item="GEAR", supplier_code="AC-G1", lead_time_days=7,
            min_qty=Decimal(10), preferred=True,
            price_breaks=[PriceBreakIn(min_qty=Decimal(0), unit_price=Decimal("2.00")),
                          PriceBreakIn(min_qty=Decimal(500), unit_price=Decimal("1.50")),
                          PriceBreakIn(min_qty=Decimal(100), unit_price=Decimal("1.80"))]))
        uow.commit()


@pytest.fixture
def make_po(gemba, purchasing) -> Callable[..., str]:
    """A purchase order from ACME (confirmed unless told otherwise); returns its number."""

    def _make(lines: list[tuple[str, str, str | None]], *, supplier: str = "ACME",
              tolerance: str = "0", confirm: bool = True) -> str:
        with gemba.uow() as uow:
            po = create_purchase_order(uow, PurchaseOrderIn(
                supplier=supplier, order_date=DAY, receipt_tolerance_pct=Decimal(tolerance),
                lines=[POLineIn(item=item, qty=Decimal(qty),
                                unit_price=Decimal(price) if price else None)
                       for item, qty, price in lines]))
            if confirm:
                confirm_purchase_order(uow, po.number)
            uow.commit()
            return po.number

    return _make
