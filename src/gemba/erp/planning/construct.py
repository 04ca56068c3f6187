"""Fast constructors for the frozen value objects MRP creates by the hundred thousand.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``;
filling the instance dict directly gives an equal object (same fields, equality and hash) in
about half the time. Only the planner's hot loops use these; tests compare them with the
ordinary constructors.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gemba.erp.planning.model import BucketRow, Peg, PlannedOrder

_new = object.__new__


def peg(demand_ref: str, qty: Decimal) -> Peg:
    obj = _new(Peg)
    d = obj.__dict__
    d["demand_ref"] = demand_ref
    d["qty"] = qty
    return obj


def bucket_row(day: date, gross: Decimal, receipts: Decimal, projected_on_hand: Decimal,
               net: Decimal, planned: Decimal) -> BucketRow:
    obj = _new(BucketRow)
    d = obj.__dict__
    d["date"] = day
    d["gross"] = gross
    d["receipts"] = receipts
    d["projected_on_hand"] = projected_on_hand
    d["net"] = net
    d["planned"] = planned
    return obj


def planned_order(item: str, kind: str, qty: Decimal, release_date: date, due_date: date,
                  expedite: bool, pegging: tuple[Peg, ...]) -> PlannedOrder:
    obj = _new(PlannedOrder)
    d = obj.__dict__
    d["item"] = item
    d["kind"] = kind
    d["qty"] = qty
    d["release_date"] = release_date
    d["due_date"] = due_date
    d["expedite"] = expedite
    d["pegging"] = pegging
    return obj
