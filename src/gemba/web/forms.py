"""Declarative form fields: read a posted form into a command's input, and map every error
(pydantic or domain) back onto the field it concerns so the form can be shown again."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError
from gemba.web.templating import humanize

Choice = tuple[str, str]
Choices = Sequence[Choice] | Callable[[UnitOfWork], Sequence[Choice]]
REQUIRED = "This field is required."


@dataclass(frozen=True)
class Field:
    """One input. ``kind``: text, textarea, select, number, decimal, date, time, checkbox,
    file, hidden."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    nullable: bool = False  # an emptied input on edit stores "no value"
    choices: Choices | None = None
    on_create: bool = True
    on_edit: bool = True
    attr: str | None = None  # record attribute pre-filled on edit (default: name)
    help: str = ""
    step: str = "any"
    default: str = ""  # pre-filled on the create form

    @property
    def source(self) -> str:
        return self.attr or self.name


def enum_choices(enum: type[Enum]) -> list[Choice]:
    return [(str(m.value), str(m.value).replace("_", " ")) for m in enum]  # type: ignore[attr-defined]


def resolve_choices(fields: Sequence[Field], uow: UnitOfWork) -> dict[str, Sequence[Choice]]:
    """Choices of the select fields; callables are evaluated now (they read the database)."""
    out: dict[str, Sequence[Choice]] = {}
    for f in fields:
        if f.choices is not None:
            out[f.name] = f.choices(uow) if callable(f.choices) else f.choices
    return out


@dataclass
class FormState:
    """What the template needs to (re-)draw a form: raw values and messages per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # not tied to one field
    rows: int = 0  # line rows of a document form (BOM lines, routing operations)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.messages

    def add(self, name: str, message: str, known: set[str] | None = None) -> None:
        """Next to its field when the form has it (``lines[0].qty_per`` belongs to ``lines``),
        else at the top of the form."""
        if name and (known is None or name in known or re.split(r"[.\[]", name)[0] in known):
            self.errors.setdefault(name, message)
        else:
            self.messages.append(f"{humanize(name)}: {message}" if name else message)


def read_fields(fields: Sequence[Field], form: FormData, mode: str) -> tuple[dict[str, Any],
                                                                           FormState]:
    """Form strings -> command input. Empty inputs: left out on create (the default applies),
    None on edit when the field is nullable, else "required"."""
    state = FormState()
    data: dict[str, Any] = {}
    for f in fields:
        if not (f.on_create if mode == "create" else f.on_edit):
            continue
        if f.kind == "checkbox":
            data[f.name] = f.name in form
            state.values[f.name] = "on" if data[f.name] else ""
            continue
        raw = form.get(f.name)
        if f.kind == "file":
            if isinstance(raw, UploadFile) and raw.filename:
                data[f.name] = raw
            elif f.required:
                state.errors[f.name] = "Choose a file."
            continue
        text = raw.strip() if isinstance(raw, str) else ""
        state.values[f.name] = text
        if text:
            data[f.name] = text
        elif f.required or (mode == "edit" and not f.nullable):
            state.errors[f.name] = REQUIRED
        elif mode == "edit":
            data[f.name] = None
    return data, state


def field_name(loc: Sequence[Any]) -> str:
    """Pydantic's ``("lines", 0, "qty_per")`` -> ``lines[0].qty_per``, the services' style."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def issues_of(exc: Exception) -> list[tuple[str, str]]:
    """(field, message) pairs of a pydantic or domain error; field "" is the whole form."""
    if isinstance(exc, ValidationError):
        return [(field_name(e["loc"]), clean_message(e["msg"])) for e in exc.errors()]
    if isinstance(exc, GembaError):
        if exc.issues:
            return [(i.field, i.message) for i in exc.issues]
        return [("", exc.message)]
    return [("", str(exc))]


def status_of(exc: Exception) -> int:
    if isinstance(exc, ValidationError):
        return 422
    if isinstance(exc, GembaError):
        return exc.status
    return 400


def add_issues(state: FormState, exc: Exception, known: set[str]) -> None:
    for name, message in issues_of(exc):
        state.add(name, message, known)


def read_rows(form: FormData, state: FormState, prefix: str,
              names: Sequence[str]) -> list[dict[str, str]]:
    """Line rows posted as ``<prefix>[<n>].<name>``: blank rows dropped, the rest renumbered
    from 0 so that ``<prefix>[n]`` in an error is the n-th row drawn again."""
    pattern = re.compile(rf"^{re.escape(prefix)}\[(\d+)\]\.({'|'.join(map(re.escape, names))})$")
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        match = pattern.match(key)
        if match and isinstance(value, str):
            rows.setdefault(int(match[1]), {})[match[2]] = value.strip()
    out = []
    for n, row in enumerate(r for _, r in sorted(rows.items()) if any(r.values())):
        for name, value in row.items():
            state.values[f"{prefix}[{n}].{name}"] = value
        out.append({k: v for k, v in row.items() if v})
    state.rows = max(len(out), 1)
    return out
