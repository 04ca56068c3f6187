from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gemba.bootstrap import bootstrap
from gemba.core.config import load_settings
from gemba.core.db.migrate import NotMigrated


def test_app_refuses_an_unmigrated_database(tmp_path: Path):
    settings = load_settings(env={"GEMBA_VAR_DIR": str(tmp_path)}, toml_path=tmp_path / "x")
    with pytest.raises(NotMigrated, match="run 'gemba db upgrade' first"):
        bootstrap(settings)


def test_migrated_database_matches_the_models(gemba):
    """Alembic is the only schema source: autogenerate must find nothing left to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from gemba.core.db.base import Base

    with gemba.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_api_serves_openapi(client: TestClient):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/items" in spec["paths"]
