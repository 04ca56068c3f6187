"""Role-aware navigation: each page registers an entry with the permission needed to see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Permission

AREAS = {"erp": "ERP", "mes": "MES", "admin": "Administration"}


@dataclass(frozen=True)
class NavEntry:
    area: str  # key of AREAS
    title: str
    url: str
    permission: Permission
    order: int = 100
    prefix: str = ""  # paths under it mark the entry active (default: url)

    def active(self, path: str) -> bool:
        base = self.prefix or self.url
        return path == base or path.startswith(base + "/")


@dataclass(frozen=True)
class NavArea:
    key: str
    title: str
    entries: list[NavEntry] = field(default_factory=list)


_ENTRIES: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if all(e.url != entry.url for e in _ENTRIES):
        _ENTRIES.append(entry)


def navigation(actor: Actor) -> list[NavArea]:
    """The areas and entries this actor may open; an area with nothing visible is left out."""
    areas = []
    for key, title in AREAS.items():
        entries = sorted((e for e in _ENTRIES if e.area == key and actor.can(e.permission)),
                         key=lambda e: e.order)
        if entries:
            areas.append(NavArea(key, title, entries))
    return areas
