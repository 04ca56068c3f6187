"""Production orders: snapshot of routing and BOM (phantoms blown through), the status
life cycle, and the ProductionSchedule each change sends to the MES through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gemba.contracts.isa95 import PRODUCTION_SCHEDULE, ProductionSchedule, from_payload
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, PermissionDenied, ValidationFailed
from gemba.core.events.models import OutboxMessage
from gemba.core.listing import PageRequest
from gemba.erp.production.production_order import (
    OrderStatus,
    ProductionOrderIn,
    ProductionOrderPatch,
    cancel_production_order,
    close_production_order,
    create_production_order,
    get_production_order,
    list_production_orders,
    release_production_order,
    update_production_order,
)
from production_testing import DAY, D, new_order, setup_factory

VIEWER = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))


@pytest.fixture
def factory(gemba):
    setup_factory(gemba)
    return gemba


def schedules(gemba) -> list[ProductionSchedule]:
    with gemba.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == PRODUCTION_SCHEDULE).order_by(OutboxMessage.id)).all()
        return [from_payload(ProductionSchedule, r.payload) for r in rows]


def test_order_snapshots_routing_and_bom_with_phantoms_blown_through(factory):
    number = new_order(factory)
    assert number == "MO-000001"
    with factory.uow() as uow:
        order = get_production_order(uow, number)
        assert order.status == OrderStatus.PLANNED and order.revision == 1
        assert order.bom_number is not None and order.routing_number is not None
        assert [(c.item_code, c.qty_per, c.qty_required) for c in order.components] == [
            ("BOLT", D(4), D(40)), ("STEEL", D(2), D(20))]
        assert [(o.seq, o.work_center_code, o.setup_min, o.run_min_per_unit)
                for o in order.operations] == [(10, "WC-CUT", D(10), D(3)),
                                               (20, "WC-ASM", D(5), D(6))]
        page = list_production_orders(uow, PageRequest(filters=(("status", "planned"),)))
        assert [o.number for o in page.items] == [number]
    assert schedules(factory) == []  # a planned order is the ERP's business only


def test_release_publishes_exactly_one_schedule_with_the_order(factory):
    number = new_order(factory, release=True)
    (msg,) = schedules(factory)
    (req,) = msg.requests
    assert (req.id, req.revision, req.product, req.quantity, req.uom, req.state) == (
        number, 1, "FRAME", D(10), "ea", "active")
    assert req.end_time == datetime(2026, 3, 9, 23, 59, 59, tzinfo=UTC)
    assert req.start_time == datetime(2026, 3, 2, tzinfo=UTC)
    assert [(s.segment_id, s.equipment_id, s.setup_minutes, s.run_minutes_per_unit)
            for s in req.segments] == [("10", "WC-CUT", D(10), D(3)),
                                       ("20", "WC-ASM", D(5), D(6))]
    assert [(m.material_definition_id, m.quantity, m.uom, m.use) for m in req.materials] == [
        ("BOLT", D(40), "ea", "Consumed"), ("STEEL", D(20), "kg", "Consumed")]
    with factory.uow() as uow:
        assert get_production_order(uow, number).status == OrderStatus.RELEASED
        with pytest.raises(Conflict):
            release_production_order(uow, number)


def test_changing_a_released_order_sends_the_next_revision(factory):
    number = new_order(factory, release=True)
    with factory.uow() as uow:
        order = get_production_order(uow, number)
        update_production_order(uow, number, ProductionOrderPatch(
            version=order.version, qty=D(12), due_date=DAY + timedelta(days=9)))
        uow.commit()
    with factory.uow() as uow:
        order = get_production_order(uow, number)
        assert order.revision == 2
        assert {c.item_code: c.qty_required for c in order.components} == {
            "BOLT": D(48), "STEEL": D(24)}
    first, second = schedules(factory)
    assert (second.requests[0].revision, second.requests[0].quantity) == (2, D(12))
    assert second.requests[0].end_time.date() == DAY + timedelta(days=9)
    with factory.uow() as uow:
        cancel_production_order(uow, number)
        uow.commit()
    last = schedules(factory)[-1].requests[0]
    assert (last.revision, last.state) == (3, "cancelled")


def test_planned_changes_and_cancel_stay_in_the_erp(factory):
    number = new_order(factory)
    with factory.uow() as uow:
        order = get_production_order(uow, number)
        update_production_order(uow, number, ProductionOrderPatch(version=order.version,
                                                                  qty=D(5)))
        cancel_production_order(uow, number)
        uow.commit()
    with factory.uow() as uow:
        order = get_production_order(uow, number)
        assert (order.status, order.revision, order.qty) == (OrderStatus.CANCELLED, 1, D(5))
        with pytest.raises(Conflict):
            update_production_order(uow, number, ProductionOrderPatch(version=order.version,
                                                                      qty=D(6)))
        with pytest.raises(Conflict, match="only a completed order"):
            close_production_order(uow, number)
    assert schedules(factory) == []


def test_refusals(factory):
    with factory.uow() as uow:
        with pytest.raises(ValidationFailed) as err:
            create_production_order(uow, ProductionOrderIn(item="STEEL", qty=D(1),
                                                           due_date=DAY))
        assert err.value.issues[0].field == "item"
        with pytest.raises(ValidationFailed) as err:
            create_production_order(uow, ProductionOrderIn(item="FRAME", qty=D("1.5"),
                                                           due_date=DAY))
        assert err.value.issues[0].field == "qty"  # FRAME is counted in whole units
    with factory.uow(VIEWER) as uow, pytest.raises(PermissionDenied):
        create_production_order(uow, ProductionOrderIn(item="FRAME", qty=D(1), due_date=DAY))
    with pytest.raises(ValueError, match="start_date"):
        ProductionOrderIn(item="FRAME", qty=D(1), due_date=DAY, start_date=DAY + timedelta(1))
