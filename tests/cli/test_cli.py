"""The gemba command: every verb listed, clear one-line errors, non-zero exits."""

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gemba.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli_env(gemba, monkeypatch, tmp_path):
    monkeypatch.setenv("GEMBA_DATABASE_URL", gemba.settings.database_url)
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEMBA_CONFIG", str(tmp_path / "absent.toml"))
    return gemba


def test_help_lists_every_verb():
    out = runner.invoke(app, ["--help"]).output
    for verb in ("db", "user", "load", "dump", "audit", "serve", "demo"):
        assert verb in out
    assert "upgrade" in runner.invoke(app, ["db", "--help"]).output
    assert "verify" in runner.invoke(app, ["audit", "--help"]).output


def test_user_create_and_bad_role(cli_env):
    ok = runner.invoke(app, ["user", "create", "maria", "--role", "planner",
                             "--password", "long-enough-1"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["user", "create", "ivan", "--role", "wizard",
                              "--password", "long-enough-1"])
    assert bad.exit_code == 1
    assert "roles" in bad.output and "Traceback" not in bad.output
    dup = runner.invoke(app, ["user", "create", "maria", "--role", "viewer",
                              "--password", "long-enough-1"])
    assert dup.exit_code == 1 and "already exists" in dup.output


def test_load_reports_errors_and_exits_non_zero(cli_env, tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "items.csv").write_text("code,name,type,uom\nA,Alpha,purchased,ea\nB,Beta,sold,ea\n")
    bad = runner.invoke(app, ["load", str(d)])
    assert bad.exit_code == 1
    assert "items.csv:3: column type:" in bad.output
    assert "nothing was written" in bad.output
    (d / "items.csv").write_text("code,name,type,uom\nA,Alpha,purchased,ea\n")
    ok = runner.invoke(app, ["load", str(d)])
    assert ok.exit_code == 0 and "items.csv: 1 rows" in ok.output
    out = runner.invoke(app, ["dump", str(tmp_path / "out")])
    assert out.exit_code == 0
    assert "A,Alpha,purchased,ea" in (tmp_path / "out" / "items.csv").read_text()


def test_audit_verify_passes_then_detects_tampering(cli_env):
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    runner.invoke(app, ["user", "create", "maria", "--role", "planner",
                        "--password", "long-enough-1"])
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    with cli_env.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE core_audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER core_audit_log_no_update"))
        conn.execute(text("UPDATE core_audit_log SET actor = 'mallory' WHERE seq = 1"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "broken at entry 1" in bad.output


def test_unmigrated_database_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("GEMBA_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "gemba db upgrade" in result.output


def test_invalid_config_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("GEMBA_DATABASE_URL", "oracle://x")
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: GEMBA_DATABASE_URL")
