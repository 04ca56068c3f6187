"""The Jinja2 environment of the web UI and the filters that format Decimals and times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gemba import __version__
from gemba.core.types import as_utc

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def display(value: Any) -> str:
    """One readable string for any attribute value: exact Decimals, enum values, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def form_value(value: Any) -> str:
    """The value an input field is pre-filled with (same as display, but booleans stay raw)."""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, Enum):
        return str(value.value)
    return display(value)


def humanize(name: str) -> str:
    """``lot_size_qty`` -> ``Lot size qty`` for audit field names."""
    return name.replace("_", " ").capitalize()


def attr_path(obj: Any, path: str) -> Any:
    """Follow a dotted attribute path (``uom.code``); None anywhere gives None."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


def money(value: object) -> str:
    """Amounts in reports: ``core.types.format_money`` (empty stays empty)."""
    from decimal import Decimal

    from gemba.core.types import format_money

    if value is None or value == "":
        return ""
    return format_money(value if isinstance(value, Decimal) else Decimal(str(value)))


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["display"] = display
    env.filters["money"] = money
    env.filters["form_value"] = form_value
    env.filters["humanize"] = humanize
    env.globals["attr_path"] = attr_path
    env.globals["gemba_version"] = __version__
    return env


templates = make_environment()
