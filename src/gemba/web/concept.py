"""Declarative pages (NetBox style): one ``Concept`` per kind of master record declares its
columns, filters, form fields and service functions; ``concept_router`` builds the list,
detail, create, edit, delete and history pages from it, all behaving the same way.

Per-concept templates override the generic ones by path: ``<area>/<slug>/<page>.html``
(e.g. ``erp/boms/form.html``) is used when it exists, else ``generic/<page>.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from gemba.core.audit.models import AuditEntry
from gemba.core.audit.recorder import history
from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gemba.core.listing import Page, PageRequest
from gemba.web.context import Ctx, Form, WebContext, WebRoute, flash, is_htmx
from gemba.web.forms import Choices, Field, FormState, add_issues, read_fields, resolve_choices
from gemba.web.nav import NavEntry, register
from gemba.web.templating import attr_path, form_value

PAGE_SIZE = 25
FORM_ERRORS = (ValidationError, ValidationFailed, Conflict)


@dataclass(frozen=True)
class Column:
    """A value shown in the list table or on the detail page (dotted attribute path)."""

    attr: str
    label: str
    link: bool = False  # links to the record's detail page
    numeric: bool = False  # right-aligned
    href: Callable[[Any], str | None] | None = None  # links elsewhere (the BOM's item)


@dataclass(frozen=True)
class ListFilter:
    name: str  # the list service's filter name
    label: str
    choices: Choices


@dataclass(frozen=True)
class Panel:
    """An extra section of the detail page (BOM lines, where-used, ...)."""

    title: str
    template: str
    load: Callable[[UnitOfWork, Any], dict[str, Any]]
    permission: Permission | None = None


@dataclass(frozen=True)
class Action:
    """A change to part of a record from a small form on its detail page: add a shift, grant
    a qualification, upload a work instruction. Forms without visible fields (remove buttons)
    are drawn by the panel templates themselves."""

    name: str  # URL segment: POST <record>/actions/<name>
    title: str
    run: Callable[[UnitOfWork, str, Any], Any]  # (uow, key, command or dict of fields)
    fields: Sequence[Field] = ()
    command: type[BaseModel] | None = None
    panel: str = ""  # title of the panel whose form it is ("" : drawn by a panel template)
    button: str = "Add"
    done: str = "Saved."
    multipart: bool = False

    @property
    def visible_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind != "hidden"]


ReadForm = Callable[["Concept", FormData, str], tuple[dict[str, Any], FormState]]


@dataclass
class Concept:
    area: str  # "erp" | "mes"
    slug: str  # URL segment, e.g. "items"
    title: str  # "Items"
    singular: str  # "Item"
    record_type: str  # audit record type (table name)
    read_permission: Permission
    write_permission: Permission
    list_fn: Callable[[UnitOfWork, PageRequest], Page[Any]]
    get_fn: Callable[[UnitOfWork, str], Any]
    columns: Sequence[Column]
    details: Sequence[Column] = ()  # rows of the detail page; default: the columns
    fields: Sequence[Field] = ()
    filters: Sequence[ListFilter] = ()
    create_in: type[BaseModel] | None = None
    create_fn: Callable[[UnitOfWork, Any], Any] | None = None
    patch_in: type[BaseModel] | None = None
    update_fn: Callable[[UnitOfWork, str, Any], Any] | None = None
    delete_fn: Callable[[UnitOfWork, str, int | None], None] | None = None
    key_attr: str = "code"
    panels: Sequence[Panel] = ()
    read_form: ReadForm | None = None  # custom form reading (documents with lines)
    form_context: Callable[[UnitOfWork, str], dict[str, Any]] | None = None
    edit_values: Callable[[Any, FormState], None] | None = None  # beyond ``fields`` (lines)
    history_of: Callable[[UnitOfWork, Any], list[AuditEntry]] | None = None
    extra_routes: Callable[[APIRouter, Concept], None] | None = None
    actions: Sequence[Action] = ()
    nav_url: str | None = None  # where the navigation entry points (default: the list)
    nav_order: int = 100
    description: str = ""
    links: Sequence[tuple[str, str]] = ()  # extra (label, url) buttons on the list page
    search_hint: str = "code or name"
    row_fields: Sequence[str] = ()  # line rows posted as ``<name>[n].<field>`` ("lines")

    @property
    def noun(self) -> str:
        """The singular inside a sentence: "New item", but "New BOM"."""
        return self.singular if self.singular.isupper() else self.singular.lower()

    @property
    def base_url(self) -> str:
        return f"/{self.area}/{self.slug}"

    def key_of(self, record: Any) -> str:
        return str(attr_path(record, self.key_attr))

    def url_for(self, key: str, suffix: str = "") -> str:
        return f"{self.base_url}/{quote(key, safe='/')}{suffix}"

    def url(self, record: Any, suffix: str = "") -> str:
        return self.url_for(self.key_of(record), suffix)

    def action(self, name: str) -> Action:
        for action in self.actions:
            if action.name == name:
                return action
        raise NotFound(f"{self.noun} pages have no action {name!r}")

    def templates(self, page: str) -> list[str]:
        return [f"{self.area}/{self.slug}/{page}.html", f"generic/{page}.html"]

    def form_fields(self, mode: str) -> list[Field]:
        return [f for f in self.fields if (f.on_create if mode == "create" else f.on_edit)]

    @property
    def detail_columns(self) -> Sequence[Column]:
        return self.details or self.columns

    @property
    def can_create(self) -> bool:
        return self.create_fn is not None and self.create_in is not None

    @property
    def can_edit(self) -> bool:
        return self.update_fn is not None and self.patch_in is not None


CONCEPTS: dict[str, Concept] = {}


def register_concept(concept: Concept) -> Concept:
    CONCEPTS[concept.base_url] = concept
    register(NavEntry(concept.area, concept.title, concept.nav_url or concept.base_url,
                      concept.read_permission, concept.nav_order, prefix=concept.base_url))
    return concept


# --- list --------------------------------------------------------------------------------------

def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def list_page(c: Concept, ctx: WebContext) -> Response:
    params = ctx.request.query_params
    q = (params.get("q") or "").strip()
    number = _page_number(params.get("page"))
    active = {f.name: params.get(f.name, "") for f in c.filters}
    filters = tuple((k, v) for k, v in active.items() if v)
    with ctx.uow() as uow:
        page = c.list_fn(uow, PageRequest(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                          q=q or None, filters=filters))
        choices = {f.name: (f.choices(uow) if callable(f.choices) else f.choices)
                   for f in c.filters}
        pages = max(1, -(-page.total // PAGE_SIZE))
        keep = {k: v for k, v in {"q": q, **active}.items() if v}

        def page_url(n: int) -> str:
            return c.base_url + "?" + urlencode({**keep, "page": n})

        partial = is_htmx(ctx.request) and ctx.request.headers.get("HX-Target") == "results"
        return ctx.render(["generic/_results.html"] if partial else c.templates("list"),
                          concept=c, page=page, q=q, active=active, choices=choices,
                          number=number, pages=pages, page_url=page_url,
                          can_write=ctx.can(c.write_permission))


# --- detail and history -----------------------------------------------------------------------

def detail_page(c: Concept, ctx: WebContext, key: str) -> Response:
    with ctx.uow() as uow:
        return render_detail(c, ctx, uow, key)


def render_detail(c: Concept, ctx: WebContext, uow: UnitOfWork, key: str,
                  states: dict[str, FormState] | None = None, status: int = 200) -> Response:
    """The detail page; ``states`` re-draws an action's form with its errors."""
    record = c.get_fn(uow, key)
    panels = [(p, p.load(uow, record)) for p in c.panels
              if p.permission is None or ctx.can(p.permission)]
    can_write = ctx.can(c.write_permission)
    states = {a.name: FormState(values={f.name: f.default for f in a.fields})
              for a in c.actions} | (states or {})
    action_choices = {a.name: resolve_choices(a.fields, uow) for a in c.actions
                      if can_write and a.panel}
    return ctx.render(c.templates("detail"), status, concept=c, record=record, panels=panels,
                      can_write=can_write, can_audit=ctx.can(Permission.AUDIT_READ),
                      states=states, action_choices=action_choices)


def run_action(c: Concept, ctx: WebContext, key: str, name: str, form: FormData) -> Response:
    action = c.action(name)
    ctx.actor.require(c.write_permission)
    data, state = read_fields(action.fields, form, "create")
    status = 422
    with ctx.uow() as uow:
        if state.ok:
            try:
                payload = action.command.model_validate(data) if action.command else data
                action.run(uow, key, payload)
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                add_issues(state, exc, {f.name for f in action.visible_fields})
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                return ctx.redirect(c.url_for(key), action.done)
        return render_detail(c, ctx, uow, key, {name: state}, status)


def history_page(c: Concept, ctx: WebContext, key: str) -> Response:
    ctx.actor.require(Permission.AUDIT_READ)
    with ctx.uow() as uow:
        record = c.get_fn(uow, key)
        entries = (c.history_of(uow, record) if c.history_of
                   else history(uow.session, c.record_type, str(record.id)))
        template = "generic/_history.html" if is_htmx(ctx.request) else c.templates("history")
        return ctx.render(template, concept=c, record=record, entries=entries)


# --- create and edit --------------------------------------------------------------------------

def _read(c: Concept, form: FormData, mode: str) -> tuple[dict[str, Any], FormState]:
    if c.read_form is not None:
        return c.read_form(c, form, mode)
    return read_fields(c.fields, form, mode)


def form_page(c: Concept, ctx: WebContext, uow: UnitOfWork, mode: str, state: FormState,
              status: int = 200, record: Any = None, version: Any = None) -> Response:
    fields = c.form_fields(mode)
    extra = c.form_context(uow, mode) if c.form_context else {}
    action = c.base_url + "/new" if mode == "create" else c.url(record, "/edit")
    return ctx.render(c.templates("form"), status, concept=c, mode=mode, fields=fields,
                      choices=resolve_choices(fields, uow), state=state, record=record,
                      version=version, action=action, **extra)


def new_form(c: Concept, ctx: WebContext) -> Response:
    ctx.actor.require(c.write_permission)
    given = ctx.request.query_params  # "/erp/boms/new?item=FRAME" pre-selects the item
    state = FormState(values={f.name: given.get(f.name, f.default) for f in c.fields})
    with ctx.uow() as uow:
        return form_page(c, ctx, uow, "create", state)


def _known(c: Concept, mode: str) -> set[str]:
    return {f.name for f in c.form_fields(mode)} | set(c.row_fields)


def create(c: Concept, ctx: WebContext, form: FormData) -> Response:
    ctx.actor.require(c.write_permission)
    assert c.create_in is not None and c.create_fn is not None
    data, state = _read(c, form, "create")
    status = 422
    with ctx.uow() as uow:
        if state.ok:
            try:
                record = c.create_fn(uow, c.create_in.model_validate(data))
                key = c.key_of(record)
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                add_issues(state, exc, _known(c, "create"))
                status = 409 if isinstance(exc, Conflict) else 422
            else:
                return ctx.redirect(c.url_for(key), f"{c.singular} {key} created.")
        return form_page(c, ctx, uow, "create", state, status)


def edit_form(c: Concept, ctx: WebContext, key: str) -> Response:
    ctx.actor.require(c.write_permission)
    with ctx.uow() as uow:
        record = c.get_fn(uow, key)
        state = FormState(values={f.name: form_value(attr_path(record, f.source))
                                  for f in c.form_fields("edit")})
        if c.edit_values is not None:
            c.edit_values(record, state)
        return form_page(c, ctx, uow, "edit", state, record=record, version=record.version)


def _changed_only(c: Concept, record: Any, patch: BaseModel) -> BaseModel:
    """Send only what the user changed: untouched fields must not show up in the audit trail
    (``0.12`` re-posted as ``0.120000`` is no change)."""
    sources = {f.name: f.source for f in c.fields}
    dumped = patch.model_dump(exclude_unset=True)
    changed = {k: v for k, v in dumped.items()
               if k == "version" or attr_path(record, sources.get(k, k)) != v}
    assert c.patch_in is not None
    return c.patch_in.model_validate(changed)


def update(c: Concept, ctx: WebContext, key: str, form: FormData) -> Response:
    ctx.actor.require(c.write_permission)
    assert c.patch_in is not None and c.update_fn is not None
    data, state = _read(c, form, "edit")
    version = form.get("version")
    reason = form.get("reason")
    reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
    state.values["reason"] = reason or ""
    status = 422
    with ctx.uow(reason=reason) as uow:
        record = c.get_fn(uow, key)
        if state.ok:
            try:
                patch = _changed_only(c, record, c.patch_in.model_validate(
                    {**data, "version": version}))
                record = c.update_fn(uow, key, patch)
                new_key = c.key_of(record)
                uow.commit()
            except FORM_ERRORS as exc:
                uow.rollback()
                add_issues(state, exc, _known(c, "edit"))
                status = 409 if isinstance(exc, Conflict) else 422
                record = c.get_fn(uow, key)
            else:
                return ctx.redirect(c.url_for(new_key), f"{c.singular} {new_key} saved.")
        return form_page(c, ctx, uow, "edit", state, status, record=record, version=version)


def delete(c: Concept, ctx: WebContext, key: str, form: FormData) -> Response:
    ctx.actor.require(c.write_permission)
    assert c.delete_fn is not None
    raw = form.get("version")
    version = int(raw) if isinstance(raw, str) and raw.isdigit() else None
    with ctx.uow() as uow:
        try:
            c.delete_fn(uow, key, version)
            uow.commit()
        except (Conflict, ValidationFailed) as exc:
            flash(ctx.request, f"Not deleted: {exc.message}", "error")
            return ctx.redirect(c.url_for(key))
    return ctx.redirect(c.base_url, f"{c.singular} {key} deleted.")


# --- the router ---------------------------------------------------------------------------------

def concept_router(c: Concept) -> APIRouter:
    """Routes in match order: fixed paths first, then ``{key:path}`` suffixes, then detail
    (codes may contain ``/``)."""
    router = APIRouter(route_class=WebRoute, include_in_schema=False)
    base = c.base_url

    @router.get(base)
    def list_(ctx: Ctx) -> Response:
        return list_page(c, ctx)

    if c.can_create:
        @router.get(base + "/new")
        def new(ctx: Ctx) -> Response:
            return new_form(c, ctx)

        @router.post(base + "/new")
        def create_(ctx: Ctx, form: Form) -> Response:
            return create(c, ctx, form)

    if c.extra_routes is not None:
        c.extra_routes(router, c)

    if c.can_edit:
        @router.get(base + "/{key:path}/edit")
        def edit(ctx: Ctx, key: str) -> Response:
            return edit_form(c, ctx, key)

        @router.post(base + "/{key:path}/edit")
        def update_(ctx: Ctx, key: str, form: Form) -> Response:
            return update(c, ctx, key, form)

    if c.delete_fn is not None:
        @router.post(base + "/{key:path}/delete")
        def delete_(ctx: Ctx, key: str, form: Form) -> Response:
            return delete(c, ctx, key, form)

    if c.actions:
        @router.post(base + "/{key:path}/actions/{name}")
        def action_(ctx: Ctx, key: str, name: str, form: Form) -> Response:
            return run_action(c, ctx, key, name, form)

    @router.get(base + "/{key:path}/history")
    def history_(ctx: Ctx, key: str) -> Response:
        return history_page(c, ctx, key)

    @router.get(base + "/{key:path}")
    def detail(ctx: Ctx, key: str) -> Response:
        return detail_page(c, ctx, key)

    return router


def count_visible(ctx: WebContext, uow: UnitOfWork) -> list[tuple[Concept, int]]:
    """Record counts for the dashboard, only of what this user may read."""
    out = []
    for c in sorted(CONCEPTS.values(), key=lambda c: c.nav_order):
        if ctx.can(c.read_permission):
            try:
                out.append((c, c.list_fn(uow, PageRequest(limit=1)).total))
            except PermissionDenied:
                continue
    return out
