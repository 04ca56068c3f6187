"""demands.csv: open demand to plan for. ``sales_order`` rows of one ``ref`` become one
confirmed sales order (one line per row, for the customer named, created if missing, or
``IMPORTED``);
``forecast`` rows become forecasts (item, due date, ref).

Re-loading is a no-op: a ref already imported (or a sales order's own number, as a dump
writes it) must describe the order's open lines as they are, and a forecast row sets the
quantity of its forecast. A dump lists the open lines of confirmed sales orders and every
forecast.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select

from gemba.core.dataload.cells import cell
from gemba.core.dataload.registry import FileSpec, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog.item import Item
from gemba.erp.partners.partner import Partner, ensure_partner
from gemba.erp.planning.forecast import Forecast, ForecastIn, set_forecast
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
from gemba.erp.sales.sales_order import (
    OPEN,
    SalesOrder,
    SalesOrderIn,
    SalesOrderLine,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)

KINDS = ("sales_order", "forecast")
REQUIRED = ["item_code", "qty", "due_date", "kind", "ref"]
OPTIONAL = ["customer", "unit_price"]
ZERO = Decimal(0)


def _load(uow: UnitOfWork, rows: list[Row]) -> None:
    parsed = parse_rows(uow, rows, KINDS, "customer")
    if parsed[0].kind == "forecast":
        if len(parsed) > 1:
            first = parsed[0]
            raise ValidationFailed.on("rows[1].ref", "unique_in_file",
                                      f"forecast {first.ref} for {first.item} on {first.due} "
                                      f"is on line {first.line} already")
        _forecast(uow, parsed[0])
    else:
        _sales_order(uow, parsed)


def _forecast(uow: UnitOfWork, row: OrderRow) -> None:
    if row.partner or row.unit_price is not None:
        column = "customer" if row.partner else "unit_price"
        raise ValidationFailed.on(f"rows[0].{column}", "sales_order_only",
                                  "only sales_order rows have a customer and a price")
    set_forecast(uow, ForecastIn(item=row.item, qty=row.qty, due_date=row.due, ref=row.ref))


def _existing(uow: UnitOfWork, ref: str) -> SalesOrder | None:
    number = imported_number(uow, DocType.SALES_ORDER, ref) or ref
    return uow.session.scalar(select(SalesOrder).where(SalesOrder.number == number))


def _sales_order(uow: UnitOfWork, rows: list[OrderRow]) -> None:
    customer = same_partner(rows, "customer")
    ref = rows[0].ref
    existing = _existing(uow, ref)
    if existing is not None:
        open_lines = [(ln.item.code, ln.qty_open, ln.due_on()) for ln in existing.lines
                      if existing.status in OPEN and ln.qty_open > 0]
        if not lines_match(rows, open_lines):
            raise ValidationFailed.on(
                "rows[0].ref", "imported",
                f"{ref} is sales order {existing.number} ({existing.status.value}) already, "
                "with other open lines; change that order instead")
        return
    ensure_partner(uow, customer, partner_name(customer),
                   customer=True)
    today = utcnow().date()
    order = create_sales_order(uow, SalesOrderIn(
        customer=customer, order_date=min(today, min(r.due for r in rows)), customer_ref=ref,
        lines=[SalesOrderLineIn(line_no=(n + 1) * 10, item=r.item, qty=r.qty,
                                unit_price=r.unit_price or ZERO, requested_date=r.due)
               for n, r in enumerate(rows)]))
    confirm_sales_order(uow, order.number, day=today)
    remember(uow, DocType.SALES_ORDER, ref, order.number)


def _dump(uow: UnitOfWork) -> Iterable[dict[str, str]]:
    refs = refs_by_number(uow, DocType.SALES_ORDER)
    lines = uow.session.execute(
        select(SalesOrderLine, SalesOrder.number, Partner.code)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .join(Partner, Partner.id == SalesOrder.customer_id)
        .where(SalesOrder.status.in_(list(OPEN)),
               SalesOrderLine.qty_delivered < SalesOrderLine.qty)
        .order_by(SalesOrder.number, SalesOrderLine.line_no)).all()
    for line, number, customer in lines:
        yield {"item_code": line.item.code, "qty": cell(line.qty_open),
               "due_date": cell(line.due_on()), "kind": "sales_order",
               "ref": refs.get(number, number),
               "customer": "" if customer == IMPORTED_PARTNER else customer,
               "unit_price": cell(line.unit_price)}
    forecasts = uow.session.execute(
        select(Item.code, Forecast.qty, Forecast.due_date, Forecast.ref)
        .join(Item, Item.id == Forecast.item_id)
        .order_by(Forecast.ref, Forecast.due_date, Item.code))
    for code, qty, due, ref in forecasts:
        yield {"item_code": code, "qty": cell(qty), "due_date": cell(due), "kind": "forecast",
               "ref": ref, "customer": "", "unit_price": ""}


def _group(row: Row) -> str:
    """A sales order's rows together; a forecast row with any repeat of it."""
    if row.get("kind") == "forecast" and row.get("ref"):
        return "\x1f".join(["forecast", row.get("item_code") or "", row.get("due_date") or "",
                            row.get("ref") or ""])
    return group_key(row, KINDS, by_ref=("sales_order",))


SPEC = FileSpec(name="demands.csv", required=REQUIRED, optional=OPTIONAL, order=70, load=_load,
                dump=_dump, group_by=_group, row_list="lines",
                fields={"item": "item_code", "due_date": "due_date",
                        "requested_date": "due_date", "customer": "customer"},
                description="Open demand: sales orders (confirmed, one per ref) and forecasts.")
