from decimal import Decimal

from gemba.erp.catalog.item import ItemIn, create_item, get_item


def test_create_item_writes_audit(gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="A1", name="Bolt", type="purchased", uom="ea",
                                standard_cost=Decimal("0.25")))
        uow.commit()
    with gemba.uow() as uow:
        item = get_item(uow, "A1")
        assert item.standard_cost == Decimal("0.25")
        assert item.uom_code == "ea"
