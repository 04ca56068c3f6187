"""File specifications and the registry later capabilities add their files to.

A ``FileSpec`` names a CSV file, its columns and the two functions that turn rows into service
calls and records back into rows. Load order is explicit (items before BOMs before stock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from gemba.core.db.uow import UnitOfWork


@dataclass(frozen=True)
class Row:
    """One data row: 1-based physical line number in the file and the cells by column name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str | None:
        """The cell, or None when empty (empty means 'use the default')."""
        value = self.cells.get(column, "")
        return value if value != "" else None


@dataclass(frozen=True)
class FileSpec:
    name: str                                   # "items.csv"
    required: Sequence[str]                     # columns that must be in the header
    optional: Sequence[str] = ()
    order: int = 100                            # lower loads first
    # Apply one row (or a group of rows) through the services; raise domain errors.
    load: Callable[[UnitOfWork, list[Row]], None] = lambda uow, rows: None
    # Group rows that form one record (e.g. all lines of one BOM); default one row each.
    group_by: Callable[[Row], str] | None = None
    dump: Callable[[UnitOfWork], Iterable[dict[str, str]]] = lambda uow: ()
    description: str = ""
    # Service field name -> CSV column, where they differ (e.g. item -> parent_code).
    fields: dict[str, str] = field(default_factory=dict)
    # The command's list field whose n-th element came from the group's n-th row ("lines").
    row_list: str | None = None

    @property
    def columns(self) -> list[str]:
        return [*self.required, *self.optional]


@dataclass
class Registry:
    specs: dict[str, FileSpec] = field(default_factory=dict)

    def register(self, spec: FileSpec) -> None:
        if spec.name in self.specs:
            raise ValueError(f"{spec.name} is registered twice")
        self.specs[spec.name] = spec

    def ordered(self) -> list[FileSpec]:
        return sorted(self.specs.values(), key=lambda s: (s.order, s.name))
