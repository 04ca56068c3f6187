"""A plan as plain data: the JSON shape the CLI prints and the REST API returns.

Quantities are decimal strings without exponent or trailing zeros (``"2.5"``, ``"120"``),
dates ISO 8601; the order is the plan's (items by low-level code, then date).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gemba.erp.planning.model import BucketRow, ExceptionMessage, Plan, PlannedOrder


def qty_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def planned_order_dict(order: PlannedOrder) -> dict[str, Any]:
    return {"item": order.item, "kind": order.kind, "qty": qty_text(order.qty),
            "release_date": order.release_date.isoformat(),
            "due_date": order.due_date.isoformat(),
            "pegging": [{"demand_ref": p.demand_ref, "qty": qty_text(p.qty)}
                        for p in order.pegging]}


def exception_dict(exc: ExceptionMessage) -> dict[str, Any]:
    return {"item": exc.item, "kind": exc.kind, "ref": exc.ref, "date": exc.date.isoformat(),
            "message": exc.message}


def bucket_dict(row: BucketRow) -> dict[str, Any]:
    return {"date": row.date.isoformat(), "gross": qty_text(row.gross),
            "receipts": qty_text(row.receipts),
            "projected_on_hand": qty_text(row.projected_on_hand), "net": qty_text(row.net),
            "planned": qty_text(row.planned)}


def plan_dict(plan: Plan) -> dict[str, Any]:
    """Exactly ``{"planned_orders": [...], "exceptions": [...]}``."""
    return {"planned_orders": [planned_order_dict(o) for o in plan.planned_orders],
            "exceptions": [exception_dict(e) for e in plan.exceptions]}
