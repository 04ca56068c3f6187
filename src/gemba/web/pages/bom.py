"""BOM pages: list, detail with lines and a multi-level explosion, create and edit as one
document (header + lines, an HTMX "add line" row), and where-used on the item page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Response
from starlette.datastructures import FormData

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Patch, PosQty
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.erp.catalog import bom as boms
from gemba.erp.catalog import item as items
from gemba.erp.catalog.bom_explosion import explode, where_used
from gemba.web.concept import Column, Concept, ListFilter, Panel, register_concept
from gemba.web.context import Ctx
from gemba.web.forms import Choice, Field, FormState, enum_choices, read_fields, read_rows
from gemba.web.pages.catalog import ITEMS

P = Permission
LINE_FIELDS = ("seq", "component", "qty_per", "scrap_pct")
NEW_ROWS = 3  # empty line rows on a new BOM


def parent_choices(uow: UnitOfWork) -> Sequence[Choice]:
    """Only manufactured and phantom items have a BOM."""
    out: list[Choice] = []
    for kind in (items.ItemType.MANUFACTURED, items.ItemType.PHANTOM):
        page = items.list_items(uow, PageRequest(limit=500, filters=(("type", kind.value),)))
        out += [(i.code, f"{i.code} — {i.name}") for i in page.items]
    return sorted(out)


def component_options(uow: UnitOfWork) -> list[tuple[str, str]]:
    page = items.list_items(uow, PageRequest(limit=500))
    return [(i.code, f"{i.name} ({i.uom.code})") for i in page.items
            if i.type != items.ItemType.SERVICE]


def read_bom_form(c: Concept, form: FormData, mode: str) -> tuple[dict[str, Any], FormState]:
    """Header fields plus the line rows."""
    data, state = read_fields(c.fields, form, mode)
    data["lines"] = read_rows(form, state, "lines", LINE_FIELDS)
    return data, state


def bom_edit_values(record: boms.Bom, state: FormState) -> None:
    for n, line in enumerate(record.lines):
        state.values.update({f"lines[{n}].seq": str(line.seq),
                             f"lines[{n}].component": line.component.code,
                             f"lines[{n}].qty_per": _plain(line.qty_per),
                             f"lines[{n}].scrap_pct": _plain(line.scrap_pct)})
    state.rows = len(record.lines) + 1


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


class BomEdit(Patch):
    """The edit form's content: header changes and the complete set of lines."""

    revision: boms.Revision | None = None
    status: boms.BomStatus | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    base_qty: PosQty | None = None
    lines: list[boms.BomLineIn] = []


def update_bom_document(uow: UnitOfWork, number: str, data: BomEdit) -> boms.Bom:
    """Header through ``update_bom``, then the lines through ``replace_lines`` (only when they
    differ), in the caller's one transaction: both checks run against the version read."""
    header = data.model_dump(exclude_unset=True, exclude={"lines"})
    bom = boms.update_bom(uow, number, boms.BomPatch.model_validate(header))
    wanted = [(x.seq, x.component, x.qty_per, x.scrap_pct) for x in data.lines]
    current = [(x.seq, x.component.code, x.qty_per, x.scrap_pct) for x in bom.lines]
    if wanted != current:
        bom = boms.replace_lines(uow, number, boms.BomLinesIn(version=bom.version,
                                                               lines=data.lines))
    return bom


def load_lines(uow: UnitOfWork, record: boms.Bom) -> dict[str, Any]:
    return {"lines": record.lines}


def load_explosion_form(uow: UnitOfWork, record: boms.Bom) -> dict[str, Any]:
    return {"today": utcnow().date().isoformat()}


def load_where_used(uow: UnitOfWork, record: items.Item) -> dict[str, Any]:
    return {"usages": where_used(uow, record.code, multilevel=True)}


def load_item_boms(uow: UnitOfWork, record: items.Item) -> dict[str, Any]:
    page = boms.list_boms(uow, PageRequest(limit=100, filters=(("item", record.code),)))
    return {"boms": page.items}


def bom_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"components": component_options(uow), "line_fields": LINE_FIELDS}


def _parse_qty(raw: str | None) -> Decimal:
    try:
        qty = Decimal(raw or "1")
    except InvalidOperation:
        raise ValidationFailed.on("qty", "decimal", "must be a number") from None
    if not qty.is_finite():
        raise ValidationFailed.on("qty", "decimal", "must be a number")
    return qty


def _parse_date(raw: str | None) -> date:
    if not raw:
        return utcnow().date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on("on", "date", "must be a date (YYYY-MM-DD)") from None


def bom_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_line")
    def line_row(ctx: Ctx, n: int = 0) -> Response:
        """One empty line row for the form (HTMX "add line")."""
        ctx.actor.require(c.write_permission)
        return ctx.render("erp/boms/_line.html", n=n, state=FormState())

    @router.get(c.base_url + "/{key:path}/explode")
    def explosion(ctx: Ctx, key: str, qty: str = "1", on: str = "") -> Response:
        with ctx.uow() as uow:
            bom = c.get_fn(uow, key)
            try:
                result = explode(uow, bom.item.code, _parse_qty(qty), _parse_date(on))
                problem = None
            except (NotFound, ValidationFailed) as exc:
                result, problem = None, exc.message
            return ctx.render("erp/boms/_explosion.html", bom=bom, result=result,
                              problem=problem, items_url=ITEMS.base_url)


def item_url(code: str) -> str:
    return ITEMS.url_for(code)


BOMS = register_concept(Concept(
    area="erp", slug="boms", title="Bills of materials", singular="BOM",
    record_type="erp_boms", read_permission=P.MASTERDATA_READ, write_permission=P.CATALOG_WRITE,
    list_fn=boms.list_boms, get_fn=boms.get_bom, key_attr="number", nav_order=30,
    description="Versioned, dated, multi-level product structures with scrap and phantoms.",
    search_hint="number, item code or name",
    columns=[Column("number", "Number", link=True),
             Column("item.code", "Item", href=lambda b: item_url(b.item.code)),
             Column("item.name", "Item name"), Column("revision", "Rev."),
             Column("status", "Status"), Column("effective_from", "From"),
             Column("effective_to", "To"), Column("base_qty", "Base qty", numeric=True)],
    details=[Column("number", "Number"),
             Column("item.code", "Item", href=lambda b: item_url(b.item.code)),
             Column("item.name", "Item name"), Column("revision", "Revision"),
             Column("status", "Status"), Column("effective_from", "Effective from"),
             Column("effective_to", "Effective to"), Column("base_qty", "Base quantity"),
             Column("item.uom.code", "Unit"), Column("version", "Version"),
             Column("updated_at", "Last changed")],
    filters=[ListFilter("status", "Status", enum_choices(boms.BomStatus))],
    fields=[
        Field("item", "Item", kind="select", required=True, choices=parent_choices,
              on_edit=False, help="A manufactured or phantom item."),
        Field("revision", "Revision", required=True, default="A"),
        Field("status", "Status", kind="select", choices=enum_choices(boms.BomStatus),
              default="active", required=True),
        Field("base_qty", "Base quantity", kind="decimal", default="1", required=True,
              help="The lines make this many of the item."),
        Field("effective_from", "Effective from", kind="date", nullable=True),
        Field("effective_to", "Effective to", kind="date", nullable=True),
    ],
    create_in=boms.BomIn, create_fn=boms.create_bom,
    patch_in=BomEdit, update_fn=update_bom_document, delete_fn=boms.delete_bom,
    read_form=read_bom_form, form_context=bom_form_context, edit_values=bom_edit_values,
    history_of=lambda uow, record: boms.bom_history(uow, record.number),
    extra_routes=bom_routes,
    panels=[Panel("Lines", "erp/boms/_lines_panel.html", load_lines),
            Panel("Multi-level explosion", "erp/boms/_explode_panel.html",
                  load_explosion_form)],
    row_fields=["lines"],
))

ITEMS.panels = [*ITEMS.panels,
                Panel("Bills of materials", "erp/items/_boms_panel.html", load_item_boms),
                Panel("Where used", "erp/items/_where_used_panel.html", load_where_used)]
