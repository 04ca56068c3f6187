"""Routing pages: operations on work centers edited as one document (an HTMX "add operation"
row), alternatives, work-instruction files, and the time an order quantity takes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response
from starlette.datastructures import FormData, UploadFile

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Patch
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ValidationFailed
from gemba.core.listing import PageRequest
from gemba.erp.catalog import bom as boms
from gemba.erp.catalog import item as items
from gemba.erp.catalog import routing as routings
from gemba.erp.equipment import equipment as eq
from gemba.web.concept import Action, Column, Concept, Panel, register_concept
from gemba.web.context import Ctx
from gemba.web.forms import Choice, Field, FormState, read_fields, read_rows
from gemba.web.pages.catalog import ITEMS

P = Permission
OP_FIELDS = ("seq", "name", "work_center", "setup_min", "run_min_per_unit", "alternatives",
             "instructions")
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
                "text/plain"}


def routed_item_choices(uow: UnitOfWork) -> Sequence[Choice]:
    page = items.list_items(uow, PageRequest(limit=500, filters=(("type", "manufactured"),)))
    return [(i.code, f"{i.code} — {i.name}") for i in page.items]


def work_center_options(uow: UnitOfWork) -> list[tuple[str, str]]:
    page = eq.list_equipment(uow, PageRequest(limit=500, filters=(("level", "work_center"),)))
    return [(w.code, w.name) for w in page.items if w.active]


def parse_alternatives(text: str) -> list[dict[str, str]]:
    """``WC2, WC3=1.5``: other work centers, each optionally with its own run minutes."""
    out = []
    for part in text.replace(";", ",").split(","):
        code, _, rate = part.partition("=")
        if code.strip():
            alt = {"work_center": code.strip()}
            if rate.strip():
                alt["run_min_per_unit"] = rate.strip()
            out.append(alt)
    return out


def format_alternatives(op: routings.RoutingOperation) -> str:
    return ", ".join(a.work_center.code + (f"={_plain(a.run_min_per_unit)}"
                                           if a.run_min_per_unit is not None else "")
                     for a in op.alternatives)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def read_routing_form(c: Concept, form: FormData,
                      mode: str) -> tuple[dict[str, Any], FormState]:
    data, state = read_fields(c.fields, form, mode)
    ops = read_rows(form, state, "operations", OP_FIELDS)
    for op in ops:
        if "alternatives" in op:
            op["alternatives"] = parse_alternatives(op["alternatives"])  # type: ignore[assignment]
    data["operations"] = ops
    return data, state


def routing_edit_values(record: routings.Routing, state: FormState) -> None:
    for n, op in enumerate(record.operations):
        p = f"operations[{n}]."
        state.values.update({p + "seq": str(op.seq), p + "name": op.name,
                             p + "work_center": op.work_center.code,
                             p + "setup_min": _plain(op.setup_min),
                             p + "run_min_per_unit": _plain(op.run_min_per_unit),
                             p + "alternatives": format_alternatives(op),
                             p + "instructions": op.instructions})
    state.rows = len(record.operations) + 1


class RoutingEdit(Patch):
    """The edit form's content: header changes and the complete list of operations."""

    revision: boms.Revision | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    operations: list[routings.OperationIn] = []


def _op_key(seq: int, name: str, wc: str, setup: Decimal, run: Decimal, text: str,
            alts: Sequence[tuple[str, Decimal | None]]) -> tuple[Any, ...]:
    return (seq, name, wc, setup, run, text, tuple(sorted(alts)))


def update_routing_document(uow: UnitOfWork, number: str,
                            data: RoutingEdit) -> routings.Routing:
    """Header through ``update_routing``, operations through ``replace_operations`` when they
    differ, in one transaction."""
    header = data.model_dump(exclude_unset=True, exclude={"operations"})
    routing = routings.update_routing(uow, number, routings.RoutingPatch.model_validate(header))
    wanted = [_op_key(o.seq, o.name, o.work_center, o.setup_min, o.run_min_per_unit,
                      o.instructions, [(a.work_center, a.run_min_per_unit)
                                       for a in o.alternatives]) for o in data.operations]
    current = [_op_key(o.seq, o.name, o.work_center.code, o.setup_min, o.run_min_per_unit,
                       o.instructions, [(a.work_center.code, a.run_min_per_unit)
                                        for a in o.alternatives]) for o in routing.operations]
    if wanted != current:
        routing = routings.replace_operations(uow, number, routings.OperationsIn(
            version=routing.version, operations=data.operations))
    return routing


def routing_form_context(uow: UnitOfWork, mode: str) -> dict[str, Any]:
    return {"work_centers": work_center_options(uow)}


def load_operations(uow: UnitOfWork, record: routings.Routing) -> dict[str, Any]:
    return {"operations": record.operations}


def load_time_form(uow: UnitOfWork, record: routings.Routing) -> dict[str, Any]:
    return {}


def load_item_routings(uow: UnitOfWork, record: items.Item) -> dict[str, Any]:
    page = routings.list_routings(uow, PageRequest(limit=100, filters=(("item", record.code),)))
    return {"routings": page.items}


def add_attachment(uow: UnitOfWork, number: str, data: dict[str, Any]) -> None:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed.on("file", "required", "Choose a file.")
    raw_seq = str(data.get("seq", ""))
    if not raw_seq.isdigit():
        raise ValidationFailed.on("seq", "integer", "give the operation number")
    content = upload.file.read(routings.MAX_ATTACHMENT_BYTES + 1)
    routings.add_attachment(uow, number, int(raw_seq), upload.filename or "",
                            upload.content_type, content)


def remove_attachment(uow: UnitOfWork, number: str, data: dict[str, Any]) -> None:
    seq, attachment = str(data.get("seq", "")), str(data.get("attachment", ""))
    if not (seq.isdigit() and attachment.isdigit()):
        raise ValidationFailed.on("attachment", "integer", "unknown attachment")
    routings.remove_attachment(uow, number, int(seq), int(attachment))


def routing_routes(router: APIRouter, c: Concept) -> None:
    @router.get(c.base_url + "/_operation")
    def operation_row(ctx: Ctx, n: int = 0) -> Response:
        """One empty operation row for the form (HTMX "add operation")."""
        ctx.actor.require(c.write_permission)
        return ctx.render("erp/routings/_operation.html", n=n, state=FormState())

    @router.get(c.base_url + "/{key:path}/time")
    def time(ctx: Ctx, key: str, qty: str = "1") -> Response:
        with ctx.uow() as uow:
            routing = c.get_fn(uow, key)
            try:
                amount = Decimal(qty)
                if not amount.is_finite():
                    raise InvalidOperation
                result, problem = routings.routing_time(routing, amount), None
            except InvalidOperation:
                result, problem = None, "qty: must be a number"
            except ValidationFailed as exc:
                result, problem = None, exc.message
            return ctx.render("erp/routings/_time.html", result=result, problem=problem)

    @router.get(c.base_url + "/{key:path}/operations/{seq}/attachments/{attachment_id}")
    def download(ctx: Ctx, key: str, seq: int, attachment_id: int) -> Response:
        with ctx.uow() as uow:
            att = routings.get_attachment(uow, key, seq, attachment_id)
            inline = att.content_type in INLINE_TYPES
            disposition = "inline" if inline else "attachment"
            return Response(att.content, media_type=att.content_type if inline
                            else "application/octet-stream", headers={
                                "Content-Disposition":
                                    f"{disposition}; filename*=UTF-8''{quote(att.filename)}",
                                "X-Content-Type-Options": "nosniff",
                                "Content-Security-Policy": "sandbox"})


ROUTINGS = register_concept(Concept(
    area="erp", slug="routings", title="Routings", singular="Routing",
    record_type="erp_routings", read_permission=P.MASTERDATA_READ,
    write_permission=P.CATALOG_WRITE, list_fn=routings.list_routings,
    get_fn=routings.get_routing, key_attr="number", nav_order=40,
    description="How an item is made: ordered operations on work centers.",
    search_hint="number, item code or name",
    columns=[Column("number", "Number", link=True),
             Column("item.code", "Item", href=lambda r: ITEMS.url_for(r.item.code)),
             Column("item.name", "Item name"), Column("revision", "Rev."),
             Column("effective_from", "From"), Column("effective_to", "To")],
    details=[Column("number", "Number"),
             Column("item.code", "Item", href=lambda r: ITEMS.url_for(r.item.code)),
             Column("item.name", "Item name"), Column("revision", "Revision"),
             Column("effective_from", "Effective from"), Column("effective_to", "Effective to"),
             Column("version", "Version"), Column("updated_at", "Last changed")],
    fields=[
        Field("item", "Item", kind="select", required=True, choices=routed_item_choices,
              on_edit=False, help="A manufactured item."),
        Field("revision", "Revision", required=True, default="A"),
        Field("effective_from", "Effective from", kind="date", nullable=True),
        Field("effective_to", "Effective to", kind="date", nullable=True),
    ],
    create_in=routings.RoutingIn, create_fn=routings.create_routing,
    patch_in=RoutingEdit, update_fn=update_routing_document,
    delete_fn=routings.delete_routing,
    read_form=read_routing_form, form_context=routing_form_context,
    edit_values=routing_edit_values,
    history_of=lambda uow, record: routings.routing_history(uow, record.number),
    extra_routes=routing_routes,
    panels=[Panel("Operations", "erp/routings/_operations_panel.html", load_operations),
            Panel("Time for a quantity", "erp/routings/_time_panel.html", load_time_form)],
    actions=[
        Action("add-attachment", "Attach a work instruction", panel="Operations",
               button="Upload", done="Attachment added.", multipart=True,
               fields=[Field("seq", "Operation", kind="number", required=True),
                       Field("file", "File", kind="file", required=True,
                             help="Drawing, PDF or photo; at most 10 MB.")],
               run=add_attachment),
        Action("remove-attachment", "Remove an attachment", done="Attachment removed.",
               fields=[Field("seq", "Operation", kind="hidden", required=True),
                       Field("attachment", "Attachment", kind="hidden", required=True)],
               run=remove_attachment),
    ],
    row_fields=["operations"],
))

ITEMS.panels = [*ITEMS.panels,
                Panel("Routings", "erp/items/_routings_panel.html", load_item_routings)]
