"""REST resources of purchasing: partners (customers too), supplier items, purchase orders,
goods receipts, supplier bills and payments sent to suppliers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request

from gemba.api.crud import AuditEntryOut, CodeResource, Out, PageOut, code_router, page_request
from gemba.api.deps import UowDep
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command
from gemba.core.errors import NotFound
from gemba.erp.finance import payment
from gemba.erp.partners import partner
from gemba.erp.purchasing import bill, purchase_order, receipt, supplier_item

# --- schemas ------------------------------------------------------------------------------


class PartnerOut(Out):
    id: int
    code: str
    name: str
    is_customer: bool
    is_supplier: bool
    payment_terms_days: int
    email: str | None
    address: str | None
    tax_id: str | None
    credit_limit: int | None
    version: int
    updated_at: datetime


class PriceBreakOut(Out):
    min_qty: Decimal
    unit_price: Decimal


class SupplierItemOut(Out):
    id: int
    supplier: str
    item_code: str
    supplier_code: str | None
    lead_time_days: int
    min_qty: Decimal
    preferred: bool
    price_breaks: list[PriceBreakOut]
    version: int
    updated_at: datetime


class POLineOut(Out):
    line_no: int
    item_code: str
    item_name: str
    uom_code: str
    qty: Decimal
    unit_price: Decimal
    expected_date: date | None
    qty_received: Decimal
    qty_billed: Decimal


class PurchaseOrderOut(Out):
    id: int
    number: str
    supplier: str
    supplier_name: str
    order_date: date
    expected_date: date | None
    status: purchase_order.POStatus
    receipt_tolerance_pct: Decimal
    notes: str | None
    close_reason: str | None
    total: Decimal
    lines: list[POLineOut]
    version: int
    updated_at: datetime


class ReceiptLineOut(Out):
    po_line: int
    item_code: str
    qty: Decimal
    lot: str | None
    expiry_date: date | None
    supplier_lot: str | None


class ReceiptOut(Out):
    number: str
    order_number: str
    receipt_date: date
    location_code: str
    reversed: bool
    reversal_reason: str | None
    lines: list[ReceiptLineOut]


class BillLineOut(Out):
    order_number: str
    po_line: int
    item_code: str
    qty: Decimal
    unit_price: Decimal
    po_price: Decimal
    amount: Decimal
    variance: Decimal


class BillOut(Out):
    number: str
    supplier: str
    supplier_ref: str
    bill_date: date
    due_date: date
    tax_pct: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    price_variance: Decimal
    lines: list[BillLineOut]


class MatchLineOut(Out):
    line_no: int
    item: str
    item_name: str
    qty_ordered: Decimal
    qty_received: Decimal
    qty_billed: Decimal
    qty_to_receive: Decimal
    qty_to_bill: Decimal
    po_price: Decimal
    billed_amount: Decimal
    price_variance: Decimal
    matched: bool


class PaymentOut(Out):
    number: str
    direction: payment.PaymentDirection
    partner: str
    pay_date: date
    amount: Decimal
    reference: str | None


class VersionIn(Command):
    version: int | None = None


def _page(out: type[Out], page: Any) -> dict[str, Any]:
    return {"items": [out.model_validate(i) for i in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


# --- master data --------------------------------------------------------------------------

router = APIRouter()
router.include_router(code_router(CodeResource(
    path="/partners", tag="partners", record_type="erp_partners", out=PartnerOut,
    create_in=partner.PartnerIn, patch_in=partner.PartnerPatch,
    list_fn=partner.list_partners, get_fn=partner.get_partner,
    create_fn=partner.create_partner, update_fn=partner.update_partner,
    filters=["is_customer", "is_supplier", "code"])))
router.include_router(code_router(CodeResource(
    path="/supplier-items", tag="purchasing", record_type="erp_supplier_items",
    out=SupplierItemOut, create_in=supplier_item.SupplierItemIn,
    patch_in=supplier_item.SupplierItemPatch, list_fn=supplier_item.list_supplier_items,
    get_fn=supplier_item.get_supplier_item, create_fn=supplier_item.create_supplier_item,
    update_fn=supplier_item.update_supplier_item,
    delete_fn=supplier_item.delete_supplier_item, filters=["supplier", "item", "preferred"])))

# --- purchase orders ----------------------------------------------------------------------

orders = APIRouter(prefix="/purchase-orders", tags=["purchasing"])
PO = purchase_order


def _po(uow: UowDep, record: PO.PurchaseOrder) -> Any:
    uow.commit()
    return PurchaseOrderOut.model_validate(record)


@orders.get("", response_model=PageOut[PurchaseOrderOut],
            description="Exact-match filters: status, supplier.")
def list_orders(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(PurchaseOrderOut,
                 PO.list_purchase_orders(uow, page_request(request, limit, offset, q)))


@orders.post("", response_model=PurchaseOrderOut, status_code=201)
def create_order(body: PO.PurchaseOrderIn, uow: UowDep) -> Any:
    """A draft order; omitted line prices come from the supplier's price breaks."""
    return _po(uow, PO.create_purchase_order(uow, body))


@orders.get("/{number}", response_model=PurchaseOrderOut)
def get_order(number: str, uow: UowDep) -> Any:
    return PurchaseOrderOut.model_validate(PO.get_purchase_order(uow, number))


@orders.patch("/{number}", response_model=PurchaseOrderOut)
def update_order(number: str, body: PO.PurchaseOrderPatch, uow: UowDep) -> Any:
    """Draft orders only; ``lines``, when given, replace all lines."""
    return _po(uow, PO.update_purchase_order(uow, number, body))


@orders.post("/{number}/confirm", response_model=PurchaseOrderOut)
def confirm_order(number: str, uow: UowDep, body: VersionIn | None = None) -> Any:
    return _po(uow, PO.confirm_purchase_order(uow, number, body.version if body else None))


@orders.post("/{number}/cancel", response_model=PurchaseOrderOut)
def cancel_order(number: str, uow: UowDep, body: PO.CancelIn | None = None) -> Any:
    return _po(uow, PO.cancel_purchase_order(uow, number, body))


@orders.post("/{number}/close", response_model=PurchaseOrderOut)
def close_order(number: str, body: PO.CloseIn, uow: UowDep) -> Any:
    return _po(uow, PO.close_purchase_order(uow, number, body))


@orders.get("/{number}/match", response_model=list[MatchLineOut])
def match(number: str, uow: UowDep) -> Any:
    """The three-way match: ordered, received, billed and price variance per line."""
    return [MatchLineOut.model_validate(m) for m in bill.match_report(uow, number)]


@orders.get("/{number}/history", response_model=list[AuditEntryOut])
def order_history(number: str, uow: UowDep) -> Any:
    return [AuditEntryOut.model_validate(e)
            for e in PO.purchase_order_history(uow, number)]


router.include_router(orders)

# --- receipts, bills, payments ------------------------------------------------------------

receipts = APIRouter(prefix="/receipts", tags=["purchasing"])


@receipts.get("", response_model=PageOut[ReceiptOut],
              description="Exact-match filters: order, reversed.")
def list_receipts(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(ReceiptOut, receipt.list_receipts(uow, page_request(request, limit, offset, q)))


@receipts.post("", response_model=ReceiptOut, status_code=201)
def receive(body: receipt.ReceiptIn, uow: UowDep) -> Any:
    """Goods in against a confirmed PO: stock moves (and lots) at the PO price."""
    record = receipt.receive(uow, body)
    uow.commit()
    return ReceiptOut.model_validate(record)


@receipts.get("/{number}", response_model=ReceiptOut)
def get_receipt(number: str, uow: UowDep) -> Any:
    return ReceiptOut.model_validate(receipt.get_receipt(uow, number))


@receipts.post("/{number}/reverse", response_model=ReceiptOut)
def reverse(number: str, body: receipt.ReverseIn, uow: UowDep) -> Any:
    record = receipt.reverse_receipt(uow, number, body)
    uow.commit()
    return ReceiptOut.model_validate(record)


router.include_router(receipts)
bills = APIRouter(prefix="/bills", tags=["purchasing"])


@bills.get("", response_model=PageOut[BillOut],
           description="Exact-match filters: supplier, supplier_ref.")
def list_bills(request: Request, uow: UowDep, limit: int = Query(50, ge=1, le=500),
               offset: int = Query(0, ge=0), q: str | None = None) -> Any:
    return _page(BillOut, bill.list_bills(uow, page_request(request, limit, offset, q)))


@bills.post("", response_model=BillOut, status_code=201)
def post_bill(body: bill.BillIn, uow: UowDep) -> Any:
    """Three-way matched against the PO lines and their receipts, then posted."""
    record = bill.post_bill(uow, body)
    uow.commit()
    return BillOut.model_validate(record)


@bills.get("/{number}", response_model=BillOut)
def get_bill(number: str, uow: UowDep) -> Any:
    return BillOut.model_validate(bill.get_bill(uow, number))


@bills.get("/{number}/history", response_model=list[AuditEntryOut])
def bill_history(number: str, uow: UowDep) -> Any:
    uow.actor.require(Permission.AUDIT_READ)
    record = bill.get_bill(uow, number)
    return [AuditEntryOut.model_validate(e)
            for e in history(uow.session, "erp_supplier_bills", record.id)]


router.include_router(bills)
payments = APIRouter(prefix="/payments/sent", tags=["payments"])


def _payment_out(record: payment.Payment) -> PaymentOut:
    return PaymentOut(number=record.number, direction=record.direction,
                      partner=record.partner.code, pay_date=record.pay_date,
                      amount=record.amount, reference=record.reference)


@payments.post("", response_model=PaymentOut, status_code=201)
def pay(body: payment.PaymentIn, uow: UowDep) -> Any:
    """Pay a supplier (AP / Bank), allocated to their bills; never more than is owed."""
    record = payment.pay_supplier(uow, body)
    uow.commit()
    return _payment_out(record)


@payments.get("/{number}", response_model=PaymentOut)
def get_payment(number: str, uow: UowDep) -> Any:
    record = payment.get_payment(uow, number)
    if record.direction != payment.PaymentDirection.SENT:
        raise NotFound(f"{number} is not a payment to a supplier")
    return _payment_out(record)


router.include_router(payments)
