"""Helpers shared by test modules (importable by name, unlike conftest.py)."""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def mqtt_available(host: str = "127.0.0.1", port: int = 1883) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(ok: bool, what: str) -> None:
    """Skip locally, fail under CI=true."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} is not reachable and CI=true requires it", pytrace=False)
    pytest.skip(f"{what} is not reachable")
