"""The planner, twice a day: close the production orders the floor finished (their WIP goes to
variances), run MRP for today and firm every planned order due for release - purchase orders
to the preferred suppliers, production orders released to the MES through the outbox."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.erp.planning.firming import firm_planned_orders, planned_order_ids
from gemba.erp.planning.run import run_mrp
from gemba.erp.production.production_order import (
    OrderStatus,
    ProductionOrder,
    close_production_order,
)
from gemba.sim.clock import working_day_after
from gemba.sim.world import SimActor, actor

# Firming creates purchase orders and production orders: the planner works with the buyer's
# rights as well.
PLANNER = actor("planner", Role.PLANNER, Role.BUYER)
PLANNING = (time(5, 30), time(12, 30))  # before the early shift and at midday
FIRM_DAYS = 1  # firm what is due for release by the next day, so the floor never waits


class Planner(SimActor):
    name = "planner"

    def start(self) -> None:
        for at in PLANNING:
            self.sim.daily(at, self.morning)

    def morning(self) -> None:
        self.close_finished()
        self.plan()

    def close_finished(self) -> None:
        today = self.sim.today

        def close(uow: UnitOfWork) -> int:
            numbers = uow.session.scalars(select(ProductionOrder.number).where(
                ProductionOrder.status == OrderStatus.COMPLETED)
                .order_by(ProductionOrder.number)).all()
            for number in numbers:
                close_production_order(uow, number, day=today)
            return len(numbers)

        closed = self.sim.tx(PLANNER, close)
        self.sim.stats["production_orders_closed"] += closed or 0

    def plan(self) -> None:
        today = self.sim.today

        def mrp_and_firm(uow: UnitOfWork) -> tuple[int, int, int]:
            run_mrp(uow, today)
            ids = planned_order_ids(uow, release_until=working_day_after(today, FIRM_DAYS))
            if not ids:
                return 0, 0, 0
            result = firm_planned_orders(uow, ids, today)
            return len(result.firmed), len(result.purchase_orders), \
                len(result.production_orders)

        done = self.sim.tx(PLANNER, mrp_and_firm)
        self.sim.stats["mrp_runs"] += 1
        if done:
            firmed, purchases, productions = done
            self.sim.stats["planned_orders_firmed"] += firmed
            self.sim.stats["purchase_orders_firmed"] += purchases
            self.sim.stats["production_orders_firmed"] += productions
            if productions:
                self.sim.emit("work_received")
