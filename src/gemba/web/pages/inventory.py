"""Inventory pages: warehouses and locations, lots with quality holds, stock on hand, the stock
ledger with document reversal, the warehouse operations (transfer, adjustment, count, scrap)
as touch-friendly forms, and the stock valuation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.catalog import item as items
from gemba.erp.inventory import location as loc
from gemba.erp.inventory import lot as lots
from gemba.erp.inventory import moves, operations, stock
from gemba.erp.inventory.ledger import PostedMove
from gemba.web.concept import Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx, Form, WebContext, WebRoute, is_htmx
from gemba.web.forms import (
    Choice,
    Field,
    FormState,
    enum_choices,
    issues_of,
    read_fields,
    read_rows,
    resolve_choices,
)
from gemba.web.nav import NavEntry, register
from gemba.web.pages.equipment import site_choices

P = Permission
PAGE_SIZE = 25
FORM_ERRORS = (ValidationError, ValidationFailed, Conflict)
STOCK, MOVES, LOTS = "/erp/stock", "/erp/stock-moves", "/erp/lots"
OPERATIONS, VALUATION = "/erp/stock-operations", "/erp/valuation"

router = APIRouter(route_class=WebRoute, include_in_schema=False)
register(NavEntry("erp", "Stock on hand", STOCK, P.INVENTORY_READ, order=100))
register(NavEntry("erp", "Stock operations", OPERATIONS, P.INVENTORY_WRITE, order=101))
register(NavEntry("erp", "Stock ledger", MOVES, P.INVENTORY_READ, order=102))
register(NavEntry("erp", "Lots", LOTS, P.INVENTORY_READ, order=103))
register(NavEntry("erp", "Valuation", VALUATION, P.INVENTORY_READ, order=106))


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


# --- choices ------------------------------------------------------------------------------------

def warehouse_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(w.code, f"{w.code} — {w.name}")
            for w in loc.list_warehouses(uow, PageRequest(limit=500)).items]


def location_choices(uow: UnitOfWork) -> Sequence[Choice]:
    return [(x.code, f"{x.code} — {x.name}")
            for x in loc.list_locations(uow, PageRequest(limit=500)).items]


def internal_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = loc.list_locations(uow, PageRequest(limit=500, filters=(("kind", "internal"),)))
    return [(x.code, f"{x.code} — {x.name}") for x in page.items]


def stock_item_choices(uow: UnitOfWork) -> Sequence[Choice]:
    """Items that can hold stock (not services or phantoms)."""
    page = items.list_items(uow, PageRequest(limit=500))
    return [(i.code, f"{i.code} — {i.name}") for i in page.items
            if i.type not in (items.ItemType.SERVICE, items.ItemType.PHANTOM)]


# --- warehouses and locations (declarative) -----------------------------------------------------

def load_warehouse_locations(uow: UnitOfWork, record: loc.Warehouse) -> dict[str, Any]:
    page = loc.list_locations(uow, PageRequest(limit=500, filters=(("kind", "internal"),)))
    return {"locations": [x for x in page.items if x.warehouse_id == record.id]}


def load_location_stock(uow: UnitOfWork, record: loc.Location) -> dict[str, Any]:
    return {"lines": stock.stock_lines(uow, location=record.code) if not record.kind.virtual
            else None, "today": utcnow().date()}


WAREHOUSES = register_concept(Concept(
    area="erp", slug="warehouses", title="Warehouses", singular="Warehouse",
    record_type="erp_warehouses", read_permission=P.INVENTORY_READ,
    write_permission=P.INVENTORY_WRITE, list_fn=loc.list_warehouses,
    get_fn=loc.get_warehouse, nav_order=105,
    description="Buildings that hold stock; each gets a stock location <code>/STOCK.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("site_code", "Site")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("site_code", "Site"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    fields=[Field("code", "Code", required=True),
            Field("name", "Name", required=True),
            Field("site_code", "Site", kind="select", choices=site_choices)],
    create_in=loc.WarehouseIn, create_fn=loc.create_warehouse,
    panels=[Panel("Stock locations", "erp/warehouses/_locations_panel.html",
                  load_warehouse_locations)],
))

LOCATIONS = register_concept(Concept(
    area="erp", slug="locations", title="Locations", singular="Location",
    record_type="erp_locations", read_permission=P.INVENTORY_READ,
    write_permission=P.INVENTORY_WRITE, list_fn=loc.list_locations, get_fn=loc.get_location,
    nav_order=104,
    description="Internal locations hold stock; virtual ones (supplier, customer, "
                "production, scrap, adjustment) are the other side of every move.",
    columns=[Column("code", "Code", link=True), Column("name", "Name"),
             Column("kind", "Kind"), Column("warehouse.code", "Warehouse"),
             Column("parent.code", "Inside"), Column("active", "Active")],
    details=[Column("code", "Code"), Column("name", "Name"), Column("kind", "Kind"),
             Column("warehouse.code", "Warehouse",
                    href=lambda x: WAREHOUSES.url(x.warehouse) if x.warehouse else None),
             Column("parent.code", "Inside",
                    href=lambda x: LOCATIONS.url(x.parent) if x.parent else None),
             Column("account_code", "Counter account"), Column("active", "Active"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    filters=[ListFilter("kind", "Kind", enum_choices(loc.LocationKind))],
    fields=[Field("code", "Code", required=True,
                  help="By convention <warehouse>/<place>, e.g. WH/RACK-A."),
            Field("name", "Name", required=True),
            Field("kind", "Kind", kind="select", required=True,
                  choices=enum_choices(loc.LocationKind), default="internal"),
            Field("warehouse", "Warehouse", kind="select", choices=warehouse_choices,
                  help="Required for internal locations (or taken from the parent)."),
            Field("parent", "Inside location", kind="select", choices=location_choices),
            Field("account_code", "Counter account",
                  help="Virtual locations only; empty: the default for the kind.")],
    create_in=loc.LocationIn, create_fn=loc.create_location,
    panels=[Panel("Stock here", "erp/locations/_stock_panel.html", load_location_stock)],
))


# --- stock on hand ------------------------------------------------------------------------------

@router.get(STOCK)
def stock_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.INVENTORY_READ)
    params = ctx.request.query_params
    item, where = (params.get("item") or "").strip(), (params.get("location") or "").strip()
    with ctx.uow() as uow:
        lines = stock.stock_lines(uow, item=item or None, location=where or None)
        totals = {name: sum((getattr(s, name) for s in lines), Decimal(0))
                  for name in ("on_hand", "reserved", "available")}
        template = ("erp/stock/_results.html"
                    if is_htmx(ctx.request) and ctx.request.headers.get("HX-Target") == "results"
                    else "erp/stock/index.html")
        return ctx.render(template, lines=lines, totals=totals, item=item, location=where,
                          items=stock_item_choices(uow), locations=internal_choices(uow),
                          today=utcnow().date(), can_write=ctx.can(P.INVENTORY_WRITE))


# --- stock ledger and reversal --------------------------------------------------------------------

MOVE_FILTERS = ("item", "doc_ref", "kind")


def render_moves(ctx: WebContext, uow: UnitOfWork, query: Mapping[str, str],
                 state: FormState | None = None, status: int = 200) -> Response:
    active = {k: (query.get(k) or "").strip() for k in MOVE_FILTERS}
    number = _page_number(query.get("page"))
    error = None
    try:
        page = moves.list_moves(uow, PageRequest(
            limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
            filters=tuple((k, v) for k, v in active.items() if v)))
    except ValidationFailed as exc:
        error, status = exc.message, 422
        page = moves.list_moves(uow, PageRequest(limit=PAGE_SIZE))
    keep = {k: v for k, v in active.items() if v}
    pages = max(1, -(-page.total // PAGE_SIZE))
    doc_ref = active["doc_ref"]
    reversible = bool(doc_ref and page.total and ctx.can(P.INVENTORY_WRITE)
                      and not any(m.reversal_of_id for m in page.items)
                      and not moves.document_reversed(uow, doc_ref))
    return ctx.render("erp/stock-moves/index.html", status, page=page, active=active,
                      kinds=moves.MOVE_KINDS, error=error, number=number, pages=pages,
                      page_url=lambda n: MOVES + "?" + urlencode({**keep, "page": n}),
                      reversible=reversible, state=state or FormState())


@router.get(MOVES)
def moves_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.INVENTORY_READ)
    with ctx.uow() as uow:
        return render_moves(ctx, uow, ctx.request.query_params)


@router.post(MOVES + "/reverse")
def reverse_document(ctx: Ctx, form: Form) -> Response:
    """Reverse a whole stock document (from the ledger filtered by its reference)."""
    ctx.actor.require(P.INVENTORY_WRITE)
    doc_ref, reason = _text(form, "doc_ref"), _text(form, "reason")
    state = FormState(values={"reason": reason})
    status = 422
    with ctx.uow() as uow:
        try:
            ref, _ = moves.reverse_document(uow, doc_ref, moves.StockReversalIn(reason=reason))
            uow.commit()
        except FORM_ERRORS as exc:
            uow.rollback()
            for name, message in issues_of(exc):
                state.add(name, message, {"reason"})
            status = 409 if isinstance(exc, Conflict) else 422
        else:
            return ctx.redirect(MOVES + "?" + urlencode({"doc_ref": ref}),
                                f"Stock document {doc_ref} reversed.")
        return render_moves(ctx, uow, {"doc_ref": doc_ref}, state, status)


# --- lots and holds -------------------------------------------------------------------------------

def render_lots(ctx: WebContext, uow: UnitOfWork, query: Mapping[str, str],
                error: str | None = None, status: int = 200) -> Response:
    item, hold = (query.get("item") or "").strip(), (query.get("on_hold") or "").strip()
    q = (query.get("q") or "").strip()
    number = _page_number(query.get("page"))
    filters = tuple((k, v) for k, v in (("item", item), ("on_hold", hold)) if v)
    try:
        page = lots.list_lots(uow, PageRequest(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                               q=q or None, filters=filters))
    except ValidationFailed as exc:
        error, status = exc.message, 422
        page = lots.list_lots(uow, PageRequest(limit=PAGE_SIZE))
    keep = {k: v for k, v in (("item", item), ("on_hold", hold), ("q", q)) if v}
    return ctx.render("erp/lots/index.html", status, page=page, item=item, on_hold=hold, q=q,
                      error=error, number=number, pages=max(1, -(-page.total // PAGE_SIZE)),
                      page_url=lambda n: LOTS + "?" + urlencode({**keep, "page": n}),
                      today=utcnow().date(), can_write=ctx.can(P.INVENTORY_WRITE),
                      back=LOTS + ("?" + urlencode(keep) if keep else ""))


@router.get(LOTS)
def lots_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.INVENTORY_READ)
    with ctx.uow() as uow:
        return render_lots(ctx, uow, ctx.request.query_params)


def _lot_action(ctx: WebContext, form: FormData,
                run: Callable[[UnitOfWork, str, str], lots.Lot], done: str) -> Response:
    ctx.actor.require(P.INVENTORY_WRITE)
    item, code = _text(form, "item"), _text(form, "lot")
    back = _text(form, "back")
    back = back if back.startswith(LOTS) else LOTS
    with ctx.uow() as uow:
        try:
            run(uow, item, code)
            uow.commit()
        except FORM_ERRORS as exc:
            uow.rollback()
            message = "; ".join(m for _, m in issues_of(exc))
            status = 409 if isinstance(exc, Conflict) else 422
            return render_lots(ctx, uow, {}, f"Lot {code} of {item}: {message}", status)
    return ctx.redirect(back, f"Lot {code} of {item} {done}.")


@router.post(LOTS + "/hold")
def hold(ctx: Ctx, form: Form) -> Response:
    reason = _text(form, "reason")
    return _lot_action(ctx, form, lambda uow, i, c: lots.hold_lot(
        uow, i, c, lots.HoldIn(reason=reason)), "put on hold")


@router.post(LOTS + "/release")
def release(ctx: Ctx, form: Form) -> Response:
    return _lot_action(ctx, form, lots.release_lot, "released")


# --- warehouse operations ---------------------------------------------------------------------

Run = Callable[[UnitOfWork, Any], tuple[str, list[PostedMove]]]


@dataclass(frozen=True)
class Operation:
    slug: str
    title: str
    description: str
    command: type[BaseModel]
    run: Run
    fields: Sequence[Field]
    lines: Sequence[str] = ()  # a count posts lines: ``lines[n].<name>``

    @property
    def url(self) -> str:
        return f"{OPERATIONS}/{self.slug}"


DATE = Field("date", "Date", kind="date", help="Empty: today.")
REASON = Field("reason", "Reason", required=True)
LOT = Field("lot", "Lot / serial", help="Only for lot- or serial-tracked items.")
OPS = {op.slug: op for op in [
    Operation("transfer", "Transfer", "Move stock between two stock locations.",
              operations.TransferIn, operations.transfer,
              [Field("item", "Item", kind="select", required=True, choices=stock_item_choices),
               Field("qty", "Quantity", kind="decimal", required=True),
               Field("from_location", "From", kind="select", required=True,
                     choices=internal_choices),
               Field("to_location", "To", kind="select", required=True,
                     choices=internal_choices),
               LOT, DATE]),
    Operation("adjust", "Adjustment",
              "Add (positive quantity) or remove (negative) stock, with a reason; booked "
              "against inventory adjustments.",
              operations.AdjustmentIn, operations.adjust,
              [Field("item", "Item", kind="select", required=True, choices=stock_item_choices),
               Field("location", "Location", kind="select", required=True,
                     choices=internal_choices),
               Field("qty", "Quantity (+/-)", kind="decimal", required=True),
               REASON, LOT,
               Field("unit_cost", "Unit cost", kind="decimal",
                     help="Stock added only; empty: the item's current cost."),
               Field("expiry_date", "Expiry of a new lot", kind="date"), DATE]),
    Operation("count", "Cycle count",
              "Enter what was counted in one location; differences are posted as "
              "adjustments. Items not listed are left as they are.",
              operations.CountIn, operations.count,
              [Field("location", "Location", kind="select", required=True,
                     choices=internal_choices),
               Field("reason", "Reason", default="cycle count"), DATE],
              lines=("item", "lot", "counted_qty")),
    Operation("scrap", "Scrap", "Write off damaged or unusable stock, with a reason.",
              operations.ScrapIn, operations.scrap,
              [Field("item", "Item", kind="select", required=True, choices=stock_item_choices),
               Field("location", "Location", kind="select", required=True,
                     choices=internal_choices),
               Field("qty", "Quantity", kind="decimal", required=True), REASON, LOT, DATE]),
]}
SINGLE_MOVE = re.compile(r"^moves\[0\]\.")


def render_operation(ctx: WebContext, uow: UnitOfWork, op: Operation, state: FormState,
                     status: int = 200) -> Response:
    return ctx.render("erp/stock-operations/form.html", status, op=op, fields=op.fields,
                      choices=resolve_choices(op.fields, uow), state=state,
                      item_choices=stock_item_choices(uow) if op.lines else [])


def _operation(slug: str) -> Operation:
    if slug not in OPS:
        raise NotFound(f"there is no stock operation {slug!r}")
    return OPS[slug]


@router.get(OPERATIONS)
def operations_index(ctx: Ctx) -> Response:
    ctx.actor.require(P.INVENTORY_WRITE)
    return ctx.render("erp/stock-operations/index.html", ops=list(OPS.values()))


@router.get(OPERATIONS + "/count/_line")
def count_line(ctx: Ctx, n: int = 0) -> Response:
    """One empty row of the count form (HTMX "add line")."""
    ctx.actor.require(P.INVENTORY_WRITE)
    with ctx.uow() as uow:
        return ctx.render("erp/stock-operations/_count_line.html", n=n, state=FormState(),
                          item_choices=stock_item_choices(uow))


@router.get(OPERATIONS + "/{slug}")
def operation_form(ctx: Ctx, slug: str) -> Response:
    ctx.actor.require(P.INVENTORY_WRITE)
    op = _operation(slug)
    given = ctx.request.query_params  # "?item=GEAR&location=WH/STOCK" pre-fills
    state = FormState(values={f.name: given.get(f.name, f.default) for f in op.fields},
                      rows=3 if op.lines else 0)
    with ctx.uow() as uow:
        return render_operation(ctx, uow, op, state)


@router.post(OPERATIONS + "/{slug}")
def post_operation(ctx: Ctx, slug: str, form: Form) -> Response:
    ctx.actor.require(P.INVENTORY_WRITE)
    op = _operation(slug)
    data, state = read_fields(op.fields, form, "create")
    known = {f.name for f in op.fields} | ({"lines"} if op.lines else set())
    if op.lines:
        data["lines"] = read_rows(form, state, "lines", op.lines)
    status = 422
    with ctx.uow() as uow:
        if state.ok:
            try:
                ref, posted = op.run(uow, op.command.model_validate(data))
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                for name, message in issues_of(exc):
                    # One-move documents: the move's field is the form's field.
                    state.add(name if op.lines else SINGLE_MOVE.sub("", name), message, known)
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                if not posted:
                    return ctx.redirect(STOCK + "?" + urlencode({"location": data["location"]}),
                                        f"{op.title} {ref}: no differences, nothing posted.")
                return ctx.redirect(MOVES + "?" + urlencode({"doc_ref": ref}),
                                    f"{op.title} {ref} posted.")
        return render_operation(ctx, uow, op, state, status)


# --- valuation -----------------------------------------------------------------------------------

@router.get(VALUATION)
def valuation_page(ctx: Ctx) -> Response:
    ctx.actor.require(P.INVENTORY_READ)
    with ctx.uow() as uow:
        lines = stock.valuation_report(uow)
        return ctx.render("erp/valuation/index.html", lines=lines,
                          total=sum((v.value for v in lines), Decimal(0)),
                          can_finance=ctx.can(P.FINANCE_READ))
