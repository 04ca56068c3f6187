"""Reading BOMs as a product structure: cycle detection, effective BOM, multi-level explosion
(with scrap and phantoms) and where-used. MRP builds on ``explode``.

Gross quantity of a component line, exact in rational numbers and rounded once at the end::

    gross = parent_qty * qty_per / base_qty / (1 - scrap_pct / 100)

``scrap_pct`` is the share of the issued component that is lost (yield loss): with 20 % scrap,
1 kg needed in the product means 1.25 kg issued. Quantities carry at most 6 decimals (the Qty
column scale); a result that does not fit, e.g. 1 / 0.97, is rounded half-up to 6 decimals.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import NotFound, ValidationFailed
from gemba.core.types import QTY_PLACES
from gemba.erp.catalog.bom import Bom, BomLine, BomStatus
from gemba.erp.catalog.item import Item, ItemType, get_item

MAX_DEPTH = 50  # far deeper than any real product; stops runaway recursion on bad data


@dataclass(frozen=True)
class Requirement:
    """One component line of an explosion (phantoms are blown through, never listed)."""

    level: int                 # 1 = direct component of the exploded item
    path: tuple[str, ...]      # item codes from the exploded item down to this component
    parent_code: str           # the BOM that lists it (a phantom's code when blown through)
    bom_number: str
    seq: int
    component_code: str
    component_name: str
    item_type: ItemType
    uom_code: str
    qty_per: Decimal
    scrap_pct: Decimal
    gross_qty: Decimal         # in the component's base unit, scrap included


@dataclass(frozen=True)
class ComponentTotal:
    component_code: str
    component_name: str
    item_type: ItemType
    uom_code: str
    low_level: int             # deepest level it appears at (MRP's low-level code)
    gross_qty: Decimal


@dataclass(frozen=True)
class Explosion:
    item_code: str
    qty: Decimal
    on: date
    bom_number: str
    lines: list[Requirement]       # indented BOM order
    totals: list[ComponentTotal]   # summarised: one row per component, by level then code


@dataclass(frozen=True)
class Usage:
    """One place an item is used: a line of a parent's BOM."""

    level: int                 # 1 = direct parent
    path: tuple[str, ...]      # item codes from the asked item up to this parent
    parent_code: str
    parent_name: str
    parent_type: ItemType
    bom_number: str
    revision: str
    status: BomStatus
    seq: int
    qty_per: Decimal
    scrap_pct: Decimal


def to_qty(value: Fraction) -> Decimal:
    """Exact when it has at most 6 decimals, else rounded half-up to 6; no trailing zeros."""
    scaled, rest = divmod(value.numerator * 10**QTY_PLACES, value.denominator)
    if 2 * rest >= value.denominator:
        scaled += 1
    result = Decimal(scaled).scaleb(-QTY_PLACES)
    return result.quantize(Decimal(1)) if result == result.to_integral_value() \
        else result.normalize()


def line_qty(parent_qty: Fraction, line: BomLine, base_qty: Decimal) -> Fraction:
    """The documented formula: parent_qty * qty_per / base_qty / (1 - scrap_pct/100)."""
    return (parent_qty * Fraction(line.qty_per) / Fraction(base_qty)
            / (1 - Fraction(line.scrap_pct) / 100))


# --- cycle detection ------------------------------------------------------------------------

def check_no_cycle(session: Session, parent: Item, components: Sequence[Item],
                   fields: Sequence[str] | None = None) -> None:
    """Reject components that lead back to ``parent`` through draft/active BOMs of any
    revision; the message gives the shortest cycle, e.g. ``BOM cycle: A -> B -> C -> A``."""
    rows = session.execute(
        select(Bom.item_id, BomLine.component_id).join(BomLine, BomLine.bom_id == Bom.id)
        .where(Bom.status != BomStatus.OBSOLETE)).all()
    graph: dict[int, set[int]] = {}
    for parent_id, component_id in rows:
        graph.setdefault(parent_id, set()).add(component_id)
    explored: set[int] = set()  # nodes already proven not to reach the parent
    for n, comp in enumerate(components):
        path = _path_to(graph, comp.id, parent.id, explored)
        if path is None:
            continue
        codes = dict(session.execute(select(Item.id, Item.code).where(Item.id.in_(path))).all())
        chain = " -> ".join([parent.code] + [codes[i] for i in path])
        field = fields[n] if fields is not None else f"lines[{n}].component"
        raise ValidationFailed.on(field, "bom_cycle", f"BOM cycle: {chain}")


def _path_to(graph: dict[int, set[int]], start: int, target: int,
             explored: set[int]) -> list[int] | None:
    """Shortest path start..target (breadth first), or None; fills ``explored`` on failure."""
    if start == target:
        return [start]
    previous: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph.get(node, ())):
            if nxt in previous or nxt in explored:
                continue
            previous[nxt] = node
            if nxt == target:
                path: list[int] = []
                back: int | None = nxt
                while back is not None:
                    path.append(back)
                    back = previous[back]
                return path[::-1]
            queue.append(nxt)
    explored.update(previous)
    return None


# --- effectivity ----------------------------------------------------------------------------

def _effective(session: Session, item_id: int, on: date) -> Bom | None:
    """The active BOM effective ``on``; overlapping ones: the latest effective_from wins
    (an open start counts as the earliest), then the most recently created."""
    boms = session.scalars(select(Bom).where(Bom.item_id == item_id,
                                             Bom.status == BomStatus.ACTIVE)).all()
    candidates = [b for b in boms if b.is_effective(on)]
    if not candidates:
        return None
    return max(candidates, key=lambda b: (b.effective_from or date.min, b.id))


def effective_bom(uow: UnitOfWork, item_code: str, on: date) -> Bom:
    item = get_item(uow, item_code)
    bom = _effective(uow.session, item.id, on)
    if bom is None:
        raise NotFound(f"item {item_code!r} has no active BOM effective on {on.isoformat()}")
    return bom


# --- explosion ------------------------------------------------------------------------------

def explode(uow: UnitOfWork, item_code: str, qty: Decimal, on: date) -> Explosion:
    """Multi-level gross requirements to make ``qty`` of ``item_code`` with the BOMs
    effective ``on``. Manufactured components without an effective BOM are leaves."""
    uow.actor.require(Permission.MASTERDATA_READ)
    if qty <= 0:
        raise ValidationFailed.on("qty", "gt_zero", "must be greater than zero")
    top = effective_bom(uow, item_code, on)
    cache: dict[int, Bom | None] = {}

    def bom_of(item: Item) -> Bom | None:
        if item.type not in (ItemType.MANUFACTURED, ItemType.PHANTOM):
            return None
        if item.id not in cache:
            cache[item.id] = _effective(uow.session, item.id, on)
        return cache[item.id]

    lines: list[Requirement] = []
    totals: dict[str, Fraction] = {}
    low: dict[str, int] = {}
    first: dict[str, Requirement] = {}

    def walk(bom: Bom, parent_qty: Fraction, level: int, path: tuple[str, ...]) -> None:
        if len(path) > MAX_DEPTH:
            raise ValidationFailed.on("item", "too_deep",
                                      f"BOM deeper than {MAX_DEPTH} levels: {' -> '.join(path)}")
        for line in bom.lines:
            comp = line.component
            if comp.code in path:
                raise ValidationFailed.on("item", "bom_cycle",
                                          f"BOM cycle: {' -> '.join((*path, comp.code))}")
            need = line_qty(parent_qty, line, bom.base_qty)
            sub = bom_of(comp)
            if comp.type == ItemType.PHANTOM and sub is not None:
                walk(sub, need, level, (*path, comp.code))  # blown through, same level
                continue
            req = Requirement(level=level, path=(*path, comp.code), parent_code=bom.item.code,
                              bom_number=bom.number, seq=line.seq, component_code=comp.code,
                              component_name=comp.name, item_type=comp.type,
                              uom_code=comp.uom.code, qty_per=line.qty_per,
                              scrap_pct=line.scrap_pct, gross_qty=to_qty(need))
            lines.append(req)
            totals[comp.code] = totals.get(comp.code, Fraction(0)) + need
            low[comp.code] = max(low.get(comp.code, 0), level)
            first.setdefault(comp.code, req)
            if sub is not None:
                walk(sub, need, level + 1, (*path, comp.code))

    walk(top, Fraction(qty), 1, (top.item.code,))
    summary = [ComponentTotal(component_code=code, component_name=first[code].component_name,
                              item_type=first[code].item_type, uom_code=first[code].uom_code,
                              low_level=low[code], gross_qty=to_qty(total))
               for code, total in totals.items()]
    summary.sort(key=lambda t: (t.low_level, t.component_code))
    return Explosion(item_code=top.item.code, qty=qty, on=on, bom_number=top.number,
                     lines=lines, totals=summary)


# --- where-used -----------------------------------------------------------------------------

def where_used(uow: UnitOfWork, item_code: str, multilevel: bool = False,
               include_obsolete: bool = False) -> list[Usage]:
    """BOM lines that use the item (draft and active BOMs, any revision); ``multilevel``
    walks on up to the end items, listing each parent under the one it uses."""
    uow.actor.require(Permission.MASTERDATA_READ)
    item = get_item(uow, item_code)
    cache: dict[int, list[tuple[BomLine, Bom]]] = {}

    def parents_of(item_id: int) -> list[tuple[BomLine, Bom]]:
        if item_id not in cache:
            stmt = (select(BomLine, Bom).join(Bom, BomLine.bom_id == Bom.id)
                    .where(BomLine.component_id == item_id))
            if not include_obsolete:
                stmt = stmt.where(Bom.status != BomStatus.OBSOLETE)
            rows = [(line, bom) for line, bom in uow.session.execute(stmt)]
            cache[item_id] = sorted(rows, key=lambda r: (r[1].item.code, r[1].revision,
                                                         r[0].seq))
        return cache[item_id]

    out: list[Usage] = []

    def climb(item_id: int, level: int, path: tuple[str, ...]) -> None:
        for line, bom in parents_of(item_id):
            parent = bom.item
            if parent.code in path or level > MAX_DEPTH:
                continue  # a cycle in bad data; the path already shows this parent
            out.append(Usage(level=level, path=(*path, parent.code), parent_code=parent.code,
                             parent_name=parent.name, parent_type=parent.type,
                             bom_number=bom.number, revision=bom.revision, status=bom.status,
                             seq=line.seq, qty_per=line.qty_per, scrap_pct=line.scrap_pct))
            if multilevel:
                climb(parent.id, level + 1, (*path, parent.code))

    climb(item.id, 1, (item.code,))
    return out
