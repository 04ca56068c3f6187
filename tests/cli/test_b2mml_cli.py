"""``gemba b2mml export|import``: validated XML out, performance in, one-line errors and
non-zero exits on anything wrong."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gemba.adapters.b2mml import parse, to_xml, validate
from gemba.cli.main import app
from gemba.erp.inventory.stock import on_hand
from gemba.erp.production.production_order import OrderStatus, get_production_order
from production_testing import D, new_order, setup_factory, whole_run

runner = CliRunner()


@pytest.fixture
def order(gemba, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("GEMBA_DATABASE_URL", gemba.settings.database_url)
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEMBA_CONFIG", str(tmp_path / "absent.toml"))
    setup_factory(gemba)
    return new_order(gemba, release=True)


def test_export_and_import(gemba, order, tmp_path):
    out = tmp_path / "schedule.xml"
    r = runner.invoke(app, ["b2mml", "export", order, "--version", "V0600", "--out", str(out)])
    assert r.exit_code == 0, r.output
    validate(parse(out.read_bytes()), "V0600", "schedule")
    r = runner.invoke(app, ["b2mml", "export", order])
    assert r.exit_code == 0 and "OperationsSchedule" in r.output
    perf = tmp_path / "performance.xml"
    perf.write_bytes(to_xml(whole_run(order), "V0701"))
    r = runner.invoke(app, ["b2mml", "import", str(perf)])
    assert r.exit_code == 0, r.output
    assert "1 report(s) applied" in r.output
    again = runner.invoke(app, ["b2mml", "import", str(perf)])
    assert again.exit_code == 0 and "1 already known" in again.output
    with gemba.uow() as uow:
        assert get_production_order(uow, order).status == OrderStatus.COMPLETED
        assert on_hand(uow, "FRAME") == D(8)


def test_errors_are_one_line_and_exit_1(gemba, order, tmp_path):
    cases = [["b2mml", "export", "MO-999999"],
             ["b2mml", "export", order, "--version", "V9"],
             ["b2mml", "import", str(tmp_path / "missing.xml")]]
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "x">]>\n<x/>')
    cases.append(["b2mml", "import", str(bad)])
    schedule = tmp_path / "schedule.xml"
    assert runner.invoke(app, ["b2mml", "export", order, "-o", str(schedule)]).exit_code == 0
    cases.append(["b2mml", "import", str(schedule)])  # a schedule is not a performance
    for args in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 1, (args, r.output)
        assert "error:" in r.output and "Traceback" not in r.output
    with gemba.uow() as uow:
        assert on_hand(uow, "FRAME") == 0
