"""Catalog pages: units of measure and items."""

from __future__ import annotations

from collections.abc import Sequence

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.listing import PageRequest
from gemba.erp.catalog import item, uom
from gemba.web.concept import Column, Concept, ListFilter, register_concept
from gemba.web.forms import Choice, Field, enum_choices

P = Permission


def uom_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(u.code, f"{u.code} — {u.name}")
            for u in uom.list_uoms(uow, PageRequest(limit=500)).items]


def category_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(c.code, c.name) for c in uom.list_categories(uow)]


UOMS = register_concept(Concept(
    area="erp", slug="uoms", title="Units of measure", singular="Unit of measure",
    record_type="erp_uoms", read_permission=P.MASTERDATA_READ,
    write_permission=P.CATALOG_WRITE, list_fn=uom.list_uoms, get_fn=uom.get_uom,
    nav_order=20,
    description="Units grouped in categories; each is an exact factor of its category's "
                "reference unit, with the decimals a quantity may carry.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("category.name", "Category"), Column("factor", "Factor", numeric=True),
             Column("precision", "Decimals", numeric=True)],
    details=[Column("code", "Code"), Column("name", "Name"), Column("category.name", "Category"),
             Column("factor", "Factor to reference unit"), Column("precision", "Decimals"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("category", "Category", category_choices)],
    fields=[
        Field("code", "Code", required=True, on_edit=False),
        Field("name", "Name", required=True),
        Field("category", "Category", kind="select", required=True, choices=category_choices,
              on_edit=False),
        Field("factor", "Factor", kind="decimal", required=True, on_edit=False,
              help="How many reference units one of this unit is (g: 0.001 of kg)."),
        Field("precision", "Decimals", kind="number", required=True, default="0",
              help="Decimals a quantity in this unit may carry (0 to 6)."),
    ],
    create_in=uom.UomIn, create_fn=uom.create_uom, patch_in=uom.UomPatch,
    update_fn=uom.update_uom,
))


ITEMS = register_concept(Concept(
    area="erp", slug="items", title="Items", singular="Item", record_type="erp_items",
    read_permission=P.MASTERDATA_READ, write_permission=P.CATALOG_WRITE,
    list_fn=item.list_items, get_fn=item.get_item, nav_order=10,
    description="What is bought, made, sold or consumed.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("type", "Type"), Column("uom.code", "UoM"),
             Column("tracking", "Tracking"),
             Column("standard_cost", "Std cost", numeric=True),
             Column("safety_stock", "Safety stock", numeric=True)],
    details=[Column("code", "Code"), Column("name", "Name"), Column("type", "Type"),
             Column("uom.code", "Base unit"), Column("tracking", "Tracking"),
             Column("shelf_life_days", "Shelf life (days)"),
             Column("standard_cost", "Standard cost"),
             Column("costing_method", "Costing method"),
             Column("lead_time_days", "Lead time (days)"),
             Column("lot_size_rule", "Lot-size rule"), Column("lot_size_qty", "Lot-size qty"),
             Column("min_qty", "Minimum order qty"), Column("safety_stock", "Safety stock"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("type", "Type", enum_choices(item.ItemType)),
             ListFilter("tracking", "Tracking", enum_choices(item.Tracking))],
    fields=[
        Field("code", "Code", required=True, on_edit=False),
        Field("name", "Name", required=True),
        Field("type", "Type", kind="select", required=True,
              choices=enum_choices(item.ItemType), default="purchased"),
        Field("uom", "Base unit", kind="select", required=True, choices=uom_choices,
              on_edit=False, default="ea"),
        Field("tracking", "Tracking", kind="select", choices=enum_choices(item.Tracking),
              default="none"),
        Field("shelf_life_days", "Shelf life (days)", kind="number", nullable=True,
              help="Empty: does not expire."),
        Field("standard_cost", "Standard cost", kind="decimal", default="0"),
        Field("costing_method", "Costing method", kind="select",
              choices=enum_choices(item.CostingMethod), default="standard",
              help="How stock is valued: standard cost, moving average or FIFO layers."),
        Field("lead_time_days", "Lead time (days)", kind="number", default="0"),
        Field("lot_size_rule", "Lot-size rule", kind="select",
              choices=[("lfl", "lot for lot"), ("fixed", "fixed quantity"),
                       ("poq", "period order quantity")], default="lfl"),
        Field("lot_size_qty", "Lot-size qty", kind="decimal", default="0",
              help="Quantity (fixed) or number of periods (poq)."),
        Field("min_qty", "Minimum order qty", kind="decimal", default="0"),
        Field("safety_stock", "Safety stock", kind="decimal", default="0"),
    ],
    create_in=item.ItemIn, create_fn=item.create_item, patch_in=item.ItemPatch,
    update_fn=item.update_item, delete_fn=item.delete_item,
))
