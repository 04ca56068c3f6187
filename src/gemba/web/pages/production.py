"""Production order pages: the list with status and progress; the detail with operations,
components, the planned-vs-actual cost sheet, the MES's warnings, and Release / Cancel /
Close."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.listing import PageRequest
from gemba.erp.catalog import item as items
from gemba.erp.mes_link.performance import applied_responses
from gemba.erp.production import production_order as po
from gemba.erp.production.cost_sheet import cost_sheet
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.forms import Choice, Field, enum_choices

P = Permission


def manufactured_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = items.list_items(uow, PageRequest(limit=500, filters=(("type", "manufactured"),)))
    return [(i.code, f"{i.code} — {i.name}") for i in page.items]


def load_operations(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"operations": record.operations, "qty": record.qty}


def load_components(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"components": record.components}


def load_cost(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"sheet": cost_sheet(uow, record.number)}


def load_reports(uow: UnitOfWork, record: po.ProductionOrder) -> dict[str, Any]:
    return {"reports": applied_responses(uow, record.number),
            "warnings": record.warning_list}


PRODUCTION_ORDERS = register_concept(Concept(
    area="erp", slug="production-orders", title="Production orders",
    singular="Production order", record_type="erp_production_orders",
    read_permission=P.INVENTORY_READ, write_permission=P.INVENTORY_WRITE,
    list_fn=po.list_production_orders, get_fn=po.get_production_order, key_attr="number",
    nav_order=140,
    description="What the shop floor makes: released to the MES, reported back, closed "
                "through WIP.",
    search_hint="number or item",
    columns=[Column("number", "Number", link=True),
             Column("item_code", "Item", href=lambda o: f"/erp/items/{o.item_code}"),
             Column("item_name", "Name"), Column("qty", "Qty", numeric=True),
             Column("due_date", "Due"), Column("status", "Status"),
             Column("qty_good", "Good", numeric=True), Column("qty_scrap", "Scrap",
                                                               numeric=True),
             Column("progress_pct", "Progress %", numeric=True)],
    details=[Column("number", "Number"),
             Column("item_code", "Item", href=lambda o: f"/erp/items/{o.item_code}"),
             Column("item_name", "Name"), Column("qty", "Quantity"), Column("uom_code", "Unit"),
             Column("start_date", "Start"), Column("due_date", "Due"),
             Column("priority", "Priority"), Column("status", "Status"),
             Column("revision", "Revision sent to the MES"), Column("bom_number", "BOM"),
             Column("routing_number", "Routing"), Column("qty_good", "Good"),
             Column("qty_scrap", "Scrap"), Column("progress_pct", "Progress %"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("status", "Status", enum_choices(po.OrderStatus))],
    fields=[
        Field("item", "Item", kind="select", required=True, choices=manufactured_choices,
              on_edit=False),
        Field("qty", "Quantity", kind="decimal", required=True),
        Field("due_date", "Due date", kind="date", required=True),
        Field("start_date", "Start date", kind="date", nullable=True,
              help="Also picks the BOM and routing in force. Empty: today."),
        Field("priority", "Priority", kind="number", default="0"),
    ],
    create_in=po.ProductionOrderIn, create_fn=po.create_production_order,
    patch_in=po.ProductionOrderPatch, update_fn=po.update_production_order,
    panels=[Panel("Operations", "erp/production-orders/_operations_panel.html",
                  load_operations),
            Panel("Components", "erp/production-orders/_components_panel.html",
                  load_components),
            Panel("Cost sheet", "erp/production-orders/_cost_panel.html", load_cost),
            Panel("MES reports", "erp/production-orders/_reports_panel.html", load_reports)],
    actions=[
        Action("release", "Release", done="Production order released to the MES.",
               run=lambda uow, key, data: po.release_production_order(uow, key)),
        Action("cancel", "Cancel", done="Production order cancelled.",
               run=lambda uow, key, data: po.cancel_production_order(uow, key)),
        Action("close", "Close", done="Production order closed; its WIP was settled.",
               run=lambda uow, key, data: po.close_production_order(uow, key)),
    ],
))
