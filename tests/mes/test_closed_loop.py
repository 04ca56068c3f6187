"""THE closed loop, end to end: a sales order for a manufactured item, an ERP production
order released to the MES over the ISA-95 contract, operators running every operation on the
MES, the ERP applying the performance reports, closing the order through WIP, then delivering
and invoicing the sales order. Once in embedded mode (relayed after each commit), once with
every message delivered twice and shuffled: the same end state."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from gemba.bootstrap import Gemba, bootstrap
from gemba.contracts.isa95 import PRODUCTION_SCHEDULE
from gemba.core.audit.recorder import history
from gemba.core.events.envelope import Envelope
from gemba.erp.finance.journal import account_balance
from gemba.erp.finance.production_posting import wip_balance
from gemba.erp.inventory.stock import on_hand
from gemba.erp.mes_link.consumer import MesRejection as ErpRejection
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.production.production_order import (
    OrderStatus,
    close_production_order,
    get_production_order,
)
from gemba.erp.sales.delivery import DeliveryIn, deliver
from gemba.erp.sales.invoice import InvoiceIn, create_invoice
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
    get_sales_order,
)
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.erp_link.schedule_consumer import MesRejection
from gemba.mes.work_order import WorkOrderStatus
from production_testing import D, assert_books_balance, new_order, setup_factory


def run(gemba: Gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def sell(gemba: Gemba) -> str:
    """ACME orders 8 FRAME at 30.00 before any is made."""
    run(gemba, create_partner, PartnerIn(code="ACME", name="Acme", is_customer=True))
    so = run(gemba, create_sales_order, SalesOrderIn(customer="ACME", lines=[
        SalesOrderLineIn(item="FRAME", qty=D(8), unit_price=D(30))])).number
    run(gemba, confirm_sales_order, so)
    return so


def shop_floor(gemba: Gemba, number: str) -> None:
    """Operators run the work order: 21 kg STEEL (lot L1) and 36 BOLT, 9 good + 1 scrap at
    Cut, 8 good (lot FL-1) + 1 scrap at Assemble; ANNA 60 + 45 minutes."""
    run(gemba, wo_.release_work_order, number)
    run(gemba, ex.start_operation, number, 10, "ANNA")
    run(gemba, ex.consume, number, 10, "STEEL", "L1", D(21))
    run(gemba, ex.complete_operation, number, 10, D(9), D(1), "burr", minutes=D(60))
    run(gemba, ex.start_operation, number, 20, "ANNA")
    run(gemba, ex.consume, number, 20, "BOLT", None, D(36))
    run(gemba, ex.produce, number, 20, "FL-1")
    run(gemba, ex.complete_operation, number, 20, D(8), D(1), "dent", minutes=D(45))


def erp_state(gemba: Gemba, number: str) -> dict[str, Any]:
    with gemba.uow() as uow:
        o = get_production_order(uow, number)
        return {"order": (o.status, o.qty_good, o.qty_scrap, o.labour_minutes, o.labour_cost),
                "wip": wip_balance(uow, number), "steel": on_hand(uow, "STEEL"),
                "bolt": on_hand(uow, "BOLT"), "frame": on_hand(uow, "FRAME")}


# WIP = STEEL 21 x 2.00 + BOLT 36 x 0.50 + labour 105 min at 40.00/h (70) - 8 FRAME x 12.00
AFTER_FLOOR = {"order": (OrderStatus.COMPLETED, D(8), D(2), D(105), D(70)), "wip": D(34),
               "steel": D(9), "bolt": D(64), "frame": D(8)}


def close_and_ship(gemba: Gemba, number: str, so: str) -> dict[str, Any]:
    run(gemba, close_production_order, number)
    run(gemba, deliver, DeliveryIn(order=so))
    run(gemba, create_invoice, InvoiceIn(order=so))
    with gemba.uow() as uow:
        assert_books_balance(uow)  # trial balance, ledger = balances, inventory = 1300
        assert wip_balance(uow, number) == 0 and account_balance(uow, "1400") == 0
        assert account_balance(uow, "5200") == D(34)  # production variance
        assert get_production_order(uow, number).status == OrderStatus.CLOSED
        order = get_sales_order(uow, so)
        return {"frame": on_hand(uow, "FRAME"), "so": order.status.value,
                "revenue": account_balance(uow, "4000"),
                "inventory": account_balance(uow, "1300"),
                "rejections": (uow.session.scalar(select(func.count()).select_from(
                    ErpRejection)), uow.session.scalar(select(func.count()).select_from(
                        MesRejection)))}


def test_sales_to_production_to_mes_and_back(gemba):
    setup_factory(gemba)
    so = sell(gemba)
    number = new_order(gemba, release=True)  # the schedule reaches the MES after commit
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, number)
        assert (wo.status, wo.qty, [op.work_center for op in wo.operations]) == (
            WorkOrderStatus.RECEIVED, D(10), ["WC-CUT", "WC-ASM"])
        assert sorted((m.item, m.qty) for m in wo.materials) == [("BOLT", D(40)),
                                                                 ("STEEL", D(20))]
    shop_floor(gemba, number)
    assert erp_state(gemba, number) == AFTER_FLOOR
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, number).status == WorkOrderStatus.COMPLETED
        g = ex.genealogy(uow, number)
        assert [(i.item, i.lot) for i in g.inputs] == [("BOLT", None), ("STEEL", "L1")]
        assert [(o.item, o.lot, o.qty) for o in g.outputs] == [("FRAME", "FL-1", D(8))]
    final = close_and_ship(gemba, number, so)
    assert final["frame"] == 0 and final["so"] in ("delivered", "invoiced", "closed")
    assert final["revenue"] == D(-240) and final["rejections"] == (0, 0)
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, number)
        po = get_production_order(uow, number)
        mes_trail = history(uow.session, "mes_work_orders", wo.id)
        erp_trail = history(uow.session, "erp_production_orders", po.id)
        assert {"create", "update"} <= {e.action for e in mes_trail}
        assert any((e.new_values or {}).get("status") == "completed" for e in mes_trail)
        assert any((e.new_values or {}).get("status") == "closed" for e in erp_trail)
        assert {e.actor for e in erp_trail} >= {"system"}


class Collect:
    """A transport that only records what the relay sends."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []

    def send(self, envelope: Envelope) -> None:
        self.sent.append(envelope)


@pytest.mark.parametrize("seed", [7])
def test_twice_and_shuffled_gives_the_same_state(gemba, seed):
    collect = Collect()
    app = bootstrap(gemba.settings, transport=collect)  # no relay after commit
    try:
        setup_factory(app)
        so = sell(app)
        number = new_order(app, release=True)
        app.relay.relay_pending()
        schedules = [e for e in collect.sent if e.topic == PRODUCTION_SCHEDULE]
        assert len(schedules) == 1
        for env in schedules * 2:
            app.bus.send(env)
        collect.sent.clear()
        shop_floor(app, number)
        app.relay.relay_pending()
        reports = list(collect.sent)
        assert len(reports) >= 6 and not any(e.topic == PRODUCTION_SCHEDULE for e in reports)
        deliveries = reports * 2
        random.Random(seed).shuffle(deliveries)
        for env in deliveries:
            app.bus.send(env)
        assert erp_state(app, number) == AFTER_FLOOR
        final = close_and_ship(app, number, so)
        assert final["frame"] == 0 and final["revenue"] == D(-240)
        assert final["rejections"] == (0, 0)
    finally:
        app.close()


def test_rejected_schedule_item_does_not_stop_the_loop(gemba):
    """Sanity: the ERP refuses a report for an unknown request (a MES-only order) and keeps
    it; the real order goes on."""
    setup_factory(gemba)
    from mes_helpers import receive

    receive(gemba, "FOREIGN-1", steps=(("10", "WC-CUT"),), materials=())
    run(gemba, wo_.release_work_order, "FOREIGN-1")
    run(gemba, ex.start_operation, "FOREIGN-1", 10, "ANNA")
    run(gemba, ex.complete_operation, "FOREIGN-1", 10, D(10), minutes=D(1))
    number = new_order(gemba, release=True)
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, number).status == WorkOrderStatus.RECEIVED
        errors = uow.session.scalars(select(ErpRejection.error)).all()
    assert errors and all("FOREIGN-1" in e for e in errors)
    assert Decimal(0) == erp_state(gemba, number)["frame"]
