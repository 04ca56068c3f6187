"""A deterministic synthetic plant for measuring MRP (``plan``/``replan`` timings).

Shaped like a discrete manufacturer: items per level grow 2.5-fold downward (a 10,000-item
plant has 155 finished goods and 6,000 bought parts), every item below the top has at least
one parent, one line in five skips a level (so low-level codes differ from the level an item
was generated at), a few assemblies are phantoms and the last level is bought. Lot-size
rules, lead times (0-10 working days), safety stocks, on hand, open purchase and production
orders (half of them un-kitted) are mixed at random; the finished goods get sales orders
(60 %) and forecasts over the next 90 days, a few past due.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from gemba.erp.planning.calendar import WorkCalendar
from gemba.erp.planning.model import (
    BomLine,
    ComponentNeed,
    Demand,
    PlanningInput,
    PlanningItem,
    ScheduledReceipt,
)

TODAY = date(2025, 1, 6)  # a Monday
HOLIDAYS = frozenset({date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1)})
HORIZON_DAYS = 90
GROWTH = 2.5  # items per level grow downward: few finished goods, many purchased parts


def generate_plant(n_items: int, levels: int = 5, lines_per_parent: int = 5,
                   demands_per_end_item: int = 10, seed: int = 0) -> PlanningInput:
    """The same plant for the same arguments."""
    if levels < 1 or n_items < levels:
        raise ValueError("need at least one item per level")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    weights = [GROWTH**k for k in range(levels)]
    sizes = [int(n_items * w / sum(weights)) or 1 for w in weights]
    sizes[-1] += n_items - sum(sizes)
    codes = [[f"L{k}-{i:05d}" for i in range(size)] for k, size in enumerate(sizes)]

    components: dict[str, list[str]] = {code: [] for level in codes for code in level}
    for k in range(levels - 1):
        parents, below = codes[k], codes[k + 1]
        for j, comp in enumerate(below):
            components[parents[j % len(parents)]].append(comp)
        deeper = [c for level in codes[k + 2:] for c in level]
        for parent in parents:
            comps = components[parent]
            while len(comps) < min(lines_per_parent, len(below) + len(deeper)):
                pool = deeper if deeper and rng.random() < 0.2 else below
                comp = rng.choice(pool)
                if comp not in comps:
                    comps.append(comp)

    precision = {code: 3 if k == levels - 1 and rng.random() < 0.2 else 0
                 for k, level in enumerate(codes) for code in level}
    items: dict[str, PlanningItem] = {}
    for k, level in enumerate(codes):
        for code in level:
            bom = tuple(BomLine(comp, _qty_per(rng, precision[comp]),
                                Decimal(rng.choice((0, 0, 0, 2, 5))))
                        for comp in components[code])
            items[code] = _item(rng, code, bom, precision[code],
                                phantom=0 < k < levels - 1 and rng.random() < 0.03)

    on_hand = {code: Decimal(rng.randrange(0, 200)) for code in items if rng.random() < 0.6}
    receipts = [_receipt(rng, n, item) for n, item in enumerate(items.values())
                if not item.phantom and rng.random() < 0.2]
    demands = [
        Demand(code, Decimal(rng.randrange(1, 50)),
               TODAY + timedelta(days=rng.randrange(-5, HORIZON_DAYS)),
               "sales_order" if rng.random() < 0.6 else "forecast", f"{code}/D{n}")
        for code in codes[0] for n in range(demands_per_end_item)]
    return PlanningInput(TODAY, WorkCalendar(holidays=HOLIDAYS), items, on_hand, demands,
                         receipts)


def _qty_per(rng: random.Random, precision: int) -> Decimal:
    return Decimal(rng.choice(("0.25", "1.5", "0.125"))) if precision else \
        Decimal(rng.choice((1, 1, 1, 2, 4)))


def _item(rng: random.Random, code: str, bom: tuple[BomLine, ...], precision: int,
          phantom: bool) -> PlanningItem:
    rule = rng.choices(("lfl", "poq", "fixed"), weights=(40, 35, 25))[0]
    lot = {"lfl": 0, "poq": rng.choice((5, 10)), "fixed": rng.choice((50, 100, 250))}[rule]
    return PlanningItem(
        code=code, make=bool(bom), phantom=phantom, precision=precision,
        lot_size_rule=rule, lot_size_qty=Decimal(lot),
        min_qty=Decimal(rng.choice((0, 0, 0, 20))),
        safety_stock=Decimal(rng.choice((0, 0, 10, 25))),
        lead_time_days=rng.randrange(0, 11), bom=bom)


def _receipt(rng: random.Random, n: int, item: PlanningItem) -> ScheduledReceipt:
    qty = Decimal(rng.randrange(10, 300))
    due = TODAY + timedelta(days=rng.randrange(-3, 40))
    if not item.make:
        return ScheduledReceipt(item.code, qty, due, "purchase_order", f"PO-{n}")
    kitted = rng.random() < 0.5
    needs = () if kitted else tuple(
        ComponentNeed(line.component, qty * line.qty_per, due - timedelta(days=2))
        for line in item.bom)
    return ScheduledReceipt(item.code, qty, due, "production_order", f"MO-{n}", needs)
