"""Pegging: which top-level demands (sales orders, forecasts) each planned order serves.

FIFO, chosen over proportional pegging because it is exact in decimals and easy to explain:
within one item, supply (on hand, then per date the scheduled receipts and the planned order
of that date) is allocated first-in-first-out to safety stock (first, as if needed today) and
then to the gross requirements in (date, kind, ref) order. A requirement carries the pegs of
what it serves; the part of it without pegs (safety stock, lot-size surplus of a parent, an
open production order's component need) takes supply but pegs nothing. Lot-size, minimum
and safety-stock surplus is therefore simply unpegged, and a planned order's pegs never add
up to more than its quantity.

Dependent demand pegs through the parent's planned order: the parent's pegs, in their FIFO
order, are scaled to the component with the same rounding as the requirement itself
(cumulatively, capped at the requirement), see ``scale``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from operator import attrgetter

from gemba.erp.planning.construct import peg as new_peg
from gemba.erp.planning.model import ZERO, Peg
from gemba.erp.planning.quantities import unit
from gemba.erp.planning.requirements import Pegs, Requirement

_REF = attrgetter("demand_ref")


def scale(pegs: Pegs, factor: Decimal, total: Decimal, precision: int,
          exact: bool = False) -> Pegs:
    """The pegs of a component requirement of ``total`` for a parent quantity pegged by
    ``pegs``: the first k parent pegs cover ceil(sum of their qty x factor) of the component,
    capped at ``total``; peg k gets what that adds.

    ``exact`` is the caller's promise that every peg times ``factor`` is already in the
    component's precision (pegs in the parent's precision, few enough decimals in the factor):
    then rounding changes nothing and the cap never bites (the pegs add up to at most the
    parent quantity, ``total`` is that times the factor), so each peg is simply scaled."""
    if exact:
        if factor == 1:
            return pegs
        return tuple([new_peg(p.demand_ref, p.qty * factor) for p in pegs])
    out: list[Peg] = []
    cum = prev = ZERO
    quantum = unit(precision)
    for p in pegs:
        cum += p.qty
        covered = (cum * factor).quantize(quantum, rounding=ROUND_CEILING)
        if covered > total:
            covered = total
        if covered > prev:
            out.append(new_peg(p.demand_ref, covered - prev))
            prev = covered
    return tuple(out)


def fifo(supply: Sequence[tuple[Decimal, int]], reserve: Decimal,
         requirements: Sequence[Requirement], n_orders: int) -> list[Pegs]:
    """Pegs of each planned order (``supply`` slot 0..n_orders-1). ``reserve`` is served first
    and pegs nothing (safety stock plus any negative on hand)."""
    if not n_orders or not any(req.pegs for req in requirements):
        return [()] * n_orders
    pieces: list[list[Peg]] = [[] for _ in range(n_orders)]
    source = [-1] * n_orders  # the requirement that last gave a slot pegs
    mixed = [False] * n_orders  # pegs from more than one requirement: a ref may repeat
    last = max(i for i, (_, slot) in enumerate(supply) if slot >= 0)
    s = 0
    left, slot = supply[0]
    target = pieces[slot] if slot >= 0 else None
    demands = [(reserve, ())] + [(req.qty, req.pegs) for req in requirements]
    for n, (req_qty, pegs) in enumerate(demands):
        while left <= 0:
            s += 1
            if s > last:
                return _merged(pieces, mixed)
            left, slot = supply[s]
            target = pieces[slot] if slot >= 0 else None
        if req_qty <= left:  # the usual case: one supply covers the whole requirement
            left -= req_qty
            if target is not None and pegs:
                if source[slot] != n:
                    mixed[slot] = source[slot] >= 0  # once mixed, always: sources stay >= 0
                    source[slot] = n
                target.extend(pegs)
            continue
        rest = req_qty
        for ref, qty in (*((p.demand_ref, p.qty) for p in pegs), (None, ZERO)):
            if ref is None:
                qty = rest  # the unpegged remainder
            rest -= qty
            while qty > 0:
                while left <= 0:
                    s += 1
                    if s > last:
                        return _merged(pieces, mixed)
                    left, slot = supply[s]
                    target = pieces[slot] if slot >= 0 else None
                take = left if left < qty else qty
                if ref is not None and target is not None:
                    if source[slot] != n:
                        mixed[slot] = source[slot] >= 0
                        source[slot] = n
                    target.append(new_peg(ref, take))
                qty -= take
                left -= take
    return _merged(pieces, mixed)


def _merged(pieces: list[list[Peg]], mixed: list[bool]) -> list[Pegs]:
    return [_merge(p) if m else tuple(p) for p, m in zip(pieces, mixed, strict=True)]


def _merge(pieces: list[Peg]) -> Pegs:
    """One peg per demand ref, in order of first appearance."""
    if len(set(map(_REF, pieces))) == len(pieces):  # no ref twice: the pieces are the pegs
        return tuple(pieces)
    merged: dict[str, Decimal] = {}
    for piece in pieces:
        ref = piece.demand_ref
        merged[ref] = merged[ref] + piece.qty if ref in merged else piece.qty
    return tuple([new_peg(ref, qty) for ref, qty in merged.items()])
