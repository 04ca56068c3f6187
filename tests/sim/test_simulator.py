"""The simulated factory behind ``gemba demo``: a simulated day drives the real ERP and MES
services over the outbox, and afterwards the books balance, the stock ledger equals on-hand,
everything shipped is invoiced, the outbox is drained, the audit chain is intact and every
line has an OEE between 0 and 1. The same seed gives the same summary in a fresh database;
the command prints only that summary on stdout with --json; the live runner advances the
clock in its own thread; and the UI renders what the simulation made."""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gemba.api.app import create_app
from gemba.bootstrap import Gemba, bootstrap
from gemba.cli.demo import new_simulation, prepare_demo, simulate, start_live, summary
from gemba.cli.main import app
from gemba.core.config import load_settings
from gemba.sim.clock import DEFAULT_EPOCH

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
LINES = {"LINE-ASSY", "LINE-FRAME", "LINE-WHEEL"}


def run_days(gemba: Gemba, days: float, seed: int = 7) -> dict[str, Any]:
    prepare_demo(gemba, DEFAULT_EPOCH.date())
    sim = new_simulation(gemba, seed, DEFAULT_EPOCH)
    simulate(sim, days)
    return summary(sim)


@contextmanager
def another_database(gemba: Gemba, request: pytest.FixtureRequest,
                     tmp_path: Path) -> Iterator[Gemba]:
    """A second fresh, migrated database on the same backend as ``gemba``."""
    if gemba.settings.database_url.startswith("sqlite"):
        target = tmp_path / "second.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        url, drop = f"sqlite:///{target}", None
    else:
        name = f"gemba_t_{uuid.uuid4().hex[:12]}"
        template = request.getfixturevalue("pg_template")
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        url, drop = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name
    app_ = bootstrap(load_settings(
        env={"GEMBA_DATABASE_URL": url, "GEMBA_VAR_DIR": str(tmp_path / "var2"),
             "GEMBA_SECRET_KEY": "test-secret-key-0123456789"},
        toml_path=tmp_path / "absent.toml"))
    try:
        yield app_
    finally:
        app_.close()
        if drop:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


def test_a_simulated_day_keeps_the_books_and_the_same_seed_repeats_it(gemba, request,
                                                                        tmp_path):
    first = run_days(gemba, 1)
    assert first["checks"] == dict.fromkeys(first["checks"], True), first["checks"]
    assert {"trial_balance_balanced", "stock_ledger_matches_on_hand", "all_shipped_invoiced",
            "outbox_drained", "audit_chain_intact"} <= set(first["checks"])
    # the loop really ran: orders came in and shipped, every line produced and reported
    assert first["orders"]["received"] > 0 and first["orders"]["shipped"] > 0
    assert first["finance"]["revenue"] > 0 and first["finance"]["invoices"] > 0
    assert first["floor"]["completions"] > 0 and first["simulation"]["refusals"] == {}
    assert set(first["oee"]) == LINES
    for line, figures in first["oee"].items():
        assert 0 < figures["oee"] < 1, line
        assert figures["pbt_min"] > figures["aupt_min"] > 0, line
    assert first["production"]["good"]["BIKE-CITY"] > 0
    with another_database(gemba, request, tmp_path) as second_db:
        second = run_days(second_db, 1)
    assert json.dumps(second, sort_keys=True) == json.dumps(first, sort_keys=True)


def test_the_demo_command_prints_only_the_summary_as_json(gemba, monkeypatch, tmp_path):
    monkeypatch.setenv("GEMBA_DATABASE_URL", gemba.settings.database_url)
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEMBA_CONFIG", str(tmp_path / "absent.toml"))
    result = CliRunner().invoke(app, ["demo", "--days", "1", "--seed", "3", "--no-serve",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # nothing but the JSON document on stdout
    assert data["seed"] == 3 and data["days"] == 1.0 and data["start"] == "2026-01-05"
    assert all(data["checks"].values()), data["checks"]
    assert "log in as" in result.stderr


def test_the_live_runner_moves_simulated_time_in_its_own_thread(gemba):
    prepare_demo(gemba, DEFAULT_EPOCH.date())
    sim = new_simulation(gemba, 5, DEFAULT_EPOCH)
    simulate(sim, 0.25)  # to 06:00, the early shift starts
    before = sim.now
    runner = start_live(sim, speed=3600.0)  # an hour a second
    try:
        deadline = time.monotonic() + 30
        while sim.now < before + 30 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        runner.stop()
    assert runner.error is None and not runner.is_alive()
    assert sim.now >= before + 30
    assert summary(sim)["checks"]["trial_balance_balanced"]


def test_every_page_renders_the_simulated_factory(gemba):
    """A crawl of the UI as admin over a day of simulated business: no server error."""
    login = prepare_demo(gemba, DEFAULT_EPOCH.date())
    simulate(new_simulation(gemba, 11, DEFAULT_EPOCH), 1)
    link = re.compile(r'href="(/[^"#]*)"')
    with TestClient(create_app(gemba)) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": "admin", "password": login.password,
                                    "csrf_token": token, "next": "/"}, follow_redirects=False)
        seen: dict[str, int] = {}
        queue = deque(["/"])
        queue.extend(["/erp/production-orders/MO-000004", "/mes/equipment/LINE-ASSY"])
        while queue and len(seen) < 200:
            url = queue.popleft().replace("&amp;", "&")
            if url in seen or url.startswith(("/static/", "/api/", "/logout")):
                continue
            r = client.get(url, headers={"Accept": "text/html"})
            seen[url] = r.status_code
            assert r.status_code < 500, f"{url} -> {r.status_code}"
            if r.headers.get("content-type", "").startswith("text/html"):
                queue.extend(u for u in link.findall(r.text) if u not in seen)
    assert len(seen) > 50
    assert seen["/erp/production-orders/MO-000004"] == 200  # a simulated city bike order
    assert seen["/mes/equipment/LINE-ASSY"] == 200          # a production line
    assert any("MO-000004-01" in u for u in seen)           # and its first serial number
