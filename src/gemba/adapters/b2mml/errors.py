"""The one error of the B2MML adapter: a document Gemba refuses, naming the element."""

from __future__ import annotations

from gemba.core.errors import FieldIssue, ValidationFailed


class B2mmlError(ValidationFailed):
    """A refused B2MML document. A ValidationFailed, so every front door answers 422 with
    ``element_path`` as the field (``ProductionRequest[2]/EndTime``)."""

    def __init__(self, message: str, element_path: str = "") -> None:
        self.element_path = element_path or "document"
        super().__init__(f"{self.element_path}: {message}",
                         [FieldIssue(self.element_path, "b2mml", message)])
