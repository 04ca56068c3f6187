"""``gemba load`` and ``gemba dump``: all-or-nothing CSV import/export of master data."""

from __future__ import annotations

from pathlib import Path

from rich.progress import Progress

from gemba.bootstrap import bootstrap, data_files
from gemba.core.dataload.loader import dump_directory, load_directory


def load(directory: Path) -> tuple[list[str], dict[str, int]]:
    """Load DIR; returns (errors, counts). Nothing is written when there is any error."""
    gemba = bootstrap()
    with Progress(transient=True) as bar, gemba.uow(reason=f"gemba load {directory}") as uow:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        result = load_directory(uow, data_files(), directory, progress)
    gemba.close()
    return [str(e) for e in result.errors], result.counts


def dump(directory: Path) -> dict[str, int]:
    gemba = bootstrap()
    with gemba.uow() as uow:
        counts = dump_directory(uow, data_files(), directory)
    gemba.close()
    return counts
