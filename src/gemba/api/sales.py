"""REST resources of sales: price lists (and customers' default ones), quotations and sales
orders with ATP, deliveries, customer invoices, credit notes, returns and payments received."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from gemba.api.crud import AuditEntryOut, CodeResource, Out, PageOut, code_router, page_request
from gemba.api.deps import UowDep
from gemba.core.commands import Command
from gemba.core.listing import Page
from gemba.erp.finance import payment
from gemba.erp.finance.open_item import OpenItem
from gemba.erp.sales import atp, credit_note, delivery, invoice, price_list, returns
from gemba.erp.sales import sales_order as so

# --- schemas ------------------------------------------------------------------------------


class PriceListLineOut(Out):
    item_code: str
    min_qty: Decimal
    unit_price: Decimal


class PriceListOut(Out):
    id: int
    code: str
    name: str
    currency: str
    valid_from: date | None
    valid_to: date | None
    lines: list[PriceListLineOut]
    version: int
    updated_at: datetime


class CustomerPriceListOut(Out):
    customer: str
    price_list: str | None


class AtpOut(Out):
    line_no: int
    item: str
    qty_open: Decimal
    requested_date: date
    on_hand: Decimal
    scheduled_receipts: Decimal
    committed: Decimal
    available: Decimal
    earliest_date: date | None
    enough: bool


class ReservationOut(Out):
    line_no: int
    location: str
    lot: str | None
    qty: Decimal


class SalesOrderLineOut(Out):
    line_no: int
    item_code: str
    item_name: str
    qty: Decimal
    unit_price: Decimal
    net_amount: Decimal
    requested_date: date | None
    qty_delivered: Decimal
    qty_invoiced: Decimal
    qty_returned: Decimal


class SalesOrderOut(Out):
    id: int
    number: str
    customer_code: str
    customer_name: str
    order_date: date
    requested_date: date | None
    status: so.SalesOrderStatus
    price_list_code: str | None
    currency: str
    tax_pct: Decimal
    customer_ref: str | None
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    lines: list[SalesOrderLineOut]
    version: int
    updated_at: datetime


class SalesOrderDetailOut(SalesOrderOut):
    atp: list[AtpOut]
    reservations: list[ReservationOut]


class PickOut(Out):
    lot_code: str | None
    qty: Decimal
    qty_returned: Decimal


class DeliveryLineOut(Out):
    line_no: int
    item_code: str
    qty: Decimal
    qty_returned: Decimal
    picks: list[PickOut]


class DeliveryOut(Out):
    number: str
    order_number: str
    customer_code: str
    delivery_date: date
    lines: list[DeliveryLineOut]


class InvoiceLineOut(Out):
    line_no: int
    item_code: str
    qty: Decimal
    unit_price: Decimal
    net_amount: Decimal
    qty_credited: Decimal
    net_credited: Decimal


class InvoiceOut(Out):
    number: str
    order_number: str
    customer_code: str
    invoice_date: date
    due_date: date
    currency: str
    tax_pct: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    net_credited: Decimal
    tax_credited: Decimal
    lines: list[InvoiceLineOut]


class CreditNoteLineOut(Out):
    line_no: int
    item_code: str
    qty: Decimal
    net_amount: Decimal


class CreditNoteOut(Out):
    number: str
    invoice_number: str
    customer_code: str
    credit_date: date
    reason: str | None
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    lines: list[CreditNoteLineOut]


class ReturnLineOut(Out):
    line_no: int
    item_code: str
    lot_code: str | None
    qty: Decimal


class ReturnOut(Out):
    number: str
    delivery_number: str
    order_number: str
    return_date: date
    reason: str | None
    lines: list[ReturnLineOut]


class AllocationOut(Out):
    document: str
    amount: Decimal


class PaymentOut(Out):
    number: str
    direction: payment.PaymentDirection
    partner: str
    pay_date: date
    amount: Decimal
    reference: str | None
    allocations: list[AllocationOut]


class VersionIn(Command):
    version: int | None = None


def _page(out: type[Out], page: Page[Any]) -> dict[str, Any]:
    return {"items": [out.model_validate(i) for i in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


# --- price lists --------------------------------------------------------------------------

router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/price-lists", tag="sales", record_type="erp_price_lists", out=PriceListOut,
    create_in=price_list.PriceListIn, patch_in=price_list.PriceListPatch,
    list_fn=price_list.list_price_lists, get_fn=price_list.get_price_list,
    create_fn=price_list.create_price_list, update_fn=price_list.update_price_list,
    delete_fn=price_list.delete_price_list, filters=["code", "currency"])))

customers = APIRouter(prefix="/customers/{code}", tags=["sales"])


@customers.get("/price-list", response_model=CustomerPriceListOut)
def customer_price_list(code: str, uow: UowDep) -> Any:
    """The customer's default price list (orders without one take it)."""
    found = price_list.get_customer_price_list(uow, code)
    return CustomerPriceListOut(customer=code, price_list=found.code if found else None)


@customers.put("/price-list", response_model=CustomerPriceListOut)
def set_customer_price_list(code: str, body: price_list.CustomerPriceListIn,
                            uow: UowDep) -> Any:
    """Set (or, with ``price_list: null``, remove) the customer's default price list."""
    found = price_list.set_customer_price_list(uow, code, body)
    uow.commit()
    return CustomerPriceListOut(customer=code, price_list=found.code if found else None)


router.include_router(customers)

# --- sales orders -------------------------------------------------------------------------

orders = APIRouter(prefix="/sales-orders", tags=["sales"])


def _order(uow: UowDep, record: so.SalesOrder) -> Any:
    uow.commit()
    return SalesOrderOut.model_validate(record)


@orders.get("", response_model=PageOut[SalesOrderOut],
            description="Exact-match filters: status, customer.")
def list_orders(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(SalesOrderOut, so.list_sales_orders(uow, page_request(request, limit,
                                                                          offset, q)))


@orders.post("", response_model=SalesOrderOut, status_code=201)
def create_order(body: so.SalesOrderIn, uow: UowDep) -> Any:
    """A quotation or a draft; omitted line prices come from the price list (the customer's
    default one unless ``price_list`` names another); none found is a 422 on the line."""
    return _order(uow, so.create_sales_order(uow, body))


@orders.get("/{number}", response_model=SalesOrderDetailOut)
def get_order(number: str, uow: UowDep) -> Any:
    """The order with its lines, available-to-promise per line and the reservations."""
    order = so.get_sales_order(uow, number)
    out = SalesOrderOut.model_validate(order).model_dump()
    out["atp"] = [AtpOut.model_validate(a) for a in atp.atp_for_order(uow, number)]
    out["reservations"] = [ReservationOut(line_no=n, location=loc, lot=lot, qty=qty)
                           for n, loc, lot, qty in so.reservations(uow, order)]
    return SalesOrderDetailOut.model_validate(out)


@orders.patch("/{number}", response_model=SalesOrderOut)
def update_order(number: str, body: so.SalesOrderPatch, uow: UowDep) -> Any:
    """Quotations and drafts only; ``lines``, when given, replace all lines."""
    return _order(uow, so.update_sales_order(uow, number, body))


@orders.post("/{number}/confirm", response_model=SalesOrderOut)
def confirm_order(number: str, uow: UowDep, body: VersionIn | None = None) -> Any:
    """Quotation/draft -> confirmed, reserving the free stock for every line."""
    return _order(uow, so.confirm_sales_order(uow, number, body.version if body else None))


@orders.post("/{number}/cancel", response_model=SalesOrderOut)
def cancel_order(number: str, uow: UowDep, body: VersionIn | None = None) -> Any:
    """Only while nothing is delivered; releases the reservations."""
    return _order(uow, so.cancel_sales_order(uow, number, body.version if body else None))


@orders.get("/{number}/history", response_model=list[AuditEntryOut])
def order_history(number: str, uow: UowDep) -> Any:
    return [AuditEntryOut.model_validate(e) for e in so.sales_order_history(uow, number)]


router.include_router(orders)

# --- deliveries, invoices, credit notes, returns ------------------------------------------

deliveries = APIRouter(prefix="/deliveries", tags=["sales"])


@deliveries.get("", response_model=PageOut[DeliveryOut],
                description="Exact-match filters: order.")
def list_deliveries(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                    offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(DeliveryOut, delivery.list_deliveries(uow, page_request(request, limit,
                                                                          offset, q)))


@deliveries.post("", response_model=DeliveryOut, status_code=201)
def create_delivery(body: delivery.DeliveryIn, uow: UowDep) -> Any:
    """Ship order lines; lots are picked FEFO unless ``lot`` or ``serials`` name them."""
    record = delivery.deliver(uow, body)
    uow.commit()
    return DeliveryOut.model_validate(record)


@deliveries.get("/{number}", response_model=DeliveryOut)
def get_delivery(number: str, uow: UowDep) -> Any:
    return DeliveryOut.model_validate(delivery.get_delivery(uow, number))


invoices = APIRouter(prefix="/invoices", tags=["sales"])


@invoices.get("", response_model=PageOut[InvoiceOut],
              description="Exact-match filters: order, customer.")
def list_invoices(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(InvoiceOut, invoice.list_invoices(uow, page_request(request, limit, offset,
                                                                      q)))


@invoices.post("", response_model=InvoiceOut, status_code=201)
def create_invoice(body: invoice.InvoiceIn, uow: UowDep) -> Any:
    """Bill delivered, not yet invoiced quantities (all of them when ``lines`` is empty)."""
    record = invoice.create_invoice(uow, body)
    uow.commit()
    return InvoiceOut.model_validate(record)


@invoices.get("/{number}", response_model=InvoiceOut)
def get_invoice(number: str, uow: UowDep) -> Any:
    return InvoiceOut.model_validate(invoice.get_invoice(uow, number))


credit_notes = APIRouter(prefix="/credit-notes", tags=["sales"])


@credit_notes.get("", response_model=PageOut[CreditNoteOut],
                  description="Exact-match filters: invoice.")
def list_credit_notes(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                      offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(CreditNoteOut, credit_note.list_credit_notes(
        uow, page_request(request, limit, offset, q)))


@credit_notes.post("", response_model=CreditNoteOut, status_code=201)
def create_credit_note(body: credit_note.CreditNoteIn, uow: UowDep) -> Any:
    """Credit an invoice by quantity or amount per line; settles its open item."""
    record = credit_note.create_credit_note(uow, body)
    uow.commit()
    return CreditNoteOut.model_validate(record)


@credit_notes.get("/{number}", response_model=CreditNoteOut)
def get_credit_note(number: str, uow: UowDep) -> Any:
    return CreditNoteOut.model_validate(credit_note.get_credit_note(uow, number))


returns_router = APIRouter(prefix="/returns", tags=["sales"])


@returns_router.get("", response_model=PageOut[ReturnOut],
                    description="Exact-match filters: delivery, order.")
def list_returns(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                 offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(ReturnOut, returns.list_returns(uow, page_request(request, limit, offset, q)))


@returns_router.post("", response_model=ReturnOut, status_code=201)
def create_return(body: returns.ReturnIn, uow: UowDep) -> Any:
    """Goods back from the customer against a delivery, at the cost they left with."""
    record = returns.return_goods(uow, body)
    uow.commit()
    return ReturnOut.model_validate(record)


@returns_router.get("/{number}", response_model=ReturnOut)
def get_return(number: str, uow: UowDep) -> Any:
    return ReturnOut.model_validate(returns.get_return(uow, number))


payments = APIRouter(prefix="/payments", tags=["sales"])


@payments.post("/received", response_model=PaymentOut, status_code=201)
def payment_received(body: payment.PaymentIn, uow: UowDep) -> Any:
    """A customer paid: Bank / AR, settling the named invoices (or the oldest open ones);
    more than is owed is refused."""
    record = payment.receive_payment(uow, body)
    out = _payment_out(uow, record)
    uow.commit()
    return out


def _payment_out(uow: UowDep, record: payment.Payment) -> PaymentOut:
    rows = uow.session.execute(select(OpenItem.id, OpenItem.doc_ref).where(
        OpenItem.id.in_([a.open_item_id for a in record.allocations])))
    refs = {item_id: ref for item_id, ref in rows}
    return PaymentOut(number=record.number, direction=record.direction,
                      partner=record.partner.code, pay_date=record.pay_date,
                      amount=record.amount, reference=record.reference,
                      allocations=[AllocationOut(document=refs[a.open_item_id], amount=a.amount)
                                   for a in record.allocations])


for sub in (deliveries, invoices, credit_notes, returns_router, payments):
    router.include_router(sub)
