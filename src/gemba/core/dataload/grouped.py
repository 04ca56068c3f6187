"""Records made of several rows (BOM lines, routing operations): check every row, then the
record, and report the problems of all rows together."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gemba.core.dataload.registry import Row
from gemba.core.errors import FieldIssue, GembaError, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def apply_rows(rows: Sequence[Row], model: type[M], to_dict: Callable[[Row], dict[str, Any]],
               list_field: str, apply: Callable[[list[M]], None]) -> None:
    """Validate each row as ``model``; pass the valid ones to ``apply`` (the service call);
    raise one ValidationFailed naming ``<list_field>[n].<field>`` for every bad row n."""
    good: list[M] = []
    index: list[int] = []
    issues: list[FieldIssue] = []
    for n, row in enumerate(rows):
        try:
            good.append(model.model_validate(to_dict(row)))
            index.append(n)
        except ValidationError as exc:
            for e in exc.errors():
                path = ".".join(str(p) for p in e["loc"])
                issues.append(FieldIssue(f"{list_field}[{n}].{path}", e["type"], e["msg"]))
    if good:
        try:
            apply(good)
        except GembaError as exc:
            if not issues:
                raise
            pattern = re.compile(rf"^{re.escape(list_field)}\[(\d+)\]")
            for issue in exc.issues or [FieldIssue("", "record", exc.message)]:
                field = pattern.sub(lambda m: f"{list_field}[{index[int(m.group(1))]}]",
                                    issue.field)
                issues.append(FieldIssue(field, issue.rule, issue.message))
    if issues:
        raise ValidationFailed("; ".join(f"{i.field}: {i.message}" for i in issues), issues)
