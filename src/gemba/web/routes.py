"""Web UI routes (Jinja2 + HTMX)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the web UI on ``app``."""
