"""Purchasing pages: partners (customers and suppliers), and purchase orders with their lines,
receipts, bills and the three-way match; a PO is confirmed, received line by line, billed,
closed or cancelled from its page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import FieldIssue, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.catalog import item as items
from gemba.erp.partners import partner as partners
from gemba.erp.purchasing import bill as bills
from gemba.erp.purchasing import purchase_order as po
from gemba.erp.purchasing import receipt as receipts
from gemba.erp.purchasing.supplier_item import list_supplier_items
from gemba.web.concept import Action, Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx
from gemba.web.forms import Choice, Field, FormState, enum_choices, read_fields, read_rows

P = Permission
YES_NO = [("true", "yes"), ("false", "no")]
LINE_FIELDS = ("line_no", "item", "qty", "unit_price", "expected_date")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- partners -----------------------------------------------------------------------------


def supplier_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = partners.list_partners(uow, PageRequest(limit=500, filters=(("is_supplier",
                                                                         "true"),)))
    return [(p.code, f"{p.code} — {p.name}") for p in page.items]


def load_supplier_items(uow: UnitOfWork, record: partners.Partner) -> dict[str, Any]:
    page = list_supplier_items(uow, PageRequest(limit=500, filters=(("supplier",
                                                                      record.code),)))
    return {"rows": page.items}


def load_partner_orders(uow: UnitOfWork, record: partners.Partner) -> dict[str, Any]:
    page = po.list_purchase_orders(uow, PageRequest(limit=20, filters=(("supplier",
                                                                         record.code),)))
    return {"rows": page.items, "total": page.total}


PARTNERS = register_concept(Concept(
    area="erp", slug="partners", title="Partners", singular="Partner",
    record_type="erp_partners", read_permission=P.PURCHASING_READ,
    write_permission=P.PURCHASING_WRITE, list_fn=partners.list_partners,
    get_fn=partners.get_partner, nav_order=110,
    description="Companies we trade with: customers, suppliers or both, with payment terms.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("is_customer", "Customer"), Column("is_supplier", "Supplier"),
             Column("payment_terms_days", "Terms (days)", numeric=True),
             Column("email", "E-mail")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("is_customer", "Customer"),
             Column("is_supplier", "Supplier"),
             Column("payment_terms_days", "Payment terms (days)"), Column("email", "E-mail"),
             Column("address", "Address"), Column("tax_id", "Tax id"),
             Column("credit_limit", "Credit limit"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    filters=[ListFilter("is_customer", "Customer", YES_NO),
             ListFilter("is_supplier", "Supplier", YES_NO)],
    fields=[
        Field("code", "Code", required=True, on_edit=False),
        Field("name", "Name", required=True),
        Field("is_customer", "Customer", kind="checkbox"),
        Field("is_supplier", "Supplier", kind="checkbox"),
        Field("payment_terms_days", "Payment terms (days)", kind="number", default="30",
              help="Due date of invoices and bills = document date + these days."),
        Field("email", "E-mail", nullable=True),
        Field("address", "Address", kind="textarea", nullable=True),
        Field("tax_id", "Tax id", nullable=True),
        Field("credit_limit", "Credit limit", kind="number", nullable=True,
              help="Empty: no limit."),
    ],
    create_in=partners.PartnerIn, create_fn=partners.create_partner,
    patch_in=partners.PartnerPatch, update_fn=partners.update_partner,
    panels=[Panel("Supplier items", "erp/partners/_supplier_items_panel.html",
                  load_supplier_items, P.PURCHASING_READ),
            Panel("Purchase orders", "erp/partners/_orders_panel.html", load_partner_orders,
                  P.PURCHASING_READ)],
))


# --- purchase orders: form ----------------------------------------------------------------


def item_options(uow: UnitOfWork) -> list[tuple[str, str]]:
    page = items.list_items(uow, PageRequest(limit=500))
    return [(i.code, f"{i.name} ({i.uom.code})") for i in page.items
            if i.type not in (items.ItemType.SERVICE, items.ItemType.PHANTOM)]


def read_po_form(c: Concept, form: FormData, mode: str) -> tuple[dict[str, Any], FormState]:
    """Header fields plus the line rows."""
    data, state = read_fields(c.fields, form, mode)
    data["lines"] = read_rows(form, state, "lines", LINE_FIELDS)
    return data, state


def po_edit_values(record: po.PurchaseOrder, state: FormState) -> None:
    for n, line in enumerate(record.lines):
        state.values.update({f"lines[{n}].line_no": str(line.line_no),
                             f"lines[{n}].item": line.item.code,
                             f"lines[{n}].qty": _plain(line.qty),
                             f"lines[{n}].unit_price": _plain(line.unit_price),
                             f"lines[{n}].expected_date": (line.expected_date.isoformat()
                                                           if line.expected_date else "")})
    state.rows = len(record.lines) + 1


def po_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"items": item_options(uow), "line_fields": LINE_FIELDS}


# --- purchase orders: detail --------------------------------------------------------------


def load_lines(uow: UnitOfWork, record: po.PurchaseOrder) -> dict[str, Any]:
    return {"lines": record.lines, "receivable": record.status in po.RECEIVABLE}


def load_receipts(uow: UnitOfWork, record: po.PurchaseOrder) -> dict[str, Any]:
    return {"receipts": receipts.receipts_of(uow, record)}


def load_bills(uow: UnitOfWork, record: po.PurchaseOrder) -> dict[str, Any]:
    return {"bills": bills.bills_of(uow, record),
            "to_bill": any(x.qty_to_bill > 0 for x in record.lines)}


def load_match(uow: UnitOfWork, record: po.PurchaseOrder) -> dict[str, Any]:
    return {"rows": bills.match_report(uow, record.number)}


def _flat(exc: ValidationFailed, prefix: str) -> ValidationFailed:
    """``lines[0].qty`` of a one-line document is just ``qty`` on the page's small form."""
    issues = [FieldIssue(i.field.removeprefix(prefix), i.rule, i.message) for i in exc.issues]
    return ValidationFailed("; ".join(f"{i.field}: {i.message}" for i in issues), issues)


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(field, "date", "must be a date (YYYY-MM-DD)") from None


def _int(raw: str, field: str) -> int:
    if not raw.isdigit():
        raise ValidationFailed.on(field, "integer", "must be a whole number")
    return int(raw)


def receive_line(uow: UnitOfWork, number: str, data: dict[str, Any]) -> Any:
    """One line received from the PO page; serials typed comma- or space-separated."""
    serials = [s for s in str(data.get("serials", "")).replace(",", " ").split() if s]
    line = {"po_line": _int(data["po_line"], "po_line"), "qty": data["qty"],
            "lot": data.get("lot"), "expiry_date": _day(data.get("expiry_date"), "expiry_date"),
            "supplier_lot": data.get("supplier_lot"), "serials": serials}
    command = receipts.ReceiptIn.model_validate({
        "order": number, "date": _day(data.get("date"), "date"),
        "lines": [{k: v for k, v in line.items() if v not in (None, "", [])}]})
    try:
        return receipts.receive(uow, command)
    except ValidationFailed as exc:
        raise _flat(exc, "lines[0].") from exc


def bill_open_lines(uow: UnitOfWork, number: str, data: dict[str, Any]) -> Any:
    """Bill everything received and not yet billed, at the PO prices."""
    order = po.get_purchase_order(uow, number)
    lines = [{"po_line": x.line_no, "qty": x.qty_to_bill} for x in order.lines
             if x.qty_to_bill > 0]
    if not lines:
        raise ValidationFailed.on("supplier_ref", "something_to_bill",
                                  f"nothing received on {number} is waiting for a bill")
    return bills.post_bill(uow, bills.BillIn.model_validate({
        "supplier_ref": data["supplier_ref"], "order": number,
        "date": _day(data.get("date"), "date") or utcnow().date(),
        "tax_pct": data.get("tax_pct", "0"), "lines": lines}))


def po_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_line")
    def line_row(ctx: Ctx, n: int = 0) -> Response:
        """One empty line row for the form (HTMX "add line")."""
        ctx.actor.require(c.write_permission)
        return ctx.render("erp/purchase-orders/_line.html", n=n, state=FormState())


PURCHASE_ORDERS = register_concept(Concept(
    area="erp", slug="purchase-orders", title="Purchase orders", singular="Purchase order",
    record_type="erp_purchase_orders", read_permission=P.PURCHASING_READ,
    write_permission=P.PURCHASING_WRITE, list_fn=po.list_purchase_orders,
    get_fn=po.get_purchase_order, key_attr="number", nav_order=120,
    description="What we ordered from suppliers: confirm, receive, bill, close.",
    search_hint="number or supplier",
    columns=[Column("number", "Number", link=True),
             Column("supplier", "Supplier", href=lambda o: PARTNERS.url_for(o.supplier)),
             Column("supplier_name", "Supplier name"), Column("order_date", "Ordered"),
             Column("expected_date", "Expected"), Column("status", "Status"),
             Column("total", "Total", numeric=True)],
    details=[Column("number", "Number"),
             Column("supplier", "Supplier", href=lambda o: PARTNERS.url_for(o.supplier)),
             Column("supplier_name", "Supplier name"), Column("order_date", "Order date"),
             Column("expected_date", "Expected"), Column("status", "Status"),
             Column("receipt_tolerance_pct", "Receipt tolerance %"),
             Column("total", "Total"), Column("notes", "Notes"),
             Column("close_reason", "Closed / cancelled because"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("status", "Status", enum_choices(po.POStatus)),
             ListFilter("supplier", "Supplier", supplier_choices)],
    fields=[
        Field("supplier", "Supplier", kind="select", required=True, choices=supplier_choices,
              on_edit=False),
        Field("order_date", "Order date", kind="date", help="Empty: today."),
        Field("expected_date", "Expected", kind="date", nullable=True,
              help="Empty: from the supplier's lead time."),
        Field("receipt_tolerance_pct", "Receipt tolerance %", kind="decimal", default="0",
              help="How much more than ordered may be received."),
        Field("notes", "Notes", kind="textarea", nullable=True),
    ],
    create_in=po.PurchaseOrderIn, create_fn=po.create_purchase_order,
    patch_in=po.PurchaseOrderPatch, update_fn=po.update_purchase_order,
    read_form=read_po_form, form_context=po_form_context, edit_values=po_edit_values,
    history_of=lambda uow, record: po.purchase_order_history(uow, record.number),
    extra_routes=po_routes,
    panels=[Panel("Lines", "erp/purchase-orders/_lines_panel.html", load_lines),
            Panel("Three-way match", "erp/purchase-orders/_match_panel.html", load_match),
            Panel("Receipts", "erp/purchase-orders/_receipts_panel.html", load_receipts),
            Panel("Bills", "erp/purchase-orders/_bills_panel.html", load_bills)],
    row_fields=["lines"],
    actions=[
        Action("confirm", "Confirm", done="Purchase order confirmed.",
               run=lambda uow, key, data: po.confirm_purchase_order(uow, key)),
        Action("cancel", "Cancel", done="Purchase order cancelled.",
               fields=[Field("reason", "Reason")],
               run=lambda uow, key, data: po.cancel_purchase_order(
                   uow, key, po.CancelIn(reason=data.get("reason")))),
        Action("close", "Close", done="Purchase order closed.",
               fields=[Field("reason", "Reason", required=True)],
               run=lambda uow, key, data: po.close_purchase_order(
                   uow, key, po.CloseIn(reason=data["reason"]))),
        Action("receive", "Receive", done="Goods received.",
               fields=[Field("po_line", "Line", kind="hidden", required=True),
                       Field("qty", "Qty", kind="decimal", required=True),
                       Field("lot", "Lot"), Field("expiry_date", "Expiry", kind="date"),
                       Field("supplier_lot", "Supplier lot"), Field("serials", "Serials"),
                       Field("date", "Date", kind="date")],
               run=receive_line),
        Action("reverse", "Reverse a receipt", done="Receipt reversed.",
               fields=[Field("receipt", "Receipt", kind="hidden", required=True),
                       Field("reason", "Reason", required=True)],
               run=lambda uow, key, data: receipts.reverse_receipt(
                   uow, data["receipt"], receipts.ReverseIn(reason=data["reason"]))),
        Action("bill", "Book the supplier's bill", panel="Bills", button="Book bill",
               done="Bill booked.",
               fields=[Field("supplier_ref", "Supplier invoice no.", required=True),
                       Field("date", "Bill date", kind="date", help="Empty: today."),
                       Field("tax_pct", "Tax %", kind="decimal", default="0")],
               run=bill_open_lines),
    ],
))
