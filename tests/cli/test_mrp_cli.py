"""``gemba load DIR`` then ``gemba mrp run --json``: the hand-computed plan, end to end; bad
input is one line and a non-zero exit, and writes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gemba.cli.main import app
from gemba.erp.catalog.item import Item
from gemba.erp.planning.store import PlannedOrderRecord
from mrp_testing import EXPECTED, FILES, TODAY, without_messages, write_files

runner = CliRunner()


@pytest.fixture
def env(gemba, monkeypatch, tmp_path):
    monkeypatch.setenv("GEMBA_DATABASE_URL", gemba.settings.database_url)
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEMBA_CONFIG", str(tmp_path / "absent.toml"))
    return gemba


def _count(gemba, model) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_load_then_plan_gives_the_hand_computed_plan(env, tmp_path):
    r = runner.invoke(app, ["load", str(write_files(tmp_path / "in"))])
    assert r.exit_code == 0, r.output
    assert "demands.csv: 2 rows" in r.output and "supply.csv: 2 rows" in r.output
    r = runner.invoke(app, ["mrp", "run", "--today", TODAY, "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    assert set(plan) == {"planned_orders", "exceptions"}
    assert without_messages(plan) == EXPECTED
    assert all(set(o) == {"item", "kind", "qty", "release_date", "due_date", "pegging"}
               for o in plan["planned_orders"])
    assert all(set(e) == {"item", "kind", "ref", "date", "message"}
               for e in plan["exceptions"])
    assert _count(env, PlannedOrderRecord) == 7
    r = runner.invoke(app, ["mrp", "run", "--today", TODAY])
    assert r.exit_code == 0, r.output
    assert "7 planned orders, 3 exceptions" in r.output
    assert "Planned orders (7)" in r.output and "PO-7" in r.output


def test_bad_today_is_one_line_and_exit_1(env):
    for value in ("2026-13-01", "tomorrow"):
        r = runner.invoke(app, ["mrp", "run", "--today", value, "--json"])
        assert r.exit_code == 1, r.output
        assert r.output.count("\n") == 1 and "error:" in r.output
        assert "is not a date" in r.output and "Traceback" not in r.output
    assert _count(env, PlannedOrderRecord) == 0


def test_a_bad_file_stops_the_whole_load(env, tmp_path):
    d = write_files(tmp_path / "in", demands=FILES["demands.csv"]
                    + "GHOST,1,2026-03-20,sales_order,SO-9\n")
    r = runner.invoke(app, ["load", str(d)])
    assert r.exit_code == 1
    assert "demands.csv:4: column item_code: item 'GHOST' does not exist" in r.output
    assert "nothing was written" in r.output
    assert _count(env, Item) == 0
