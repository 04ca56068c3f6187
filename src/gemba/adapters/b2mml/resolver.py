"""What the adapter asks Gemba while importing, without knowing the database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Resolver(Protocol):
    """Answers the two questions an import needs: does an item exist, and which Gemba unit
    a document's unit text means (matched case-insensitively: ``EA`` is ``ea``)."""

    def item_exists(self, code: str) -> bool: ...

    def unit_code(self, text: str) -> str | None:
        """Gemba's spelling of the unit, or None when Gemba has no such unit."""
        ...


class MemoryResolver:
    """A resolver over fixed sets of item codes and unit codes (tests, offline tools)."""

    def __init__(self, items: Iterable[str], units: Iterable[str]) -> None:
        self._items = frozenset(items)
        self._units = {u.casefold(): u for u in units}

    def item_exists(self, code: str) -> bool:
        return code in self._items

    def unit_code(self, text: str) -> str | None:
        return self._units.get(text.strip().casefold())
