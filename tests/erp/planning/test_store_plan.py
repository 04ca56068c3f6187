"""run_mrp and run_mrp_net_change against the database: the stored plan is the engine's plan,
a run replaces it, net change re-plans from its cache or falls back to regenerative, and
either way ends where a regenerative run would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import PermissionDenied
from gemba.core.listing import PageRequest
from gemba.erp.catalog.item import ItemPatch, get_item, update_item
from gemba.erp.planning import engine
from gemba.erp.planning.load import planning_input
from gemba.erp.planning.report import plan_dict
from gemba.erp.planning.run import (
    NET_CHANGE,
    REGENERATIVE,
    forget_cache,
    run_mrp,
    run_mrp_net_change,
    summary,
)
from gemba.erp.planning.store import (
    MrpRun,
    PlannedOrderPeg,
    item_plan,
    list_exceptions,
    list_planned_orders,
    stored_plan,
)
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)
from mrp_testing import EXPECTED, by_item, load_plant, without_messages

D = Decimal
TODAY = date(2026, 3, 2)


@pytest.fixture
def plant(gemba, tmp_path):
    forget_cache()
    assert load_plant(gemba, tmp_path / "in").ok
    yield gemba
    forget_cache()


def _stored(gemba) -> dict:
    with gemba.uow() as uow:
        return plan_dict(stored_plan(uow))


def test_the_stored_plan_is_the_hand_computed_plan(plant):
    with plant.uow() as uow:
        plan = run_mrp(uow, TODAY)
        uow.commit()
        figures = summary(uow)
    assert without_messages(plan_dict(plan)) == EXPECTED
    assert _stored(plant) == by_item(plan_dict(plan))
    assert figures is not None and figures.mode == REGENERATIVE
    assert (figures.items, figures.planned_orders, figures.exceptions) == (4, 7, 3)
    with plant.uow() as uow:
        tube = item_plan(uow, "TUBE")
        run = uow.session.scalar(select(MrpRun))
        assert (run.today, run.mode, run.planned_orders, run.actor) == \
            (TODAY, REGENERATIVE, 7, "system")
    assert [(r.date, r.gross, r.projected_on_hand, r.planned) for r in tube.rows] == [
        (date(2026, 3, 2), D(0), D(10), D(6)),
        (date(2026, 3, 11), D("1.65"), D(10), D("1.65")),
        (date(2026, 3, 13), D("4.95"), D(10), D("4.95"))]
    assert [o.qty for o in tube.planned_orders] == [D(6), D("1.65"), D("4.95")]
    assert [e.kind for e in tube.exceptions] == ["expedite"]


def test_a_run_replaces_the_stored_plan(plant):
    for _ in range(2):
        with plant.uow() as uow:
            run_mrp(uow, TODAY)
            uow.commit()
    with plant.uow() as uow:
        page = list_planned_orders(uow, PageRequest(limit=500))
        assert page.total == 7
        assert uow.session.scalar(select(func.count()).select_from(PlannedOrderPeg)) == 6
        tube = list_planned_orders(uow, PageRequest(filters=(("item", "TUBE"),
                                                             ("kind", "purchase"))))
        assert [o.qty for o in tube.items] == [D(6), D("1.65"), D("4.95")]
        excs = list_exceptions(uow, PageRequest(filters=(("kind", "reschedule_out"),)))
        assert [(e.item_code, e.ref) for e in excs.items] == [("FRAME", "MO-3"),
                                                              ("WHEEL", "PO-7")]
        assert uow.session.scalar(select(func.count()).select_from(MrpRun)) == 2


def _new_order(gemba, item: str, qty: str, due: date) -> None:
    with gemba.uow() as uow:
        order = create_sales_order(uow, SalesOrderIn(
            customer="IMPORTED", order_date=TODAY, lines=[SalesOrderLineIn(
                item=item, qty=D(qty), unit_price=D(1), requested_date=due)]))
        confirm_sales_order(uow, order.number, day=TODAY)
        uow.commit()


def _regenerated(gemba) -> dict:
    with gemba.uow() as uow:
        return plan_dict(engine.plan(planning_input(uow, TODAY)))


def test_net_change_ends_where_a_regenerative_run_would(plant):
    with plant.uow() as uow:
        run_mrp(uow, TODAY)
        uow.commit()
    with plant.uow() as uow:
        tube = get_item(uow, "TUBE")
        update_item(uow, "TUBE", ItemPatch(version=tube.version, safety_stock=D(12)))
        uow.commit()
    with plant.uow() as uow:
        plan = run_mrp_net_change(uow, TODAY, {"TUBE"})
        uow.commit()
        figures = summary(uow)
    assert figures is not None and (figures.mode, figures.items) == (NET_CHANGE, 1)
    assert plan_dict(plan) == _regenerated(plant)
    assert _stored(plant) == by_item(plan_dict(plan))
    assert [o.qty for o in plan.planned_orders if o.item == "TUBE"][0] == D(8)
    # A new order in week 12 consumes the rest of forecast FC-W12.
    _new_order(plant, "BIKE", "4", date(2026, 3, 20))
    with plant.uow() as uow:
        plan = run_mrp_net_change(uow, TODAY, {"BIKE"})
        uow.commit()
        assert summary(uow).mode == NET_CHANGE
    assert plan_dict(plan) == _regenerated(plant)
    assert _stored(plant) == by_item(plan_dict(plan))
    bike = [(o.qty, o.due_date, o.pegging[0].demand_ref) for o in plan.planned_orders
            if o.item == "BIKE"]
    assert bike[0] == (D(3), date(2026, 3, 16), "SO-1")
    assert bike[1][:2] == (D(4), date(2026, 3, 20)) and len(bike) == 2


def test_net_change_without_a_current_plan_runs_regenerative(plant):
    with plant.uow() as uow:
        run_mrp_net_change(uow, TODAY, {"BIKE"})  # nothing cached yet
        uow.commit()
        assert summary(uow).mode == REGENERATIVE
    forget_cache()  # another process, a restart: the cache is gone
    _new_order(plant, "FRAME", "2", date(2026, 3, 19))
    with plant.uow() as uow:
        plan = run_mrp_net_change(uow, TODAY, {"FRAME"})
        uow.commit()
        assert summary(uow).mode == REGENERATIVE
    assert plan_dict(plan) == _regenerated(plant)
    assert _stored(plant) == by_item(plan_dict(plan))
    with plant.uow() as uow:  # a different day: regenerative too
        run_mrp_net_change(uow, date(2026, 3, 3), {"FRAME"})
        assert summary(uow).mode == REGENERATIVE
        uow.rollback()
    # The rolled-back run is not the newest stored one: the cache is not trusted.
    _new_order(plant, "BIKE", "1", date(2026, 3, 25))
    with plant.uow() as uow:
        plan = run_mrp_net_change(uow, TODAY, {"BIKE"})
        uow.commit()
        assert summary(uow).mode == REGENERATIVE
    assert plan_dict(plan) == _regenerated(plant)
    assert _stored(plant) == by_item(plan_dict(plan))


def test_running_needs_planning_write_and_reading_planning_read(plant):
    viewer = Actor(None, "vic", frozenset({Role.VIEWER}))
    with plant.uow(viewer) as uow, pytest.raises(PermissionDenied, match="planning.write"):
        run_mrp(uow, TODAY)
    planner = Actor(None, "pat", frozenset({Role.PLANNER}))
    with plant.uow(planner) as uow:
        run_mrp(uow, TODAY)
        uow.commit()
    with plant.uow(viewer) as uow:
        assert list_planned_orders(uow, PageRequest()).total == 7
    operator = Actor(None, "olga", frozenset({Role.OPERATOR}))
    with plant.uow(operator) as uow, pytest.raises(PermissionDenied, match="planning.read"):
        list_exceptions(uow, PageRequest())
