"""Load a directory of CSV files in one transaction: every error reported, nothing written
unless there is none.

Each record is applied inside a savepoint so a bad row is undone on its own and the remaining
rows are still checked against everything loaded before them; at the end the whole transaction
commits only if no row failed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from gemba.core.auth.permissions import Permission
from gemba.core.dataload.registry import FileSpec, Registry, Row
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import GembaError


@dataclass(frozen=True)
class LoadError:
    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: column {self.column}: {self.message}" if self.column else \
            f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadResult:
    errors: list[LoadError]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.errors


Progress = Callable[[str, int, int], None]


def read_csv(path: Path, spec: FileSpec, errors: list[LoadError]) -> list[Row]:
    """RFC 4180 CSV, UTF-8 (a BOM is tolerated), header row with known columns."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(LoadError(path.name, 1, None, f"not UTF-8 ({exc.reason} at byte "
                                                    f"{exc.start})"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        errors.append(LoadError(path.name, 1, None, "empty file: a header row is required"))
        return []
    except csv.Error as exc:
        errors.append(LoadError(path.name, 1, None, f"malformed CSV: {exc}"))
        return []
    missing = [c for c in spec.required if c not in header]
    unknown = [c for c in header if c not in spec.columns]
    dupes = {c for c in header if header.count(c) > 1}
    for col in missing:
        errors.append(LoadError(path.name, 1, col, "required column is missing from the header"))
    for col in unknown:
        errors.append(LoadError(path.name, 1, col,
                                f"unknown column (expected: {', '.join(spec.columns)})"))
    for col in sorted(dupes):
        errors.append(LoadError(path.name, 1, col, "column appears twice in the header"))
    if missing or unknown or dupes:
        return []
    rows: list[Row] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(c.strip() == "" for c in cells):
                continue
            if len(cells) != len(header):
                errors.append(LoadError(path.name, line, None,
                                        f"has {len(cells)} fields, header has {len(header)}"))
                continue
            rows.append(Row(line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    except csv.Error as exc:
        errors.append(LoadError(path.name, reader.line_num, None, f"malformed CSV: {exc}"))
    return rows


def _locate(path: str, spec: FileSpec, rows: list[Row]) -> tuple[int, str | None]:
    """Map a service field path (``lines[2].qty_per``, ``lines.2.qty_per``, ``rows[1].code``,
    ``item``) to the file line and CSV column it came from."""
    line = rows[0].line
    parts = [p for p in re.split(r"[.\[\]]+", path) if p]
    if len(parts) >= 2 and parts[0] in {spec.row_list, "rows"} and parts[1].isdigit():
        index = int(parts[1])
        if index < len(rows):
            line = rows[index].line
        parts = parts[2:]
    name = parts[0] if parts else ""
    column = spec.fields.get(name, name)
    return line, (column if column in spec.columns else (path or None))


def _record_errors(exc: Exception, spec: FileSpec, rows: list[Row],
                   errors: list[LoadError]) -> None:
    if isinstance(exc, ValidationError):
        for e in exc.errors():
            line, column = _locate(".".join(str(p) for p in e["loc"]), spec, rows)
            errors.append(LoadError(spec.name, line, column, e["msg"]))
    elif isinstance(exc, GembaError) and exc.issues:
        for issue in exc.issues:
            line, column = _locate(issue.field, spec, rows)
            errors.append(LoadError(spec.name, line, column, issue.message))
    else:
        assert isinstance(exc, GembaError)
        errors.append(LoadError(spec.name, rows[0].line, None, exc.message))


def load_directory(uow: UnitOfWork, registry: Registry, directory: Path,
                   progress: Progress | None = None) -> LoadResult:
    """Validate and apply every known file in ``directory``; commit only if all is well."""
    uow.actor.require(Permission.DATA_LOAD)
    errors: list[LoadError] = []
    if not directory.is_dir():
        return LoadResult([LoadError(str(directory), 0, None, "not a directory")], {})
    present = {p.name: p for p in directory.iterdir() if p.is_file()
               and not p.name.startswith(".")}
    for name in sorted(set(present) - set(registry.specs)):
        errors.append(LoadError(name, 0, None, "unknown file name (known: "
                                + ", ".join(sorted(registry.specs)) + ")"))
    parsed = {spec.name: read_csv(present[spec.name], spec, errors)
              for spec in registry.ordered() if spec.name in present}
    counts: dict[str, int] = {}
    for spec in registry.ordered():
        rows = parsed.get(spec.name)
        if rows is None:
            continue
        groups: dict[str, list[Row]] = {}
        for row in rows:
            key = spec.group_by(row) if spec.group_by else str(row.line)
            groups.setdefault(key, []).append(row)
        for done, group in enumerate(groups.values(), start=1):
            try:
                with uow.session.begin_nested():
                    spec.load(uow, group)
                    uow.flush()
            except (GembaError, ValidationError) as exc:
                _record_errors(exc, spec, group, errors)
            if progress:
                progress(spec.name, done, len(groups))
        counts[spec.name] = len(rows)
    errors.sort(key=lambda e: (e.file, e.line))
    if errors:
        uow.rollback()
    else:
        uow.commit()
    return LoadResult(errors, counts)


def dump_directory(uow: UnitOfWork, registry: Registry, directory: Path) -> dict[str, int]:
    """Write every registered file (header always, rows in a stable order)."""
    uow.actor.require(Permission.MASTERDATA_READ)
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for spec in registry.ordered():
        rows = list(spec.dump(uow))
        with (directory / spec.name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=spec.columns, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        counts[spec.name] = len(rows)
    return counts
