"""Firming planned orders: purchase orders per preferred supplier, production orders released
to the MES (ProductionSchedule in the outbox, a work order made by the in-process relay), all
or nothing, never twice - also when two planners firm at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from ctp_testing import TODAY, D, ids_of, load_capacity_plant, plan, planned
from gemba.contracts.isa95 import PRODUCTION_SCHEDULE, ProductionSchedule, from_payload
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, PermissionDenied, ValidationFailed
from gemba.core.events.models import OutboxMessage
from gemba.erp.catalog.bom import Bom, BomPatch, update_bom
from gemba.erp.planning.firming import firm_by_filter, firm_planned_orders
from gemba.erp.planning.store import PlannedOrderPeg, PlannedOrderRecord
from gemba.erp.production.production_order import (
    OrderStatus,
    ProductionOrder,
    get_production_order,
)
from gemba.erp.purchasing.purchase_order import POStatus, PurchaseOrder, get_purchase_order
from gemba.erp.purchasing.supplier_item import SupplierItem
from gemba.mes.work_order import get_work_order

PLANNER = Actor(user_id=None, username="pat", roles=frozenset({Role.PLANNER}))
PLANNER_BUYER = Actor(user_id=None, username="bob",
                      roles=frozenset({Role.PLANNER, Role.BUYER}))


@pytest.fixture
def plant(gemba, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant")
    plan(gemba)
    return gemba


def firm(gemba, ids, actor=None):
    with gemba.uow(actor) if actor else gemba.uow() as uow:
        result = firm_planned_orders(uow, ids, today=TODAY)
        uow.commit()
        return result


def count(gemba, model) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_purchases_grouped_by_preferred_supplier_and_production_released_to_the_mes(plant):
    everything = [oid for rows in planned(plant).values() for oid, *_ in rows]
    tube = planned(plant)[("TUBE", "purchase")]
    result = firm(plant, everything)
    assert len(result.firmed) == 9 and len(result.purchase_orders) == 2
    assert len(result.production_orders) == 4
    assert planned(plant) == {}
    assert count(plant, PlannedOrderRecord) == 0 and count(plant, PlannedOrderPeg) == 0
    with plant.uow() as uow:
        by_supplier = {get_purchase_order(uow, n).supplier: get_purchase_order(uow, n)
                       for n in result.purchase_orders}
        steel = by_supplier["STEELCO"]  # preferred, although BETA is cheaper
        assert steel.status == POStatus.CONFIRMED and steel.order_date == TODAY
        # 1.65 kg is below STEELCO's minimum of 2 kg: ordered 2
        assert [(ln.item_code, ln.qty.normalize(), ln.unit_price, ln.expected_date)
                for ln in steel.lines] == [
            ("TUBE", D(6), D("3.50"), date(2026, 3, 2)),
            ("TUBE", D(2), D("3.50"), date(2026, 3, 11)),
            ("TUBE", D("4.95"), D("3.50"), date(2026, 3, 13))]
        assert steel.notes == "Firmed from MRP planned orders " + ", ".join(
            str(oid) for oid, *_ in tube)
        seat = by_supplier["SEATCO"]  # the only supplier of SADDLE, not marked preferred
        assert [(ln.item_code, ln.qty, ln.expected_date) for ln in seat.lines] == [
            ("SADDLE", D(3), date(2026, 3, 12)), ("SADDLE", D(3), date(2026, 3, 16))]
        firmed_tube = [f for f in result.firmed if f.item == "TUBE"]
        assert [(f.planned_qty.normalize(), f.qty.normalize(), f.line_no)
                for f in firmed_tube] == [(D(6), D(6), 1), (D("1.65"), D(2), 2),
                                          (D("4.95"), D("4.95"), 3)]
        made = sorted((get_production_order(uow, n) for n in result.production_orders),
                      key=lambda o: (o.item_code, o.due_date))
        assert [(o.item_code, o.qty.normalize(), o.start_date, o.due_date, o.status)
                for o in made] == [
            ("BIKE", D(3), date(2026, 3, 12), date(2026, 3, 16), OrderStatus.RELEASED),
            ("BIKE", D(3), date(2026, 3, 16), date(2026, 3, 18), OrderStatus.RELEASED),
            ("FRAME", D(1), date(2026, 3, 11), date(2026, 3, 12), OrderStatus.RELEASED),
            ("FRAME", D(3), date(2026, 3, 13), date(2026, 3, 16), OrderStatus.RELEASED)]
        assert [op.work_center_code for op in made[0].operations] == ["WC-ASM"]
        rows = uow.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == PRODUCTION_SCHEDULE)).all()
        sent = {r.id for m in rows for r in from_payload(ProductionSchedule, m.payload).requests}
        assert sent == set(result.production_orders)
        # embedded mode: the relay delivered the schedules and the MES made the work orders
        for number in result.production_orders:
            assert get_work_order(uow, number).number == number
    # the next MRP run sees the new orders as scheduled receipts: nothing left to plan for
    # the bikes and frames, nor for what they need
    plan(plant)
    left = planned(plant)
    assert ("BIKE", "production") not in left and ("FRAME", "production") not in left
    assert ("SADDLE", "purchase") not in left


def test_firming_again_is_a_conflict_and_changes_nothing(plant):
    (first, second) = ids_of(plant, "BIKE", "production")
    firm(plant, [first])
    orders, pos = count(plant, ProductionOrder), count(plant, PurchaseOrder)
    with pytest.raises(Conflict, match=f"planned order {first} is no longer in the plan"):
        firm(plant, [first])
    saddle = ids_of(plant, "SADDLE", "purchase")
    with pytest.raises(Conflict):
        firm(plant, [second, *saddle, first])  # all or nothing
    assert ids_of(plant, "BIKE", "production") == [second]
    assert ids_of(plant, "SADDLE", "purchase") == saddle
    assert (count(plant, ProductionOrder), count(plant, PurchaseOrder)) == (orders, pos)


def test_an_item_without_a_usable_supplier_is_named_and_nothing_is_written(plant):
    with plant.uow() as uow:
        seat = uow.session.scalar(select(SupplierItem).join(SupplierItem.item).where(
            SupplierItem.item.has(code="SADDLE")))
        uow.session.delete(seat)
        beta = uow.session.scalar(select(SupplierItem).where(SupplierItem.preferred.is_(True)))
        beta.preferred = False  # TUBE: STEELCO and BETA, none preferred
        uow.commit()
    ids = (ids_of(plant, "BIKE", "production") + ids_of(plant, "TUBE", "purchase")
           + ids_of(plant, "SADDLE", "purchase"))
    before = planned(plant)
    with pytest.raises(ValidationFailed) as caught:
        firm(plant, ids)
    messages = {i.field: i.message for i in caught.value.issues}
    assert messages["ids[2]"].startswith("TUBE has several suppliers (BETA, STEELCO) and none "
                                         "is preferred")
    assert messages["ids[5]"].startswith("SADDLE has no supplier: add a supplier item")
    assert len(messages) == 2  # one issue per item, not per planned order
    assert planned(plant) == before
    assert count(plant, ProductionOrder) == 1  # the imported MO-3 only
    assert count(plant, PurchaseOrder) == 1   # the imported PO-7 only


def test_a_failure_after_some_orders_were_made_leaves_nothing_even_if_committed(plant):
    with plant.uow() as uow:  # FRAME's BOM ends on 12/03: the frames released 13/03 fail
        bom = uow.session.scalar(select(Bom).where(Bom.item.has(code="FRAME")))
        update_bom(uow, bom.number, BomPatch(effective_to=date(2026, 3, 12),
                                             version=bom.version))
        uow.commit()
    before = planned(plant)
    ids = (ids_of(plant, "TUBE", "purchase") + ids_of(plant, "BIKE", "production")
           + ids_of(plant, "FRAME", "production"))
    with plant.uow() as uow:
        with pytest.raises(ValidationFailed) as caught:
            firm_planned_orders(uow, ids, today=TODAY)
        uow.commit()  # a careless caller: the savepoint already took everything back
    (issue,) = caught.value.issues
    assert issue.field == "ids[6]" and issue.rule == "has_bom"
    assert issue.message.startswith(f"planned order {ids[6]} (FRAME): ")
    assert planned(plant) == before
    assert (count(plant, ProductionOrder), count(plant, PurchaseOrder)) == (1, 1)
    with plant.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.topic == PRODUCTION_SCHEDULE)) == 0


def test_firming_needs_the_rights_of_the_documents_it_makes(plant):
    viewer = Actor(user_id=None, username="v", roles=frozenset({Role.VIEWER}))
    sales = Actor(user_id=None, username="s", roles=frozenset({Role.SALES}))
    tube = ids_of(plant, "TUBE", "purchase")
    bike = ids_of(plant, "BIKE", "production")
    with pytest.raises(PermissionDenied):
        firm(plant, tube, viewer)
    with pytest.raises(PermissionDenied):  # reads the plan, may not act on it
        firm(plant, bike + tube, sales)
    assert ids_of(plant, "TUBE", "purchase") == tube
    assert ids_of(plant, "BIKE", "production") == bike
    assert len(firm(plant, bike, PLANNER).production_orders) == 2
    assert len(firm(plant, tube, PLANNER_BUYER).purchase_orders) == 1


def test_firm_by_filter(plant):
    with plant.uow() as uow:
        result = firm_by_filter(uow, kind="purchase", expedite=True, today=TODAY)
        uow.commit()
    assert [(f.item, f.qty.normalize()) for f in result.firmed] == [("TUBE", D(6))]
    assert len(ids_of(plant, "TUBE", "purchase")) == 2
    with plant.uow() as uow, pytest.raises(ValidationFailed, match="no planned order"):
        firm_by_filter(uow, kind="purchase", expedite=True)
    with plant.uow() as uow, pytest.raises(ValidationFailed):
        firm_planned_orders(uow, [])


def test_two_planners_firming_the_same_orders_at_once_firm_them_once(plant, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has a single writer: there is no race to lose")
    ids = ids_of(plant, "TUBE", "purchase") + ids_of(plant, "BIKE", "production")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def planner() -> None:
        with plant.uow() as uow:
            barrier.wait()
            try:
                result = firm_planned_orders(uow, ids, today=TODAY)
                uow.commit()
                outcomes.append(result)
            except Conflict as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 2
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and "no longer in the plan" in conflicts[0].message
    assert count(plant, PurchaseOrder) == 2   # PO-7 and the one firmed
    assert count(plant, ProductionOrder) == 3  # MO-3 and two bikes
    assert ids_of(plant, "TUBE", "purchase") == []
