"""Capable-to-promise: from stock, from open orders, by buying or making the shortfall (with
the components' own dates), pushed by rough-cut capacity; line by line for a sales order.

The factory of production_testing, planned on Mon 2 March 2026: FRAME = 2 kg STEEL + KIT
(phantom: 4 BOLT); routing Cut on WC-CUT (10 min + 3 a unit), Assemble on WC-ASM (5 min + 6
a unit), 8 h a day each; 30 kg STEEL and 100 BOLT in stock. Lead times: STEEL 3, BOLT 5,
FRAME 2 working days."""

from __future__ import annotations

from datetime import date

import pytest

from gemba.core.errors import NotFound, ValidationFailed
from gemba.erp.catalog.bom import BomIn, BomLineIn, create_bom
from gemba.erp.catalog.item import ItemIn, ItemPatch, create_item, get_item, update_item
from gemba.erp.catalog.routing import OperationIn, RoutingIn, create_routing
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.planning.promise import promise_date, promises_for_order
from gemba.erp.production.production_order import (
    ProductionOrderIn,
    create_production_order,
    release_production_order,
)
from gemba.erp.purchasing.purchase_order import (
    POLineIn,
    PurchaseOrderIn,
    confirm_purchase_order,
    create_purchase_order,
)
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)
from production_testing import DAY, D, setup_factory

MON, THU, FRI = DAY, date(2026, 3, 5), date(2026, 3, 6)
NEXT_MON, NEXT_WED = date(2026, 3, 9), date(2026, 3, 11)


@pytest.fixture
def factory(gemba):
    setup_factory(gemba)
    with gemba.uow() as uow:
        for code, days in (("STEEL", 3), ("BOLT", 5), ("FRAME", 2)):
            item = get_item(uow, code)
            update_item(uow, code, ItemPatch(lead_time_days=days, version=item.version))
        create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True))
        create_partner(uow, PartnerIn(code="SUPP", name="Supplier", is_supplier=True))
        uow.commit()
    return gemba


def promise(gemba, item: str, qty: str):
    with gemba.uow() as uow:
        return promise_date(uow, item, D(qty), MON)


def sell(gemba, lines: list[tuple[str, str]], wanted: date, confirm: bool = True) -> str:
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(
            customer="ACME", order_date=MON, requested_date=wanted,
            status="draft" if confirm else "quotation",
            lines=[SalesOrderLineIn(item=i, qty=D(q), unit_price=D(1)) for i, q in lines]))
        if confirm:
            confirm_sales_order(uow, so.number, day=MON)
        uow.commit()
        return so.number


def test_from_stock_and_what_confirmed_orders_leave(factory):
    p = promise(factory, "BOLT", "60")
    assert (p.date, p.constraint, p.available, p.shortfall) == (MON, "stock", D(60), D(0))
    assert "from stock" in p.explanation
    sell(factory, [("BOLT", "50")], THU)
    assert (promise(factory, "BOLT", "50").date, promise(factory, "BOLT", "50").constraint) \
        == (MON, "stock")
    # 60 wanted, 50 left after the order: buy 10, 5 working days -> next Monday
    p = promise(factory, "BOLT", "60")
    assert (p.date, p.constraint, p.available, p.shortfall) == (
        NEXT_MON, "purchase_lead_time", D(50), D(10))
    assert "buy 10 BOLT: 5 working days purchase lead time from 2026-03-02, due 2026-03-09" \
        in p.explanation


def test_from_an_open_purchase_order(factory):
    with factory.uow() as uow:
        for day, confirm in ((FRI, True), (THU, False)):  # a draft order is no supply
            po = create_purchase_order(uow, PurchaseOrderIn(
                supplier="SUPP", order_date=MON, lines=[POLineIn(
                    item="STEEL", qty=D(20), unit_price=D(2), expected_date=day)]))
            if confirm:
                confirm_purchase_order(uow, po.number)
        uow.commit()
    p = promise(factory, "STEEL", "40")  # 30 on hand + 20 on Friday
    assert (p.date, p.constraint, p.available) == (FRI, "supply", D(40))
    p = promise(factory, "STEEL", "55")  # 5 more than ever comes: buy them, 3 days
    assert (p.date, p.constraint, p.available, p.shortfall) == (
        THU, "purchase_lead_time", D(30), D(25))
    # what the buy cannot wait for: at Thursday only the 30 on hand are there
    assert p.explanation.startswith("30 of 55 STEEL available to promise by 2026-03-05")


def test_from_an_open_production_order(factory):
    with factory.uow() as uow:
        order = create_production_order(uow, ProductionOrderIn(
            item="FRAME", qty=D(10), start_date=MON, due_date=NEXT_MON))
        release_production_order(uow, order.number)
        uow.commit()
    p = promise(factory, "FRAME", "10")
    assert (p.date, p.constraint) == (NEXT_MON, "supply")
    # the order needs 20 STEEL and 40 BOLT on Monday: only 10 STEEL are left to promise
    assert promise(factory, "STEEL", "10").date == MON
    assert promise(factory, "STEEL", "11").constraint == "purchase_lead_time"


def test_make_waits_for_the_components_lead_times(factory):
    # 30 FRAME: 60 STEEL (30 on hand, buy 30: Thursday) and 120 BOLT through the phantom
    # KIT (100 on hand, buy 20: next Monday); start Monday 9/03, 2 days -> Wednesday
    p = promise(factory, "FRAME", "30")
    assert (p.date, p.constraint, p.available, p.shortfall) == (
        NEXT_WED, "components", D(0), D(30))
    assert [(c.item, c.qty, c.date, c.constraint, c.shortfall) for c in p.components] == [
        ("BOLT", D(120), NEXT_MON, "purchase_lead_time", D(20)),
        ("STEEL", D(60), THU, "purchase_lead_time", D(30))]
    assert p.explanation == (
        "make 30 FRAME: components ready 2026-03-09 (BOLT: purchase_lead_time); capacity "
        "free in 2026-W11; 2 working days production lead time from 2026-03-09, due "
        "2026-03-11")
    # enough of everything: production lead time alone decides
    p = promise(factory, "FRAME", "10")
    assert (p.date, p.constraint) == (date(2026, 3, 4), "production_lead_time")


def test_capacity_pushes_the_start_a_week(factory):
    """GADGET runs 60 min a unit on WC-ASM; released orders for it fill this week."""
    with factory.uow() as uow:
        create_item(uow, ItemIn(code="WIDGET", name="Widget", type="purchased", uom="ea"))
        create_item(uow, ItemIn(code="GADGET", name="Gadget", type="manufactured", uom="ea"))
        create_bom(uow, BomIn(item="GADGET", revision="A",
                              lines=[BomLineIn(component="WIDGET", qty_per=D(1))]))
        create_routing(uow, RoutingIn(item="GADGET", revision="A", operations=[
            OperationIn(seq=10, name="Assemble", work_center="WC-ASM", setup_min=D(0),
                        run_min_per_unit=D(60))]))
        uow.commit()

    def gadgets(qty: int) -> None:
        with factory.uow() as uow:
            order = create_production_order(uow, ProductionOrderIn(
                item="GADGET", qty=D(qty), start_date=MON, due_date=FRI))
            release_production_order(uow, order.number)
            uow.commit()

    gadgets(38)  # 38 of 40 h: the 65 min of 10 FRAME (5 + 10 x 6) still fit
    p = promise(factory, "FRAME", "10")
    assert (p.date, p.constraint) == (date(2026, 3, 4), "production_lead_time")
    gadgets(1)   # 39 h: 60 min free, not enough
    p = promise(factory, "FRAME", "10")
    assert (p.date, p.constraint) == (NEXT_WED, "capacity")
    assert "work centers full in 2026-W10: starts in 2026-W11, on 2026-03-09" in p.explanation


def test_sales_order_lines_are_promised_one_after_the_other(factory):
    for confirm in (False, True):  # a quotation's lines, then a confirmed order's
        number = sell(factory, [("BOLT", "60"), ("BOLT", "50"), ("FRAME", "5")], THU,
                      confirm=confirm)
        with factory.uow() as uow:
            found = promises_for_order(uow, number, MON)
        assert {n: (p.date, p.constraint, p.available) for n, p in found.items()} == {
            10: (MON, "stock", D(60)),
            20: (NEXT_MON, "purchase_lead_time", D(40)),
            # 5 FRAME need 20 BOLT, all promised to the lines above: bought by next Monday
            30: (NEXT_WED, "components", D(0))}
        if not confirm:  # a quotation is no demand: the order after it sees the same
            with factory.uow() as uow:
                assert promise_date(uow, "BOLT", D(100), MON).date == MON


def test_what_cannot_be_promised(factory):
    with factory.uow() as uow:
        with pytest.raises(ValidationFailed, match="phantom"):
            promise_date(uow, "KIT", D(1), MON)
        with pytest.raises(NotFound):
            promise_date(uow, "NOPE", D(1), MON)
        with pytest.raises(ValidationFailed):
            promise_date(uow, "BOLT", D(0), MON)


def test_no_capacity_within_a_year(factory):
    """An order too big for any week of WC-ASM (more than 40 h) cannot be promised."""
    with factory.uow() as uow:
        p = promise_date(uow, "FRAME", D(500), MON)  # 5 + 3000 min on WC-ASM
    assert p.date is None and p.constraint == "capacity"
    assert "no week in the 52 from 2026-W11 has the hours free (WC-ASM 50.08 h, WC-CUT " \
        "25.17 h)" in p.explanation
