"""Sales pages: price lists (with their lines and the customers using them) and sales orders
(quotations too): list by status, detail with lines and available-to-promise, reservations,
deliveries and invoices, and the Confirm / Cancel / Deliver / Invoice actions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, FieldIssue, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.catalog import item as items
from gemba.erp.partners.partner import list_partners
from gemba.erp.planning import promise as ctp
from gemba.erp.sales import atp, credit_note, delivery, invoice, price_list, returns
from gemba.erp.sales import sales_order as so
from gemba.web.concept import (
    Action,
    Column,
    Concept,
    ListFilter,
    Panel,
    register_concept,
    render_detail,
)
from gemba.web.context import Ctx, Form
from gemba.web.forms import (
    Choice,
    Field,
    FormState,
    enum_choices,
    issues_of,
    read_fields,
    read_rows,
    status_of,
)
from gemba.web.pages.catalog import ITEMS
from gemba.web.pages.history import document_history

P = Permission
FORM_ERRORS = (ValidationError, ValidationFailed, Conflict)
ORDER_LINE_FIELDS = ("line_no", "item", "qty", "unit_price", "requested_date")
PRICE_LINE_FIELDS = ("item", "min_qty", "unit_price")


def _plain(value: Any) -> str:
    return "" if value is None else format(value.normalize(), "f")


def customer_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = list_partners(uow, PageRequest(limit=500, filters=(("is_customer", "true"),)))
    return [(p.code, f"{p.code} — {p.name}") for p in page.items]


def price_list_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = price_list.list_price_lists(uow, PageRequest(limit=500))
    return [(pl.code, f"{pl.code} — {pl.name} ({pl.currency})") for pl in page.items]


def item_options(uow: UnitOfWork) -> list[tuple[str, str]]:
    page = items.list_items(uow, PageRequest(limit=500))
    return [(i.code, f"{i.name} ({i.uom.code})") for i in page.items
            if i.type in so.STOCKABLE]


# --- price lists --------------------------------------------------------------------------


def read_price_list_form(c: Concept, form: FormData,
                         mode: str) -> tuple[dict[str, Any], FormState]:
    data, state = read_fields(c.fields, form, mode)
    data["lines"] = read_rows(form, state, "lines", PRICE_LINE_FIELDS)
    return data, state


def price_list_edit_values(record: price_list.PriceList, state: FormState) -> None:
    for n, line in enumerate(record.lines):
        state.values.update({f"lines[{n}].item": line.item.code,
                             f"lines[{n}].min_qty": _plain(line.min_qty),
                             f"lines[{n}].unit_price": _plain(line.unit_price)})
    state.rows = len(record.lines) + 1


def update_price_list_document(uow: UnitOfWork, code: str,
                               data: price_list.PriceListPatch) -> price_list.PriceList:
    """Lines are sent only when they differ, so an untouched list keeps its version."""
    current = price_list.get_price_list(uow, code)
    if data.lines is not None:
        wanted = [(x.item, x.min_qty, x.unit_price) for x in data.lines]
        now = [(x.item.code, x.min_qty, x.unit_price) for x in current.lines]
        if sorted(wanted) == sorted(now):
            data = data.model_copy(update={"lines": None})
    return price_list.update_price_list(uow, code, data)


def load_price_lines(uow: UnitOfWork, record: price_list.PriceList) -> dict[str, Any]:
    return {"lines": record.lines, "items_url": ITEMS.base_url}


def load_price_customers(uow: UnitOfWork, record: price_list.PriceList) -> dict[str, Any]:
    links = uow.session.scalars(select(price_list.CustomerPriceList).where(
        price_list.CustomerPriceList.price_list_id == record.id))
    return {"customers": sorted((x.partner for x in links), key=lambda p: p.code)}


def price_list_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"item_options": item_options(uow), "line_fields": PRICE_LINE_FIELDS}


def price_list_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_line")
    def line_row(ctx: Ctx, n: int = 0) -> Response:
        ctx.actor.require(c.write_permission)
        return ctx.render("erp/price-lists/_line.html", n=n, state=FormState())


def assign_customer(uow: UnitOfWork, code: str, data: dict[str, Any]) -> Any:
    return price_list.set_customer_price_list(
        uow, data["customer"], price_list.CustomerPriceListIn(price_list=code))


def unassign_customer(uow: UnitOfWork, code: str, data: dict[str, Any]) -> Any:
    return price_list.set_customer_price_list(uow, data["customer"],
                                              price_list.CustomerPriceListIn(price_list=None))


PRICE_LISTS = register_concept(Concept(
    area="erp", slug="price-lists", title="Price lists", singular="Price list",
    record_type="erp_price_lists", read_permission=P.SALES_READ,
    write_permission=P.SALES_WRITE, list_fn=price_list.list_price_lists,
    get_fn=price_list.get_price_list, nav_order=131,
    description="Selling prices per item with quantity breaks; a customer's default list "
                "prices their orders.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("currency", "Currency"), Column("valid_from", "Valid from"),
             Column("valid_to", "Valid to")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("currency", "Currency"),
             Column("valid_from", "Valid from"), Column("valid_to", "Valid to"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    fields=[Field("code", "Code", required=True, on_edit=False),
            Field("name", "Name", required=True),
            Field("currency", "Currency", required=True, default="EUR",
                  help="ISO 4217 code, e.g. EUR."),
            Field("valid_from", "Valid from", kind="date", nullable=True),
            Field("valid_to", "Valid to", kind="date", nullable=True)],
    create_in=price_list.PriceListIn, create_fn=price_list.create_price_list,
    patch_in=price_list.PriceListPatch, update_fn=update_price_list_document,
    delete_fn=price_list.delete_price_list,
    read_form=read_price_list_form, form_context=price_list_form_context,
    edit_values=price_list_edit_values, extra_routes=price_list_routes,
    history_of=document_history("erp_price_lists"),
    panels=[Panel("Prices", "erp/price-lists/_lines_panel.html", load_price_lines),
            Panel("Customers", "erp/price-lists/_customers_panel.html",
                  load_price_customers)],
    actions=[
        Action("assign", "Make it a customer's default", panel="Customers", button="Assign",
               done="Default price list set.",
               fields=[Field("customer", "Customer", kind="select", required=True,
                             choices=customer_choices)],
               run=assign_customer),
        Action("unassign", "Remove from a customer", done="Default price list removed.",
               fields=[Field("customer", "Customer", kind="hidden", required=True)],
               run=unassign_customer),
    ],
    row_fields=["lines"],
))


# --- sales orders -------------------------------------------------------------------------


def read_order_form(c: Concept, form: FormData, mode: str) -> tuple[dict[str, Any], FormState]:
    data, state = read_fields(c.fields, form, mode)
    data["lines"] = read_rows(form, state, "lines", ORDER_LINE_FIELDS)
    return data, state


def order_edit_values(record: so.SalesOrder, state: FormState) -> None:
    for n, line in enumerate(record.lines):
        state.values.update({
            f"lines[{n}].line_no": str(line.line_no), f"lines[{n}].item": line.item.code,
            f"lines[{n}].qty": _plain(line.qty), f"lines[{n}].unit_price": _plain(line.unit_price),
            f"lines[{n}].requested_date": line.requested_date.isoformat()
            if line.requested_date else ""})
    state.rows = len(record.lines) + 1


def update_order_document(uow: UnitOfWork, number: str,
                          data: so.SalesOrderPatch) -> so.SalesOrder:
    """Lines are sent only when they differ, so an untouched order keeps its version."""
    current = so.get_sales_order(uow, number)
    if data.lines is not None:
        wanted = [(x.line_no, x.item, x.qty, x.unit_price, x.requested_date)
                  for x in data.lines]
        now = [(x.line_no, x.item.code, x.qty, x.unit_price, x.requested_date)
               for x in current.lines]
        if wanted == now:
            data = data.model_copy(update={"lines": None})
    return so.update_sales_order(uow, number, data)


def order_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"item_options": item_options(uow), "line_fields": ORDER_LINE_FIELDS}


def load_order_lines(uow: UnitOfWork, record: so.SalesOrder) -> dict[str, Any]:
    today = utcnow().date()
    promise = {a.line_no: a for a in atp.atp_for_order(uow, record.number, today)}
    promised = ctp.promises_for_order(uow, record.number, today) \
        if uow.actor.can(P.PLANNING_READ) else {}
    return {"lines": record.lines, "atp": promise, "today": today.isoformat(),
            "can_deliver": record.status in so.OPEN, "items_url": ITEMS.base_url,
            "promise": promised}


def load_reservations(uow: UnitOfWork, record: so.SalesOrder) -> dict[str, Any]:
    return {"rows": so.reservations(uow, record)}


def load_deliveries(uow: UnitOfWork, record: so.SalesOrder) -> dict[str, Any]:
    return {"deliveries": delivery.deliveries_of(uow, record),
            "returns": returns.returns_of(uow, record)}


def load_invoices(uow: UnitOfWork, record: so.SalesOrder) -> dict[str, Any]:
    found = invoice.invoices_of(uow, record)
    return {"invoices": found, "open": invoice.open_amounts(uow, [i.number for i in found]),
            "credit_notes": credit_note.credit_notes_of(uow, [i.id for i in found]),
            "to_invoice": [ln for ln in record.lines if ln.qty_to_invoice > 0],
            "today": utcnow().date().isoformat()}


def _remap(state: FormState, exc: Exception, rows: dict[int, int]) -> None:
    """``lines[k].lot`` of the command -> ``lines[n].lot`` of the n-th row drawn."""
    for field, message in issues_of(exc):
        match = re.match(r"^lines\[(\d+)\]\.(\w+)", field)
        if match and int(match[1]) in rows:
            name = "lot" if match[2] == "serials" else match[2]
            state.errors.setdefault(f"lines[{rows[int(match[1])]}].{name}", message)
        else:
            state.messages.append(f"{field}: {message}" if field else message)


def _rows_to_lines(rows: list[dict[str, str]],
                   with_lots: bool) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Rows with a quantity -> command lines, and command index -> row index."""
    lines: list[dict[str, Any]] = []
    index: dict[int, int] = {}
    for n, row in enumerate(rows):
        if not row.get("qty"):
            continue
        index[len(lines)] = n
        cmd: dict[str, Any] = {"line_no": row.get("line_no"), "qty": row["qty"]}
        parts = [p for p in re.split(r"[,\s]+", row.get("lot", "")) if p] if with_lots else []
        if len(parts) > 1:
            cmd["serials"] = parts
        elif parts:
            cmd["lot"] = parts[0]
        lines.append(cmd)
    return lines, index


def order_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_line")
    def line_row(ctx: Ctx, n: int = 0) -> Response:
        """One empty line row for the form (HTMX "add line")."""
        ctx.actor.require(c.write_permission)
        return ctx.render("erp/sales-orders/_line.html", n=n, state=FormState())

    def post_document(ctx: Ctx, key: str, form: FormData, kind: str) -> Response:
        state = FormState()
        rows = read_rows(form, state, "lines", ("line_no", "qty", "lot"))
        lines, index = _rows_to_lines(rows, with_lots=kind == "deliver")
        day = form.get("date")
        state.values["date"] = day if isinstance(day, str) else ""
        if not lines:
            state.messages.append("Enter a quantity on at least one line.")
        status = 422
        with ctx.uow() as uow:
            if state.ok:
                try:
                    if kind == "deliver":
                        doc: Any = delivery.deliver(uow, delivery.DeliveryIn.model_validate(
                            {"order": key, "delivery_date": day or None, "lines": lines}))
                        done = f"Delivery {doc.number} posted."
                    else:
                        doc = invoice.create_invoice(uow, invoice.InvoiceIn.model_validate(
                            {"order": key, "invoice_date": day or None, "lines": lines}))
                        done = f"Invoice {doc.number} posted, {_plain(doc.total)} due."
                    uow.commit()
                except FORM_ERRORS as exc:
                    uow.rollback()
                    _remap(state, exc, index)
                    status = status_of(exc)
                else:
                    return ctx.redirect(c.url_for(key), done)
            return render_detail(c, ctx, uow, key, {kind: state}, status)

    @router.post(c.base_url + "/{key:path}/deliver")
    def deliver_(ctx: Ctx, key: str, form: Form) -> Response:
        ctx.actor.require(P.SALES_WRITE)
        return post_document(ctx, key, form, "deliver")

    @router.post(c.base_url + "/{key:path}/invoice")
    def invoice_(ctx: Ctx, key: str, form: Form) -> Response:
        ctx.actor.require(P.FINANCE_WRITE)
        return post_document(ctx, key, form, "invoice")


def _single_line(data: dict[str, Any], *, qty_required: bool) -> list[dict[str, Any]]:
    """The one line a small action form names (line_no, qty, lot), as command lines."""
    if not data.get("line_no"):
        if qty_required:
            raise ValidationFailed.on("line_no", "required", "name the order line")
        return []
    line = {k: data[k] for k in ("line_no", "qty", "lot") if data.get(k)}
    return [line]


def _flat_errors(run: Any) -> Any:
    """Errors on ``lines[0].x`` belong to the action form's own field ``x``."""
    def wrapped(uow: UnitOfWork, key: str, data: dict[str, Any]) -> Any:
        try:
            return run(uow, key, data)
        except ValidationError as exc:
            raise ValidationFailed.on(
                str(exc.errors()[0]["loc"][-1]) if exc.errors() else "line_no", "invalid",
                exc.errors()[0]["msg"] if exc.errors() else str(exc)) from None
        except ValidationFailed as exc:
            issues = [FieldIssue(re.sub(r"^lines\[\d+\]\.", "", i.field), i.rule, i.message)
                      for i in exc.issues]
            raise ValidationFailed(exc.message, issues) from None
    return wrapped


@_flat_errors
def _credit(uow: UnitOfWork, key: str, data: dict[str, Any]) -> Any:
    return credit_note.create_credit_note(uow, credit_note.CreditNoteIn.model_validate(
        {"invoice": data.get("invoice"), "reason": data.get("reason"),
         "credit_date": data.get("date"), "lines": _single_line(data, qty_required=False)}))


@_flat_errors
def _return(uow: UnitOfWork, key: str, data: dict[str, Any]) -> Any:
    return returns.return_goods(uow, returns.ReturnIn.model_validate(
        {"delivery": data.get("delivery"), "reason": data.get("reason"),
         "return_date": data.get("date"), "lines": _single_line(data, qty_required=True)}))


SALES_ORDERS = register_concept(Concept(
    area="erp", slug="sales-orders", title="Sales orders", singular="Sales order",
    record_type="erp_sales_orders", read_permission=P.SALES_READ,
    write_permission=P.SALES_WRITE, list_fn=so.list_sales_orders, get_fn=so.get_sales_order,
    key_attr="number", nav_order=130,
    description="Quotations and orders of customers: confirm (reserves stock), deliver, "
                "invoice.",
    search_hint="number, customer or reference",
    columns=[Column("number", "Number", link=True),
             Column("customer_code", "Customer"), Column("customer_name", "Customer name"),
             Column("order_date", "Ordered"), Column("requested_date", "Wanted"),
             Column("status", "Status"), Column("total", "Total", numeric=True)],
    details=[Column("number", "Number"), Column("customer_code", "Customer"),
             Column("customer_name", "Customer name"), Column("customer_ref", "Their reference"),
             Column("status", "Status"), Column("order_date", "Order date"),
             Column("requested_date", "Wanted on"),
             Column("price_list_code", "Price list",
                    href=lambda o: PRICE_LISTS.url_for(o.price_list_code)
                    if o.price_list_code else None),
             Column("currency", "Currency"), Column("net_amount", "Net"),
             Column("tax_pct", "Tax %"), Column("tax_amount", "Tax"), Column("total", "Total"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("status", "Status", enum_choices(so.SalesOrderStatus)),
             ListFilter("customer", "Customer", customer_choices)],
    fields=[
        Field("customer", "Customer", kind="select", required=True, choices=customer_choices,
              on_edit=False),
        Field("status", "Enter as", kind="select", required=True, default="draft",
              choices=[("quotation", "quotation"), ("draft", "draft order")], on_edit=False),
        Field("order_date", "Order date", kind="date", on_edit=False, help="Empty: today."),
        Field("requested_date", "Wanted on", kind="date", nullable=True),
        Field("price_list", "Price list", kind="select", nullable=True, attr="price_list_code",
              choices=price_list_choices, help="Empty: the customer's default price list."),
        Field("tax_pct", "Tax %", kind="decimal", default="0", required=True),
        Field("customer_ref", "Their reference", nullable=True),
    ],
    create_in=so.SalesOrderIn, create_fn=so.create_sales_order,
    patch_in=so.SalesOrderPatch, update_fn=update_order_document,
    read_form=read_order_form, form_context=order_form_context,
    edit_values=order_edit_values, extra_routes=order_routes,
    history_of=lambda uow, record: so.sales_order_history(uow, record.number),
    panels=[Panel("Lines and availability", "erp/sales-orders/_lines_panel.html",
                  load_order_lines),
            Panel("Reservations", "erp/sales-orders/_reservations_panel.html",
                  load_reservations),
            Panel("Deliveries", "erp/sales-orders/_deliveries_panel.html", load_deliveries),
            Panel("Invoices", "erp/sales-orders/_invoices_panel.html", load_invoices)],
    actions=[
        Action("confirm", "Confirm", done="Order confirmed; free stock reserved.",
               run=lambda uow, key, data: so.confirm_sales_order(uow, key)),
        Action("cancel", "Cancel", done="Order cancelled; reservations released.",
               run=lambda uow, key, data: so.cancel_sales_order(uow, key)),
        Action("credit", "Credit note", panel="Invoices", button="Post credit note",
               done="Credit note posted.", run=_credit, fields=[
                   Field("invoice", "Invoice", required=True),
                   Field("line_no", "Line (empty: the whole invoice)", kind="number"),
                   Field("qty", "Qty", kind="decimal"),
                   Field("reason", "Reason", required=True),
                   Field("date", "Date", kind="date")]),
        Action("return", "Customer return", panel="Deliveries", button="Book return",
               done="Return booked; the goods are back in stock.", run=_return, fields=[
                   Field("delivery", "Delivery", required=True),
                   Field("line_no", "Line", kind="number", required=True),
                   Field("qty", "Qty", kind="decimal", required=True),
                   Field("lot", "Lot or serial"),
                   Field("reason", "Reason", required=True),
                   Field("date", "Date", kind="date")]),
    ],
    row_fields=["lines"],
))
