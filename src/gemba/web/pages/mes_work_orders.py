"""MES work orders for the supervisor: the list by priority and due date, the detail with
WIP per operation, and release / hold / release from hold / cancel / priority / split."""

from __future__ import annotations

from typing import Any

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.forms import Field, enum_choices

P = Permission
SUPERVISOR = "Supervisor"


def load_operations(uow: UnitOfWork, record: wo_.WorkOrder) -> dict[str, Any]:
    ops = {op.seq: op for op in record.operations}
    return {"wip": [(line, ops[line.seq]) for line in ex.wip(uow, record.number)],
            "note": record.note}


def load_supervisor(uow: UnitOfWork, record: wo_.WorkOrder) -> dict[str, Any]:
    return {"status": record.status.value}


WORK_ORDERS = register_concept(Concept(
    area="mes", slug="work-orders", title="Work orders", singular="Work order",
    record_type="mes_work_orders", read_permission=P.MES_READ,
    write_permission=P.MES_SUPERVISE, list_fn=wo_.list_work_orders,
    get_fn=wo_.get_work_order, key_attr="number", nav_order=10,
    description="What the ERP asked the floor to make; release it to the dispatch lists.",
    search_hint="number or product",
    columns=[Column("number", "Number", link=True), Column("product", "Product"),
             Column("qty", "Qty", numeric=True), Column("due", "Due"),
             Column("priority", "Priority", numeric=True), Column("status", "Status"),
             Column("qty_good", "Good", numeric=True),
             Column("qty_scrap", "Scrap", numeric=True)],
    details=[Column("number", "Number"), Column("request_id", "ERP order"),
             Column("revision", "Revision"), Column("product", "Product"),
             Column("qty", "Quantity"), Column("uom", "Unit"), Column("due", "Due"),
             Column("priority", "Priority"), Column("status", "Status"),
             Column("qty_good", "Good"), Column("qty_scrap", "Scrap")],
    filters=[ListFilter("status", "Status", enum_choices(wo_.WorkOrderStatus))],
    panels=[Panel("Operations", "mes/work-orders/_operations_panel.html", load_operations),
            Panel(SUPERVISOR, "mes/work-orders/_supervisor_panel.html", load_supervisor,
                  permission=P.MES_SUPERVISE)],
    actions=[
        Action("release", "Release to the floor", panel=SUPERVISOR, button="Release",
               done="Released: the work order is on the dispatch lists.",
               run=lambda uow, key, data: wo_.release_work_order(uow, key)),
        Action("hold", "Hold", panel=SUPERVISOR, button="Hold", done="Held.",
               fields=[Field("reason", "Reason", required=True)], command=wo_.HoldIn,
               run=lambda uow, key, data: wo_.hold_work_order(uow, key, data.reason)),
        Action("unhold", "Release from hold", panel=SUPERVISOR, button="Release from hold",
               done="Released from hold.",
               run=lambda uow, key, data: wo_.unhold_work_order(uow, key)),
        Action("priority", "Priority", panel=SUPERVISOR, button="Set",
               done="Priority set.", command=wo_.PriorityIn,
               fields=[Field("priority", "Priority (0-1000)", kind="number",
                             required=True)],
               run=lambda uow, key, data: wo_.set_priority(uow, key, data.priority)),
        Action("split", "Split", panel=SUPERVISOR, button="Split", command=wo_.SplitIn,
               done="Split off a new work order.",
               fields=[Field("qty", "Quantity to split off", kind="decimal",
                             required=True)],
               run=lambda uow, key, data: wo_.split_work_order(uow, key, data.qty)),
        Action("cancel", "Cancel", panel=SUPERVISOR, button="Cancel", done="Cancelled.",
               run=lambda uow, key, data: wo_.cancel_work_order(uow, key)),
    ],
))
