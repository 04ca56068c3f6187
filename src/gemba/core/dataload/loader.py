"""Load a directory of CSV files in one transaction: every error reported, nothing written
unless there is none.

Each record is applied inside a savepoint so a bad row is undone on its own and the remaining
rows are still checked against everything loaded before them; at the end the whole transaction
commits only if no row failed.
"""

from __future__ import annotations

import csv
import io
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


def _column_of(field: str, spec: FileSpec) -> str | None:
    head = field.split(".")[0].split("[")[0]
    return head if head in spec.columns else (field or None)


def _record_errors(exc: Exception, spec: FileSpec, rows: list[Row],
                   errors: list[LoadError]) -> None:
    first = rows[0].line
    if isinstance(exc, ValidationError):
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            line, col = first, ".".join(loc)
            if loc and loc[0].isdigit() and int(loc[0]) < len(rows):  # row index in a group
                line, col = rows[int(loc[0])].line, ".".join(loc[1:])
            errors.append(LoadError(spec.name, line, _column_of(col, spec), e["msg"]))
    elif isinstance(exc, GembaError) and exc.issues:
        for issue in exc.issues:
            line, col = first, issue.field
            if col.startswith("rows[") and "]" in col:  # e.g. rows[2].qty_per
                idx = int(col[5:col.index("]")])
                line, col = rows[idx].line if idx < len(rows) else first, \
                    col[col.index("]") + 2:]
            errors.append(LoadError(spec.name, line, _column_of(col, spec), issue.message))
    else:
        assert isinstance(exc, GembaError)
        errors.append(LoadError(spec.name, first, None, exc.message))


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
        done = 0
        for group in groups.values():
            try:
                with uow.session.begin_nested():
                    spec.load(uow, group)
                    uow.flush()
            except (GembaError, ValidationError) as exc:
                _record_errors(exc, spec, group, errors)
            done += 1
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
