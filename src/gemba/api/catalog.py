"""REST resources of the catalog: units of measure and items."""

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter

from gemba.api.crud import CodeResource, Out, code_router
from gemba.erp.catalog import item, uom


class UomOut(Out):
    code: str
    name: str
    category_code: str
    factor: Decimal
    precision: int
    version: int


class ItemOut(Out):
    id: int
    code: str
    name: str
    type: item.ItemType
    uom_code: str
    tracking: item.Tracking
    shelf_life_days: int | None
    standard_cost: Decimal
    costing_method: item.CostingMethod
    lead_time_days: int
    lot_size_rule: item.LotSizeRule
    lot_size_qty: Decimal
    min_qty: Decimal
    safety_stock: Decimal
    version: int
    updated_at: datetime


router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/uoms", tag="units of measure", record_type="erp_uoms", out=UomOut,
    create_in=uom.UomIn, patch_in=uom.UomPatch, list_fn=uom.list_uoms,
    get_fn=lambda u, c: uom.get_uom(u, c), create_fn=uom.create_uom,
    update_fn=uom.update_uom, filters=["category"])))
router.include_router(code_router(CodeResource(
    path="/items", tag="items", record_type="erp_items", out=ItemOut,
    create_in=item.ItemIn, patch_in=item.ItemPatch, list_fn=item.list_items,
    get_fn=item.get_item, create_fn=item.create_item, update_fn=item.update_item,
    delete_fn=item.delete_item, filters=["type", "tracking", "code"])))
