"""Web UI fixtures: a TestClient that logs in through the form and posts with the CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from gemba.api.app import create_app
from gemba.core.auth.services import UserIn, create_user

PASSWORD = "correct-horse-9"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class WebClient(TestClient):
    """A person's browser session, without a browser."""

    def token(self) -> str:
        return csrf_of(self.get("/login").text)  # redirects to the dashboard when logged in

    def login(self, username: str = "alice", password: str = PASSWORD, next_url: str = "/"):
        return self.post("/login", data={"username": username, "password": password,
                                         "next": next_url, "csrf_token": self.token()},
                         follow_redirects=False)

    def submit(self, url: str, data: dict[str, str], **kwargs):
        return self.post(url, data={**data, "csrf_token": self.token()}, **kwargs)


@pytest.fixture
def add_user(gemba):
    def _add(username: str = "alice", roles: tuple[str, ...] = ("admin",)) -> None:
        with gemba.uow() as uow:
            create_user(uow, UserIn(username=username, password=PASSWORD, roles=list(roles)))
            uow.commit()

    return _add


@pytest.fixture
def web(gemba, add_user):
    """Anonymous visitor; user ``alice`` (admin) exists."""
    add_user()
    with WebClient(create_app(gemba)) as c:
        yield c


@pytest.fixture
def admin(web):
    """Logged in as ``alice`` (admin)."""
    assert web.login().status_code == 303
    return web
