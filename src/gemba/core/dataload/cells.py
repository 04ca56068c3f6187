"""Formatting of values for CSV dumps: dot decimals without noise, ISO dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def non_empty(row_cells: dict[str, str]) -> dict[str, str]:
    """Cells with a value: an empty cell means 'use the default'."""
    return {k: v for k, v in row_cells.items() if v != ""}
