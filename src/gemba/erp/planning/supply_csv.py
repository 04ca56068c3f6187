"""supply.csv: open orders MRP counts as scheduled receipts. ``purchase_order`` rows of one
``ref`` become one confirmed purchase order (one line per row, the supplier named, created if
missing, or ``IMPORTED``); a ``production_order`` row becomes a planned production order that
is *kitted*: its material is already issued, so MRP plans no components for it.

Re-loading is a no-op: a ref already imported (or the order's own number, as a dump writes
it) must describe the order's open quantity as it is. A dump lists the open lines of
confirmed purchase orders and the open production orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from gemba.core.dataload.cells import cell
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import Item
from gemba.erp.partners.partner import Partner, ensure_partner
from gemba.erp.planning.imported import DocType, imported_number, refs_by_number, remember
from gemba.erp.planning.order_rows import (
    IMPORTED_PARTNER,
    OrderRow,
    group_key,
    lines_match,
    parse_rows,
    partner_name,
    same_partner,
)
from gemba.erp.production.production_order import (
    OrderStatus,
    ProductionOrder,
    ProductionOrderIn,
    create_production_order,
)
from gemba.erp.purchasing.purchase_order import (
    RECEIVABLE,
    POLineIn,
    PurchaseOrder,
    PurchaseOrderIn,
    PurchaseOrderLine,
    confirm_purchase_order,
    create_purchase_order,
)

KINDS = ("purchase_order", "production_order")
REQUIRED = ["item_code", "qty", "due_date", "kind", "ref"]
OPTIONAL = ["supplier", "unit_price"]
OPEN_PRODUCTION = frozenset({OrderStatus.PLANNED, OrderStatus.RELEASED,
                             OrderStatus.IN_PROGRESS})
ZERO = Decimal(0)


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    parsed = parse_rows(uow, rows, KINDS, "supplier")
    if parsed[0].kind == "purchase_order":
        _purchase_order(uow, parsed)
    else:
        _production_order(uow, parsed)


def _purchase_order(uow: UnitOfWork, rows: list[OrderRow]) -> None:
    supplier = same_partner(rows, "supplier")
    ref = rows[0].ref
    number = imported_number(uow, DocType.PURCHASE_ORDER, ref) or ref
    existing = uow.session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == number))
    if existing is not None:
        open_lines = [(ln.item.code, ln.qty_open, _po_due(existing, ln))
                      for ln in existing.lines
                      if existing.status in RECEIVABLE and ln.qty_open > 0]
        if not lines_match(rows, open_lines):
            raise ValidationFailed.on(
                "rows[0].ref", "imported",
                f"{ref} is purchase order {existing.number} ({existing.status.value}) "
                "already, with other open lines; change that order instead")
        return
    ensure_partner(uow, supplier, partner_name(supplier),
                   supplier=True)
    po = create_purchase_order(uow, PurchaseOrderIn(
        supplier=supplier, notes=f"Imported as {ref}",
        lines=[POLineIn(line_no=n + 1, item=r.item, qty=r.qty,
                        unit_price=r.unit_price or ZERO, expected_date=r.due)
               for n, r in enumerate(rows)]))
    confirm_purchase_order(uow, po.number)
    remember(uow, DocType.PURCHASE_ORDER, ref, po.number)


def _po_due(po: PurchaseOrder, line: PurchaseOrderLine) -> date:
    return line.expected_date or po.expected_date or po.order_date


def _production_order(uow: UnitOfWork, rows: list[OrderRow]) -> None:
    row = rows[0]
    if len(rows) > 1:
        raise ValidationFailed.on("rows[1].ref", "unique_in_file",
                                  f"production order {row.ref} is on line {row.line} already; "
                                  "a production order makes one item")
    if row.partner or row.unit_price is not None:
        column = "supplier" if row.partner else "unit_price"
        raise ValidationFailed.on(f"rows[0].{column}", "purchase_order_only",
                                  "only purchase_order rows have a supplier and a price")
    number = imported_number(uow, DocType.PRODUCTION_ORDER, row.ref) or row.ref
    existing = uow.session.scalar(select(ProductionOrder).where(
        ProductionOrder.number == number))
    if existing is not None:
        open_qty = existing.qty - existing.qty_good
        current = [(existing.item.code, open_qty, existing.due_date)] \
            if existing.status in OPEN_PRODUCTION and open_qty > 0 else []
        if not lines_match(rows, current):
            raise ValidationFailed.on(
                "rows[0].ref", "imported",
                f"{row.ref} is production order {existing.number} "
                f"({existing.status.value}) already, for another quantity or date; change "
                "that order instead")
        return
    order = create_production_order(uow, ProductionOrderIn(item=row.item, qty=row.qty,
                                                           due_date=row.due))
    order.kitted = True
    uow.flush()
    remember(uow, DocType.PRODUCTION_ORDER, row.ref, order.number)


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    refs = refs_by_number(uow, DocType.PURCHASE_ORDER)
    lines = uow.session.execute(
        select(PurchaseOrderLine, PurchaseOrder, Partner.code)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .join(Partner, Partner.id == PurchaseOrder.partner_id)
        .where(PurchaseOrder.status.in_(list(RECEIVABLE)),
               PurchaseOrderLine.qty_received < PurchaseOrderLine.qty)
        .order_by(PurchaseOrder.number, PurchaseOrderLine.line_no)).all()
    for line, po, supplier in lines:
        yield {"item_code": line.item.code, "qty": cell(line.qty_open),
               "due_date": cell(_po_due(po, line)), "kind": "purchase_order",
               "ref": refs.get(po.number, po.number),
               "supplier": "" if supplier == IMPORTED_PARTNER else supplier,
               "unit_price": cell(line.unit_price)}
    mo_refs = refs_by_number(uow, DocType.PRODUCTION_ORDER)
    orders = uow.session.execute(
        select(ProductionOrder.number, Item.code, ProductionOrder.qty, ProductionOrder.qty_good,
               ProductionOrder.due_date)
        .join(Item, Item.id == ProductionOrder.item_id)
        .where(ProductionOrder.status.in_(list(OPEN_PRODUCTION)),
               ProductionOrder.qty_good < ProductionOrder.qty)
        .order_by(ProductionOrder.number))
    for number, code, qty, good, due in orders:
        yield {"item_code": code, "qty": cell(qty - good), "due_date": cell(due),
               "kind": "production_order", "ref": mo_refs.get(number, number),
               "supplier": "", "unit_price": ""}


def _group(row: Row) -> str:
    return group_key(row, KINDS, by_ref=KINDS)


SPEC = FileSpec(name="supply.csv", required=REQUIRED, optional=OPTIONAL, order=75, load=_load,
                dump=_dump, group_by=_group, row_list="lines",
                fields={"item": "item_code", "expected_date": "due_date",
                        "due_date": "due_date", "supplier": "supplier"},
                description="Open supply: purchase orders (confirmed, one per ref) and kitted "
                            "production orders.")
