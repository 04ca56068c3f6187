"""The ERP side of the closed loop: MES performance reports post consumption, output and
conversion cost, move the order on and close it through WIP; applying is idempotent and
order-safe, and a refused report writes nothing."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_STATUS,
    MessageHeader,
    ProductionStatus,
    to_payload,
)
from gemba.core.errors import ValidationFailed
from gemba.erp.finance.journal import JournalEntry, account_balance, account_balances
from gemba.erp.finance.production_posting import wip_balance
from gemba.erp.inventory.ledger import MoveIn, StockMove, post_moves
from gemba.erp.inventory.lot import HoldIn, hold_lot
from gemba.erp.inventory.stock import on_hand
from gemba.erp.mes_link.consumer import MesRejection
from gemba.erp.mes_link.performance import apply_performance, apply_status
from gemba.erp.production.cost_sheet import cost_sheet
from gemba.erp.production.production_order import (
    OrderStatus,
    close_production_order,
    get_production_order,
)
from production_testing import (
    D,
    assert_books_balance,
    consumed,
    new_order,
    performance,
    produced,
    response,
    setup_factory,
    three_reports,
    whole_run,
)


@pytest.fixture
def order(gemba) -> str:
    setup_factory(gemba)
    return new_order(gemba, release=True)


def apply(gemba, msg) -> None:
    with gemba.uow() as uow:
        apply_performance(uow, msg)
        uow.commit()


def state(gemba, number: str) -> dict:
    """What must not depend on how often or in which order reports arrived."""
    with gemba.uow() as uow:
        o = get_production_order(uow, number)
        return {
            "steel": on_hand(uow, "STEEL"), "bolt": on_hand(uow, "BOLT"),
            "frame": on_hand(uow, "FRAME"), "accounts": account_balances(uow),
            "order": (o.status, o.qty_good, o.qty_scrap, o.labour_minutes, o.labour_cost,
                      o.machine_minutes),
            "wip": wip_balance(uow, number),
        }


def test_a_run_posts_stock_cost_and_closes_through_wip(gemba, order):
    apply(gemba, whole_run(order))
    with gemba.uow() as uow:
        assert on_hand(uow, "STEEL") == D(9) and on_hand(uow, "BOLT") == D(60)
        assert on_hand(uow, "FRAME") == D(8)  # scrap never entered stock
        o = get_production_order(uow, order)
        assert (o.status, o.qty_good, o.qty_scrap) == (OrderStatus.COMPLETED, D(8), D(2))
        assert (o.labour_minutes, o.labour_cost, o.machine_minutes) == (D(90), D(60), D(120))
        assert o.warning_list == []
        # WIP = consumed 42 + 20 + labour 60 - output 8 x 12 at standard = 26
        assert wip_balance(uow, order) == D(26)
        assert account_balance(uow, "2300") == D(-60)  # accrued labour
        lots = uow.session.scalars(select(StockMove.lot_id).where(
            StockMove.doc_ref == order, StockMove.to_location_id != None)).all()  # noqa: E711
        assert any(lots)
        sheet = cost_sheet(uow, order)
        assert (sheet.planned_material, sheet.actual_material) == (D(60), D(62))
        assert (sheet.actual_labour, sheet.actual_output, sheet.variance) == (
            D(60), D(96), D(26))
        assert [(m.item_code, m.planned_qty, m.actual_qty) for m in sheet.materials] == [
            ("BOLT", D(40), D(40)), ("STEEL", D(20), D(21))]
        assert_books_balance(uow)
    with gemba.uow() as uow:
        close_production_order(uow, order)
        uow.commit()
    with gemba.uow() as uow:
        assert wip_balance(uow, order) == 0
        assert account_balance(uow, "1400") == 0
        assert account_balance(uow, "5200") == D(26)
        assert get_production_order(uow, order).status == OrderStatus.CLOSED
        assert cost_sheet(uow, order).variance == D(26)
        assert_books_balance(uow)


@pytest.mark.parametrize("seed", [3, 11])
def test_twice_and_shuffled_gives_the_same_state(gemba, order, seed):
    reports = three_reports(order)
    deliveries = reports * 2
    random.Random(seed).shuffle(deliveries)
    for msg in deliveries:
        apply(gemba, msg)
    got = state(gemba, order)
    with gemba.uow() as uow:
        entries = uow.session.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.source_ref == order))
        assert_books_balance(uow)
    assert entries == 5  # one stock document per report, labour on the first two: once each
    assert got["order"] == (OrderStatus.COMPLETED, D(8), D(2), D(90), D(60), D(120))
    assert (got["steel"], got["bolt"], got["frame"], got["wip"]) == (D(9), D(60), D(8), D(26))


def test_increments_match_the_single_report(gemba, order):
    for msg in three_reports(order):
        apply(gemba, msg)
    increments = state(gemba, order)
    with gemba.uow() as uow:
        post_moves(uow, [MoveIn("STEEL", D(21), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=D(2))], doc_type="receipt", doc_ref="GR-T2")
        uow.commit()
    second = new_order(gemba, release=True)
    apply(gemba, whole_run(second))
    single = state(gemba, second)
    for key in ("order", "wip"):
        assert increments[key] == single[key]
    assert increments["frame"] * 2 == single["frame"]


def test_completed_first_keeps_the_earlier_reports(gemba, order):
    first, second, last = three_reports(order)
    apply(gemba, last)
    with gemba.uow() as uow:
        assert get_production_order(uow, order).status == OrderStatus.COMPLETED
    apply(gemba, second)
    apply(gemba, first)
    got = state(gemba, order)
    assert got["order"][:3] == (OrderStatus.COMPLETED, D(8), D(2))
    assert got["wip"] == D(26)


def test_a_held_lot_refuses_the_whole_message(gemba, order):
    with gemba.uow() as uow:
        hold_lot(uow, "STEEL", "L1", HoldIn(reason="lab check"))
        uow.commit()
    before = state(gemba, order)
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        apply_performance(uow, whole_run(order))
    assert err.value.issues[0].rule == "not_on_hold"
    assert err.value.issues[0].field == "responses[0].segments[0].materials[0].lot"
    assert state(gemba, order) == before
    with gemba.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(StockMove).where(
            StockMove.doc_ref == order)) == 0


def test_unknown_order_and_wrong_unit_are_refused(gemba, order):
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        apply_performance(uow, performance(response("MO-999999", 1, "started")))
    assert err.value.issues[0].field == "responses[0].request_id"
    assert "MO-999999" in err.value.message
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        apply_performance(uow, performance(response(order, 1, "started",
                                                    [consumed("BOLT", "1", uom="kg")])))
    assert err.value.issues[0].field == "responses[0].segments[0].materials[0].uom"


def test_unknown_person_costs_nothing_and_warns(gemba, order):
    apply(gemba, performance(response(order, 1, "started", labour_min="30", person="GHOST")))
    with gemba.uow() as uow:
        o = get_production_order(uow, order)
        assert (o.status, o.labour_minutes, o.labour_cost) == (
            OrderStatus.IN_PROGRESS, D(30), D(0))
        assert "GHOST" in o.warnings
        assert wip_balance(uow, order) == 0


def test_closed_orders_take_no_more_reports(gemba, order):
    apply(gemba, whole_run(order))
    with gemba.uow() as uow:
        close_production_order(uow, order)
        uow.commit()
    with gemba.uow() as uow, pytest.raises(ValidationFailed, match="closed"):
        apply_performance(uow, performance(response(order, 2, "completed", [produced("1")])))


def test_status_messages_move_the_order_forward_only(gemba, order):
    def status(seq: int, state_: str) -> ProductionStatus:
        return ProductionStatus(header=MessageHeader.new("ProductionStatus", "test-mes"),
                                request_id=order, sequence=seq, state=state_,
                                at=whole_run(order).header.sent_at)

    with gemba.uow() as uow:
        apply_status(uow, status(2, "completed"))
        assert not apply_status(uow, status(2, "completed")).applied
        apply_status(uow, status(1, "started"))
        uow.commit()
    with gemba.uow() as uow:
        assert get_production_order(uow, order).status == OrderStatus.COMPLETED


def test_reports_over_the_bus_reach_the_erp_once(gemba, order):
    """Embedded mode: the outbox relay delivers to the ERP's inbox consumer; a refused
    message is kept as a rejection and does not block the ones behind it."""
    reports = three_reports(order)
    with gemba.uow() as uow:
        for msg in reports + reports[:1]:  # the first one twice, as separate outbox rows
            uow.publish(PRODUCTION_PERFORMANCE, to_payload(msg))
        uow.publish(PRODUCTION_PERFORMANCE,
                    to_payload(performance(response("MO-999999", 1, "started"))))
        uow.publish(PRODUCTION_PERFORMANCE, {"not": "a performance message"})
        uow.publish(PRODUCTION_STATUS, to_payload(ProductionStatus(
            header=MessageHeader.new("ProductionStatus", "test-mes"), request_id=order,
            sequence=9, state="completed", at=reports[0].header.sent_at)))
        uow.commit()  # the relay runs after the commit
    got = state(gemba, order)
    assert got["order"][:3] == (OrderStatus.COMPLETED, D(8), D(2))
    assert got["wip"] == D(26)
    with gemba.uow() as uow:
        unknown, malformed = uow.session.scalars(select(MesRejection)
                                                 .order_by(MesRejection.id)).all()
        assert "MO-999999" in unknown.error
        assert malformed.error.startswith("ProductionPerformance payload: header: Field required")


def test_consumption_is_booked_to_the_units_precision(gemba, order):
    """A backflush share (1.944444 kg) is booked as the ERP counts stock: 1.944 kg; a share
    that rounds to nothing moves nothing."""
    apply(gemba, performance(response(order, 1, "started", materials=(
        consumed("STEEL", "1.944444", "L1"), consumed("BOLT", "0.4")))))
    with gemba.uow() as uow:
        assert on_hand(uow, "STEEL") == D("28.056")
        assert on_hand(uow, "BOLT") == D(100)
