"""What MRP reads from the database: items and the BOM in force, usable stock, open demand,
open supply with un-consumed components, the company calendar; and net change's refresh."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import PermissionDenied
from gemba.erp.catalog.bom import BomIn, BomLineIn, create_bom
from gemba.erp.catalog.item import ItemIn, ItemPatch, create_item, get_item, update_item
from gemba.erp.equipment.calendar import CalendarIn, HolidayIn, ShiftIn, create_calendar
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.location import LocationIn, create_location
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.imported import DocType, imported_number
from gemba.erp.planning.load import planning_input, refresh_input
from gemba.erp.planning.model import (
    BomLine,
    ComponentNeed,
    Demand,
    PlanningItem,
    ScheduledReceipt,
)
from gemba.erp.production.production_order import (
    ProductionOrderIn,
    cancel_production_order,
    create_production_order,
)
from gemba.erp.purchasing.purchase_order import (
    POLineIn,
    PurchaseOrderIn,
    create_purchase_order,
)
from gemba.erp.purchasing.receipt import ReceiptIn, ReceiptLineIn, receive
from gemba.erp.sales.delivery import DeliveryIn, DeliveryLineIn, deliver
from gemba.erp.sales.sales_order import (
    SalesOrder,
    SalesOrderIn,
    SalesOrderLineIn,
    cancel_sales_order,
    confirm_sales_order,
    create_sales_order,
)
from mrp_testing import load_plant

D = Decimal
TODAY = date(2026, 3, 2)


def _number(uow, model, **where) -> str:
    from sqlalchemy import select
    return uow.session.scalar(select(model.number).filter_by(**where))


@pytest.fixture
def plant(gemba, tmp_path):
    assert load_plant(gemba, tmp_path / "in").ok
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="RESIN", name="Resin", type="purchased", uom="kg",
                                tracking="lot"))
        create_item(uow, ItemIn(code="KIT", name="Kit", type="phantom", uom="ea"))
        create_bom(uow, BomIn(item="KIT", revision="1", lines=[
            BomLineIn(component="TUBE", qty_per=D("0.5"))]))
        # FRAME revision 2 from 10 March: 2 kg TUBE per 2 frames, and an obsolete one.
        create_bom(uow, BomIn(item="FRAME", revision="2", base_qty=D(2),
                              effective_from=date(2026, 3, 10),
                              lines=[BomLineIn(component="TUBE", qty_per=D(2)),
                                     BomLineIn(component="KIT", qty_per=D(2))]))
        create_bom(uow, BomIn(item="FRAME", revision="0", status="obsolete",
                              lines=[BomLineIn(component="WHEEL", qty_per=D(9))]))
        create_location(uow, LocationIn(code="WH/B", name="Bin B", warehouse="WH"))
        post_moves(uow, [
            MoveIn("RESIN", D(10), "SUPPLIER", "WH/STOCK", lot="L1"),
            MoveIn("RESIN", D(1), "SUPPLIER", "WH/B", lot="L1"),
            MoveIn("RESIN", D(5), "SUPPLIER", "WH/STOCK", lot="L2"),
            MoveIn("RESIN", D(3), "SUPPLIER", "WH/STOCK", lot="L3",
                   expiry_date=date(2026, 3, 1)),
            MoveIn("RESIN", D(2), "SUPPLIER", "WH/STOCK", lot="L4",
                   expiry_date=date(2026, 3, 2))], doc_type="receipt", doc_ref="GR-1",
            day=date(2026, 2, 20))
        hold_lot(uow, "RESIN", "L2", HoldIn(reason="QC"))
        uow.commit()
    return gemba


def test_items_and_the_bom_in_force(plant):
    with plant.uow() as uow:
        inp = planning_input(uow, TODAY)
        later = planning_input(uow, date(2026, 3, 12))
    assert "PAINT" not in inp.items  # services are not planned
    assert inp.items["BIKE"] == PlanningItem(
        "BIKE", make=True, lead_time_days=2,
        bom=(BomLine("WHEEL", D(2)), BomLine("FRAME", D(1))))
    assert inp.items["WHEEL"] == PlanningItem("WHEEL", make=False, lot_size_rule="fixed",
                                              lot_size_qty=D(50), lead_time_days=5)
    assert inp.items["TUBE"] == PlanningItem("TUBE", make=False, precision=3,
                                             safety_stock=D(10), lead_time_days=3)
    assert inp.items["KIT"] == PlanningItem("KIT", make=True, phantom=True,
                                            bom=(BomLine("TUBE", D("0.5")),))
    assert inp.items["FRAME"].bom == (BomLine("TUBE", D("1.5"), D(10)),)
    assert later.items["FRAME"].bom == (BomLine("TUBE", D(1)), BomLine("KIT", D(1)))
    assert str(inp.items["TUBE"].safety_stock) == "10"  # no trailing zeros from the database


def test_usable_stock_only(plant):
    with plant.uow() as uow:
        inp = planning_input(uow, TODAY)
    # RESIN: L1 in two bins (11) and L4 (expires today: still good); L2 held, L3 expired.
    assert dict(inp.on_hand) == {"BIKE": D(2), "WHEEL": D(10), "TUBE": D(4), "RESIN": D(13)}


def test_open_demand(plant):
    with plant.uow() as uow:
        so1 = _number(uow, SalesOrder, customer_ref="SO-1")
        deliver(uow, DeliveryIn(order=so1, delivery_date=TODAY,
                                lines=[DeliveryLineIn(line_no=10, qty=D(1))]))
        draft = create_sales_order(uow, SalesOrderIn(customer="IMPORTED", lines=[
            SalesOrderLineIn(item="BIKE", qty=D(7), unit_price=D(1))]))
        cancelled = create_sales_order(uow, SalesOrderIn(customer="IMPORTED", lines=[
            SalesOrderLineIn(item="BIKE", qty=D(9), unit_price=D(1))]))
        confirm_sales_order(uow, cancelled.number)
        cancel_sales_order(uow, cancelled.number)
        other = create_sales_order(uow, SalesOrderIn(
            customer="IMPORTED", order_date=TODAY, requested_date=date(2026, 3, 20),
            lines=[SalesOrderLineIn(item="FRAME", qty=D(2), unit_price=D(1)),
                   SalesOrderLineIn(item="TUBE", qty=D("0.5"), unit_price=D(1),
                                    requested_date=date(2026, 3, 25))]))
        confirm_sales_order(uow, other.number)
        numbers = draft.number, other.number
        uow.commit()
        inp = planning_input(uow, TODAY)
    draft_number, other_number = numbers
    assert draft_number not in {d.ref for d in inp.demands}
    assert sorted(inp.demands, key=lambda d: (d.item, d.due)) == [
        Demand("BIKE", D(4), date(2026, 3, 16), "sales_order", "SO-1"),  # 5 less 1 delivered
        Demand("BIKE", D(8), date(2026, 3, 18), "forecast", "FC-W12"),
        Demand("FRAME", D(2), date(2026, 3, 20), "sales_order", other_number),
        Demand("TUBE", D("0.5"), date(2026, 3, 25), "sales_order", other_number)]


def test_open_supply_with_what_is_left_to_consume(plant):
    with plant.uow() as uow:
        po7 = imported_number(uow, DocType.PURCHASE_ORDER, "PO-7")
        receive(uow, ReceiptIn(order=po7, date=TODAY, lines=[ReceiptLineIn(po_line=1,
                                                                          qty=D(5))]))
        create_purchase_order(uow, PurchaseOrderIn(supplier="IMPORTED", lines=[
            POLineIn(item="TUBE", qty=D(3), unit_price=D(1))]))  # a draft: not supply
        mo = create_production_order(uow, ProductionOrderIn(
            item="BIKE", qty=D(4), due_date=date(2026, 3, 20), start_date=date(2026, 3, 18)))
        no_start = create_production_order(uow, ProductionOrderIn(
            item="BIKE", qty=D(2), due_date=date(2026, 3, 19)))
        gone = create_production_order(uow, ProductionOrderIn(
            item="FRAME", qty=D(1), due_date=date(2026, 3, 19)))
        cancel_production_order(uow, gone.number)
        post_moves(uow, [MoveIn("WHEEL", D(3), "WH/STOCK", "PRODUCTION")],
                   doc_type="production", doc_ref=mo.number, day=TODAY)
        mo_number, no_start_number = mo.number, no_start.number
        uow.commit()
        inp = planning_input(uow, TODAY)
    assert sorted(inp.receipts, key=lambda r: (r.item, r.due)) == [
        ScheduledReceipt("BIKE", D(2), date(2026, 3, 19), "production_order",
                         no_start_number,  # no start date: components due with the order
                         (ComponentNeed("FRAME", D(2), date(2026, 3, 19)),
                          ComponentNeed("WHEEL", D(4), date(2026, 3, 19)))),
        ScheduledReceipt("BIKE", D(4), date(2026, 3, 20), "production_order", mo_number,
                         (ComponentNeed("FRAME", D(4), date(2026, 3, 18)),
                          ComponentNeed("WHEEL", D(5), date(2026, 3, 18)))),  # 3 consumed
        ScheduledReceipt("FRAME", D(2), date(2026, 3, 5), "production_order", "MO-3"),
        ScheduledReceipt("WHEEL", D(15), date(2026, 3, 9), "purchase_order", "PO-7")]


def test_the_company_calendar(plant):
    with plant.uow() as uow:
        assert planning_input(uow, TODAY).calendar == WorkCalendar()
        create_calendar(uow, CalendarIn(
            code="COMPANY", name="Company",
            shifts=[ShiftIn(code="DAY", weekday=d, start=time(7), end=time(15))
                    for d in range(6)],
            holidays=[HolidayIn(day=date(2026, 3, 13), name="Plant holiday")]))
        uow.commit()
        assert planning_input(uow, TODAY).calendar == WorkCalendar(
            frozenset(range(6)), frozenset({date(2026, 3, 13)}))


def test_refresh_reads_only_the_changed_items_again(plant):
    with plant.uow() as uow:
        before = planning_input(uow, TODAY)
        so = create_sales_order(uow, SalesOrderIn(customer="IMPORTED", order_date=TODAY, lines=[
            SalesOrderLineIn(item="FRAME", qty=D(3), unit_price=D(1),
                             requested_date=date(2026, 3, 23))]))
        confirm_sales_order(uow, so.number)
        tube = get_item(uow, "TUBE")
        update_item(uow, "TUBE", ItemPatch(version=tube.version, safety_stock=D(12)))
        create_production_order(uow, ProductionOrderIn(item="FRAME", qty=D(1),
                                                       due_date=date(2026, 3, 24)))
        uow.commit()
        after = planning_input(uow, TODAY)
        refreshed = refresh_input(uow, before, {"FRAME", "TUBE"})
    assert after.items["TUBE"].safety_stock == D(12)
    assert refreshed.items == after.items and refreshed.on_hand == after.on_hand
    assert list(refreshed.demands) == list(after.demands)
    assert list(refreshed.receipts) == list(after.receipts)
    assert refreshed.receipts != before.receipts


def test_reading_needs_planning_permission(plant):
    operator = Actor(None, "olga", frozenset({Role.OPERATOR}))
    with plant.uow(operator) as uow, pytest.raises(PermissionDenied, match="planning.read"):
        planning_input(uow, TODAY)
    viewer = Actor(None, "vic", frozenset({Role.VIEWER}))
    with plant.uow(viewer) as uow:
        assert "BIKE" in planning_input(uow, TODAY).items
