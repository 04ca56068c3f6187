"""Deliveries: FEFO picking, named lots and serials, refusals that write nothing, returns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sales_helpers import D, assert_invariants, counts

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.finance.journal import account_balance
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.inventory.reservation import reserved_for
from gemba.erp.inventory.stock import stock_lines
from gemba.erp.sales.delivery import DeliveryIn, DeliveryLineIn, deliver, get_delivery
from gemba.erp.sales.returns import ReturnIn, ReturnLineIn, return_goods
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
    get_sales_order,
)


def confirmed(gemba, item: str, qty: int, day=D) -> str:
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(customer="ACME", order_date=day, lines=[
            SalesOrderLineIn(item=item, qty=Decimal(qty))]))
        confirm_sales_order(uow, so.number, day=day)
        uow.commit()
        return so.number


def lots_on_hand(uow, item: str) -> dict[str, Decimal]:
    return {s.lot: s.on_hand for s in stock_lines(uow, item=item)}


@pytest.fixture
def paint(gemba, sales, receive):
    """PAINT lots: LA (expires D+40, 5.00), LB (D+20, 6.00), LH (D+5, on hold),
    LX (expired the day before D)."""
    receive("PAINT", 5, "5.00", lot="LA", expiry=D + timedelta(days=40))
    receive("PAINT", 5, "6.00", lot="LB", expiry=D + timedelta(days=20))
    receive("PAINT", 5, "5.50", lot="LH", expiry=D + timedelta(days=5))
    receive("PAINT", 5, "5.50", lot="LX", expiry=D - timedelta(days=1))
    with gemba.uow() as uow:
        hold_lot(uow, "PAINT", "LH", HoldIn(reason="lab check"))
        uow.commit()


def test_fefo_takes_reserved_lots_first_and_skips_held_and_expired(gemba, paint, receive):
    number = confirmed(gemba, "PAINT", 7)
    with gemba.uow() as uow:
        # confirmation reserved first-expiry-first among the usable lots
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", "LB", Decimal(5)),
                                                     ("WH/STOCK", "LA", Decimal(2))]
    # a lot expiring even earlier arrives after the reservation: the reserved lots go first
    receive("PAINT", 5, "5.50", lot="LC", expiry=D + timedelta(days=15), ref="GR-LC")
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D, lines=[
            DeliveryLineIn(line_no=10, qty=Decimal(6))]))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("LB", 5), ("LA", 1)]
        assert dn.number.startswith("DEL-")
        uow.commit()
    with gemba.uow() as uow:
        assert lots_on_hand(uow, "PAINT") == {"LA": 4, "LC": 5, "LH": 5, "LX": 5}
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", "LC", Decimal(1))]
        assert get_sales_order(uow, number).status == "partially_delivered"
        assert_invariants(uow)
    # a new order: LC expires first; LH (held) and LX (expired) are never taken
    other = confirmed(gemba, "PAINT", 8)
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=other, delivery_date=D))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("LC", 4), ("LA", 4)]
        uow.commit()
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("LC", 1)]
        uow.commit()
    # only the held and the expired lot are left: nothing to deliver
    third = confirmed(gemba, "PAINT", 1)
    with gemba.uow() as uow:
        assert lots_on_hand(uow, "PAINT") == {"LH": 5, "LX": 5}
        assert reserved_for(uow, f"{third}/10") == []
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=third, delivery_date=D))
        assert exc.value.issues[0].field == "lines[0].qty"
        assert exc.value.issues[0].rule == "enough_stock"
        assert_invariants(uow)


def test_a_reserved_lot_put_on_hold_is_not_delivered(gemba, paint):
    number = confirmed(gemba, "PAINT", 4)
    with gemba.uow() as uow:
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", "LB", Decimal(4))]
        hold_lot(uow, "PAINT", "LB", HoldIn(reason="complaint"))
        uow.commit()
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("LA", 4)]
        uow.commit()
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "delivered"
        assert_invariants(uow)


@pytest.mark.parametrize(("lot", "rule"), [("LH", "not_on_hold"), ("LX", "not_expired"),
                                           ("NOPE", "exists")])
def test_naming_an_unusable_lot_is_refused_and_writes_nothing(gemba, paint, lot, rule):
    number = confirmed(gemba, "PAINT", 4)
    with gemba.uow() as uow:
        before = counts(uow)
        reserved = reserved_for(uow, f"{number}/10")
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, delivery_date=D, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(1)),
                DeliveryLineIn(line_no=10, qty=Decimal(2), lot=lot)]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == ("lines[1].lot", rule)
        uow.rollback()
    with gemba.uow() as uow:
        assert counts(uow) == before
        assert reserved_for(uow, f"{number}/10") == reserved
        assert get_sales_order(uow, number).lines[0].qty_delivered == 0
        assert_invariants(uow)


def test_named_lot_of_another_item_and_over_delivery(gemba, paint, receive):
    receive("GEAR", 10, "2.00")
    number = confirmed(gemba, "GEAR", 3)
    paint_order = confirmed(gemba, "PAINT", 2)
    with gemba.uow() as uow:
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(2)),
                DeliveryLineIn(line_no=10, qty=Decimal(2))]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines[1].qty", "not_more_than_open")
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(1), lot="LA")]))
        assert exc.value.issues[0].rule == "not_tracked"
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[DeliveryLineIn(line_no=20,
                                                                        qty=Decimal(1))]))
        assert exc.value.issues[0].field == "lines[0].line_no"
        assert counts(uow) == before
    receive("MOTOR", 1, "80.00", lot="SN-PAINT-CLASH", ref="GR-M")
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        deliver(uow, DeliveryIn(order=paint_order, lines=[
            DeliveryLineIn(line_no=10, qty=Decimal(1), lot="SN-PAINT-CLASH")]))
    assert (exc.value.issues[0].field, exc.value.issues[0].rule) == ("lines[0].lot",
                                                                    "right_item")


def test_quotations_are_not_delivered(gemba, sales, receive):
    receive("GEAR", 10, "2.00")
    with gemba.uow() as uow:
        so = create_sales_order(uow, SalesOrderIn(customer="ACME", status="quotation",
                                                  order_date=D, lines=[
                                                      SalesOrderLineIn(item="GEAR",
                                                                       qty=Decimal(1))]))
        with pytest.raises(Conflict, match="confirm it first"):
            deliver(uow, DeliveryIn(order=so.number))
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order="SO-999999"))
        assert exc.value.issues[0].field == "order"


def test_serial_numbers_are_picked_or_named(gemba, sales, receive):
    for sn, cost in (("SN1", "80.00"), ("SN2", "82.00"), ("SN3", "84.00")):
        receive("MOTOR", 1, cost, lot=sn, ref=f"GR-{sn}")
    number = confirmed(gemba, "MOTOR", 3)
    with gemba.uow() as uow:
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(2), serials=["SN3"])]))
        assert exc.value.issues[0].field == "lines[0].serials"
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(2), lot="SN3")]))
        assert exc.value.issues[0].rule == "serial_is_one"
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D, lines=[
            DeliveryLineIn(line_no=10, qty=Decimal(2), serials=["SN3", "SN1"])]))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("SN3", 1), ("SN1", 1)]
        uow.commit()
    with gemba.uow() as uow:
        assert lots_on_hand(uow, "MOTOR") == {"SN2": 1}
        assert reserved_for(uow, f"{number}/10") == [("WH/STOCK", "SN2", Decimal(1))]
        # fifo: the first two layers (80 + 82) went out whatever serials were named
        assert account_balance(uow, "5000") == Decimal("162.00")
        with pytest.raises(ValidationFailed) as exc:
            deliver(uow, DeliveryIn(order=number, lines=[
                DeliveryLineIn(line_no=10, qty=Decimal(1), serials=["SN1"])]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines[0].serials[0]", "enough_stock")
        uow.rollback()
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D))
        assert [p.lot_code for p in dn.lines[0].picks] == ["SN2"]
        uow.commit()
    with gemba.uow() as uow:
        assert get_sales_order(uow, number).status == "delivered"
        assert_invariants(uow)


def test_return_brings_goods_back_at_the_delivered_cost(gemba, paint):
    number = confirmed(gemba, "PAINT", 7)
    with gemba.uow() as uow:
        dn = deliver(uow, DeliveryIn(order=number, delivery_date=D))
        assert [(p.lot_code, p.qty) for p in dn.lines[0].picks] == [("LB", 5), ("LA", 2)]
        dn_number = dn.number
        uow.commit()
    with gemba.uow() as uow:
        cogs = account_balance(uow, "5000")
        # average cost of LA 5.00 x5, LB 6.00 x5, LH and LX 5.50 x5 each: 5.50
        assert cogs == Decimal("38.50")
        before = counts(uow)
        with pytest.raises(ValidationFailed) as exc:
            return_goods(uow, ReturnIn(delivery=dn_number, return_date=D, lines=[
                ReturnLineIn(line_no=10, qty=Decimal(3), lot="LA")]))
        assert (exc.value.issues[0].field, exc.value.issues[0].rule) == \
            ("lines[0].lot", "not_more_than_delivered")
        with pytest.raises(ValidationFailed) as exc:
            return_goods(uow, ReturnIn(delivery=dn_number, return_date=D, lines=[
                ReturnLineIn(line_no=10, qty=Decimal(8))]))
        assert exc.value.issues[0].field == "lines[0].qty"
        with pytest.raises(ValidationFailed) as exc:
            return_goods(uow, ReturnIn(delivery=dn_number, return_date=D, lines=[
                ReturnLineIn(line_no=10, qty=Decimal(1), lot="LH")]))
        assert exc.value.issues[0].rule == "delivered"
        assert counts(uow) == before
        ret = return_goods(uow, ReturnIn(delivery=dn_number, return_date=D + timedelta(1),
                                         reason="damaged tins", lines=[
                                             ReturnLineIn(line_no=10, qty=Decimal(2),
                                                          lot="LA"),
                                             ReturnLineIn(line_no=10, qty=Decimal(1))]))
        assert ret.number.startswith("RET-")
        assert [(ln.lot_code, ln.qty) for ln in ret.lines] == [("LA", 2), ("LB", 1)]
        uow.commit()
    with gemba.uow() as uow:
        assert account_balance(uow, "5000") == cogs - Decimal("16.50")
        assert lots_on_hand(uow, "PAINT")["LA"] == 5
        dn = get_delivery(uow, dn_number)
        assert dn.lines[0].qty_returned == 3
        assert get_sales_order(uow, number).lines[0].qty_returned == 3
        assert_invariants(uow)
        with pytest.raises(ValidationFailed):
            return_goods(uow, ReturnIn(delivery=dn_number, return_date=D, lines=[
                ReturnLineIn(line_no=10, qty=Decimal(5))]))
