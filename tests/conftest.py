"""Every database test runs on SQLite and on PostgreSQL.

Each backend is migrated once per session into a template; each test gets a fresh copy
(a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL). Under ``CI=true``
an unreachable PostgreSQL or Mosquitto is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gemba.bootstrap import Gemba, bootstrap
from gemba.core.config import load_settings
from gemba.core.db.migrate import upgrade
from gemba_testing import IN_CI, mqtt_available, require_service  # noqa: F401

PG_ADMIN = os.environ.get("GEMBA_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _pg_exec(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    problem = _pg_available()
    require_service(problem is None, f"PostgreSQL ({problem})")
    name = f"gemba_tpl_{uuid.uuid4().hex[:10]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        upgrade(PG_URL.format(name=name))
        yield name
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "gemba.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"gemba_t_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}" STRATEGY FILE_COPY')
    try:
        yield PG_URL.format(name=name)
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def gemba(database_url: str, tmp_path: Path) -> Iterator[Gemba]:
    settings = load_settings(
        env={"GEMBA_DATABASE_URL": database_url, "GEMBA_VAR_DIR": str(tmp_path / "var"),
             "GEMBA_SECRET_KEY": "test-secret-key-0123456789"},
        toml_path=tmp_path / "absent.toml",
    )
    app = bootstrap(settings)
    yield app
    app.close()


@pytest.fixture
def make_user(gemba: Gemba):
    """Create a user with roles and return a raw API token for it."""
    from gemba.core.auth.services import UserIn, create_api_token, create_user

    def _make(username: str = "admin", roles: tuple[str, ...] = ("admin",),
              site_codes: tuple[str, ...] = (), password: str = "correct-horse-9") -> str:
        with gemba.uow() as uow:
            create_user(uow, UserIn(username=username, password=password, roles=list(roles),
                                    site_codes=list(site_codes)))
            token = create_api_token(uow, username, "tests")
            uow.commit()
        return token

    return _make


@pytest.fixture
def client(gemba: Gemba, make_user):
    """An httpx TestClient authenticated as an admin through a Bearer token."""
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    token = make_user()
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c
