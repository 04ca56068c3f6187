"""The MES supervisor at the start of each shift: releases the work orders the ERP sent
whose start date has come (tomorrow's too, so the floor never runs dry), and raises the
priority of those due within a day, so the dispatch lists put them first."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from gemba.core.auth.permissions import Role
from gemba.core.db.uow import UnitOfWork
from gemba.core.listing import PageRequest
from gemba.mes.work_order import (
    WorkOrderStatus,
    list_work_orders,
    release_work_order,
    set_priority,
)
from gemba.sim.world import SimActor, actor

SUPERVISOR = actor("supervisor", Role.SUPERVISOR)
URGENT = 10
PAGE = 500


class Supervisor(SimActor):
    name = "supervisor"

    def start(self) -> None:
        for at in (time(5, 45), time(13, 45)):
            self.sim.daily(at, self.shift_start)
        self.sim.on("work_received", self.shift_start)

    def shift_start(self) -> None:
        now = self.sim.clock.at(self.sim.now)
        horizon = datetime.combine(self.sim.today + timedelta(days=2), time(0), tzinfo=UTC)
        urgent_until = now + timedelta(days=1)

        def release(uow: UnitOfWork) -> tuple[int, int]:
            released = raised = 0
            received = list_work_orders(uow, PageRequest(
                limit=PAGE, filters=(("status", WorkOrderStatus.RECEIVED.value),))).items
            for wo in sorted(received, key=lambda w: (w.due, w.number)):
                if wo.start_at is None or wo.start_at < horizon:
                    release_work_order(uow, wo.number)
                    released += 1
            for status in (WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS):
                for wo in list_work_orders(uow, PageRequest(
                        limit=PAGE, filters=(("status", status.value),))).items:
                    if wo.priority < URGENT and wo.due <= urgent_until:
                        set_priority(uow, wo.number, URGENT)
                        raised += 1
            return released, raised

        done = self.sim.tx(SUPERVISOR, release)
        if done and any(done):
            self.sim.stats["work_orders_released"] += done[0]
            self.sim.stats["priorities_raised"] += done[1]
            self.sim.emit("work_released")
