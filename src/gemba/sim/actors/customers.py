"""Customers order over the working day: a Poisson number of orders per day at random
times, each with one to a few lines of what that customer buys, for a requested date a few
days out; the sales desk enters and confirms them (confirming reserves stock)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)
from gemba.sim.clock import working_day_after
from gemba.sim.profile import CustomerBehaviour
from gemba.sim.world import Process, SimActor, actor

SALES = actor("sales", Role.SALES)
OPEN_HOURS = (8 * 60, 18 * 60)  # orders come in between 08:00 and 18:00


class Customers(SimActor):
    name = "customers"

    def start(self) -> None:
        self.sim.daily(time(0, 5), self._plan_day)

    def _plan_day(self) -> Process | None:
        """Draw today's orders and schedule each at its minute."""
        profile = self.sim.profile
        if not profile.customers:
            return None
        count = self._poisson(profile.orders_per_day)
        midnight = self.sim.clock.midnight(self.sim.today)
        times = sorted(self.rng.uniform(*OPEN_HOURS) for _ in range(count))
        for t in times:
            customer = self.rng.choices(profile.customers,
                                        weights=[c.weight for c in profile.customers])[0]
            order = self._draw(customer)
            self.sim.at(midnight + t, lambda o=order, c=customer: self._place(c, o))
        return None

    def _poisson(self, mean: float) -> int:
        count, total = 0, self.rng.expovariate(1.0)
        while total < mean:
            count += 1
            total += self.rng.expovariate(1.0)
        return count

    def _draw(self, c: CustomerBehaviour) -> tuple[int, list[tuple[str, int]]]:
        lines = min(self.rng.randint(1, c.max_lines), len(c.products))
        chosen: list[tuple[str, int]] = []
        pool = list(c.products)
        for _ in range(lines):
            product = self.rng.choices(pool, weights=[p.weight for p in pool])[0]
            pool.remove(product)
            chosen.append((product.item, self.rng.randint(product.qty_min, product.qty_max)))
        return self.rng.randint(*c.lead_days), chosen

    def _place(self, c: CustomerBehaviour, order: tuple[int, list[tuple[str, int]]]) -> None:
        lead, lines = order
        today = self.sim.today
        wanted = working_day_after(today, lead)
        n = self.sim.stats["orders_placed"] + 1

        def enter(uow: UnitOfWork) -> str:
            so = create_sales_order(uow, SalesOrderIn(
                customer=c.code, order_date=today, requested_date=wanted, tax_pct=c.tax_pct,
                customer_ref=f"{c.code[:6]}-{today:%y%m%d}-{n}",
                lines=[SalesOrderLineIn(item=item, qty=Decimal(qty)) for item, qty in lines]))
            confirm_sales_order(uow, so.number, day=today)
            return so.number

        if self.sim.tx(SALES, enter) is not None:
            self.sim.stats["orders_placed"] += 1
            self.sim.emit("stock_changed")  # confirming reserved stock
