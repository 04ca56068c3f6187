"""Domain errors: every front door maps these to a clear message (4xx problem+json, CLI exit 1)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldIssue:
    """One broken rule on one field, e.g. ``qty_per`` / ``gt_zero``."""

    field: str
    rule: str
    message: str


class GembaError(Exception):
    """Base of every error a user can cause and correct."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, issues: list[FieldIssue] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.issues: list[FieldIssue] = issues or []


class ValidationFailed(GembaError):
    status = 422
    title = "Validation failed"

    @classmethod
    def on(cls, field_name: str, rule: str, message: str) -> ValidationFailed:
        return cls(f"{field_name}: {message}", [FieldIssue(field_name, rule, message)])


class NotFound(GembaError):
    status = 404
    title = "Not found"


class Conflict(GembaError):
    """Duplicate codes, stale versions, illegal state transitions."""

    status = 409
    title = "Conflict"


class PermissionDenied(GembaError):
    status = 403
    title = "Permission denied"


class NotAuthenticated(GembaError):
    status = 401
    title = "Not authenticated"


class ConfigError(Exception):
    """Invalid configuration: reported as one line and the process stops."""


@dataclass
class ErrorCollector:
    """Gathers field issues so a caller can report them all at once."""

    issues: list[FieldIssue] = field(default_factory=list)

    def add(self, field_name: str, rule: str, message: str) -> None:
        self.issues.append(FieldIssue(field_name, rule, message))

    def raise_if_any(self) -> None:
        if self.issues:
            summary = "; ".join(f"{i.field}: {i.message}" for i in self.issues)
            raise ValidationFailed(summary, list(self.issues))
