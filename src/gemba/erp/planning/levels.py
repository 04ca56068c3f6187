"""Low-level codes: the deepest level each item appears at in any BOM (end items are 0).

MRP plans items in low-level-code order so that an item is netted only once all the
dependent demand of its parents is known. A BOM cycle makes that impossible: ``BomCycle``
names the cycle, starting from its alphabetically smallest item (e.g. "A -> B -> A").
"""

from __future__ import annotations

from collections.abc import Mapping

from gemba.erp.planning.model import PlanningItem


class BomCycle(ValueError):
    def __init__(self, path: list[str]) -> None:
        self.path = path
        super().__init__(f"BOM cycle: {' -> '.join(path)}")


def low_level_codes(items: Mapping[str, PlanningItem]) -> dict[str, int]:
    """Longest-path level of every item through all BOMs (Kahn's topological order)."""
    parents: dict[str, list[str]] = {code: [] for code in items}
    children: dict[str, list[str]] = {}
    for code, item in items.items():
        comps = []
        for line in item.bom:
            if line.component not in items:
                raise ValueError(f"the BOM of {code} lists {line.component}, "
                                 "which is not a planning item")
            if line.component not in comps:
                comps.append(line.component)
                parents[line.component].append(code)
        children[code] = comps
    waiting = {code: len(ps) for code, ps in parents.items()}
    level = dict.fromkeys(items, 0)
    ready = [code for code, n in waiting.items() if n == 0]
    done = 0
    while ready:
        code = ready.pop()
        done += 1
        below = level[code] + 1
        for comp in children[code]:
            if level[comp] < below:
                level[comp] = below
            waiting[comp] -= 1
            if waiting[comp] == 0:
                ready.append(comp)
    if done < len(items):
        raise BomCycle(_cycle(parents, {c for c, n in waiting.items() if n > 0}))
    return level


def _cycle(parents: dict[str, list[str]], stuck: set[str]) -> list[str]:
    """A cycle among the items Kahn could not free: every one of them has a stuck parent, so
    walking up parents from any of them must come back to an item already seen."""
    seen: dict[str, int] = {}
    walk: list[str] = []
    node = min(stuck)
    while node not in seen:
        seen[node] = len(walk)
        walk.append(node)
        node = min(p for p in parents[node] if p in stuck)
    loop = walk[seen[node]:][::-1]  # parent -> component order
    start = loop.index(min(loop))
    loop = loop[start:] + loop[:start]
    return [*loop, loop[0]]
