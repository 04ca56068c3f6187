"""Net change without being told what changed: the ERP records the items each transaction
touches (orders, stock, BOMs, items), and a net-change run re-plans exactly those."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_store_plan import TODAY, _new_order, _regenerated, _stored, plant  # noqa: F401

from gemba.erp.catalog.item import ItemPatch, get_item, update_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.planning.changes import pending_changes
from gemba.erp.planning.report import plan_dict
from gemba.erp.planning.run import NET_CHANGE, run_mrp, run_mrp_net_change, summary
from mrp_testing import by_item

D = Decimal


def changed(gemba) -> set[str]:
    with gemba.uow() as uow:
        return pending_changes(uow)[1]


def test_a_net_change_run_replans_what_transactions_recorded(plant):  # noqa: F811
    with plant.uow() as uow:
        run_mrp(uow, TODAY)
        uow.commit()
    assert changed(plant) == set()  # a regenerative run consumes everything
    _new_order(plant, "BIKE", "4", date(2026, 3, 20))
    assert changed(plant) == {"BIKE"}
    with plant.uow() as uow:  # stock of TUBE arrives; FRAME's planning data changes
        post_moves(uow, [MoveIn("TUBE", D(7), "SUPPLIER", "WH/STOCK", unit_cost=D(2))],
                   doc_type="receipt", doc_ref="GR-X", day=date(2026, 3, 2))
        frame = get_item(uow, "FRAME")
        update_item(uow, "FRAME", ItemPatch(version=frame.version, lead_time_days=2))
        uow.commit()
    assert changed(plant) == {"BIKE", "TUBE", "FRAME"}
    with plant.uow() as uow:
        plan = run_mrp_net_change(uow, TODAY)
        uow.commit()
        assert summary(uow).mode == NET_CHANGE
    assert changed(plant) == set()
    assert plan_dict(plan) == _regenerated(plant)
    assert _stored(plant) == by_item(plan_dict(plan))


def test_a_rolled_back_change_records_nothing(plant):  # noqa: F811
    with plant.uow() as uow:
        run_mrp(uow, TODAY)
        uow.commit()
    with plant.uow() as uow:
        frame = get_item(uow, "FRAME")
        update_item(uow, "FRAME", ItemPatch(version=frame.version, safety_stock=D(3)))
        uow.rollback()
    assert changed(plant) == set()
