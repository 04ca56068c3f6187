"""Rows of demands.csv and supply.csv: the cells of an open order line, checked one by one.

Both files have the same shape (item_code, qty, due_date, kind, ref and an optional partner
and unit price); every problem of every row of a record is reported at once, named
``rows[n].<column>`` so the loader points at the file line and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from gemba.core.dataload.registry import Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import ErrorCollector
from gemba.erp.catalog.item import Item

REF_MAX = 60
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,39}$")  # as gemba.core.commands.Code
IMPORTED_PARTNER = "IMPORTED"  # used when a file names no customer or supplier


def partner_name(code: str) -> str:
    """The name a partner created by an import gets: its code, or a telling default."""
    return "Imported (no partner given)" if code == IMPORTED_PARTNER else code


@dataclass(frozen=True)
class OrderRow:
    line: int
    item: str
    qty: Decimal
    due: date
    kind: str
    ref: str
    partner: str | None
    unit_price: Decimal | None


def group_key(row: Row, kinds: Sequence[str], by_ref: Sequence[str]) -> str:
    """Rows of one order (same kind and ref) load together; anything else row by row."""
    kind, ref = row.get("kind"), row.get("ref")
    if kind in by_ref and ref:
        return f"{kind}\x1f{ref}"
    return f"line {row.line}"


def _number(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_rows(uow: UnitOfWork, rows: Sequence[Row], kinds: Sequence[str],
               partner_column: str) -> list[OrderRow]:
    """Check every cell of every row (items exist, quantities > 0, ISO dates, known kind,
    a ref); raise one ValidationFailed naming each bad cell."""
    errors = ErrorCollector()
    codes = {c for r in rows if (c := r.get("item_code"))}
    items = set(uow.session.scalars(select(Item.code).where(Item.code.in_(codes)))) \
        if codes else set()
    out: list[OrderRow] = []
    for n, row in enumerate(rows):
        where = f"rows[{n}]."
        before = len(errors.issues)
        item = row.get("item_code")
        if not item:
            errors.add(f"{where}item_code", "required", "is required")
        elif item not in items:
            errors.add(f"{where}item_code", "exists", f"item {item!r} does not exist")
        raw_qty = row.get("qty")
        qty = _number(raw_qty)
        if raw_qty is None:
            errors.add(f"{where}qty", "required", "is required")
        elif qty is None:
            errors.add(f"{where}qty", "decimal", f"{raw_qty!r} is not a number")
        elif qty <= 0:
            errors.add(f"{where}qty", "gt_zero", f"must be greater than zero, not {raw_qty}")
        raw_due = row.get("due_date")
        due: date | None = None
        if raw_due is None:
            errors.add(f"{where}due_date", "required", "is required")
        else:
            try:
                due = date.fromisoformat(raw_due)
            except ValueError:
                errors.add(f"{where}due_date", "date",
                           f"{raw_due!r} is not a date (YYYY-MM-DD)")
        kind = row.get("kind")
        if kind not in kinds:
            errors.add(f"{where}kind", "one_of",
                       f"{kind or 'empty'!s} is not one of {', '.join(kinds)}")
        ref = row.get("ref")
        if not ref:
            errors.add(f"{where}ref", "required", "is required")
        elif len(ref) > REF_MAX:
            errors.add(f"{where}ref", "max_length", f"at most {REF_MAX} characters")
        partner = row.get(partner_column)
        if partner is not None and not CODE.match(partner):
            errors.add(f"{where}{partner_column}", "code",
                       f"{partner!r} is not a code (letters, digits and ._-/, at most 40)")
        raw_price = row.get("unit_price")
        price = _number(raw_price)
        if raw_price is not None and (price is None or price < 0):
            errors.add(f"{where}unit_price", "ge_zero",
                       f"{raw_price!r} is not a number of at least zero")
        if len(errors.issues) == before:
            assert item and qty is not None and due is not None and kind and ref
            out.append(OrderRow(row.line, item, qty, due, kind, ref, partner, price))
    errors.raise_if_any()
    return out


def same_partner(rows: Sequence[OrderRow], column: str) -> str:
    """The partner of a multi-row order: every row names the same one (or none)."""
    errors = ErrorCollector()
    first = rows[0].partner
    for n, row in enumerate(rows[1:], start=1):
        if row.partner != first:
            errors.add(f"rows[{n}].{column}", "same_in_order",
                       f"order {row.ref} is for {first or IMPORTED_PARTNER} on line "
                       f"{rows[0].line}; one order has one {column}")
    errors.raise_if_any()
    return first or IMPORTED_PARTNER


def lines_match(rows: Sequence[OrderRow], open_lines: Sequence[tuple[str, Decimal, date]]
                ) -> bool:
    """Do the rows describe exactly these open lines (item, open qty, due date)?"""
    return sorted((r.item, r.qty, r.due) for r in rows) == sorted(open_lines)
