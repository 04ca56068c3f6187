"""``gemba b2mml`` on the MES side: ``import`` sends a schedule file to the MES (and a
performance file to the ERP), ``export --side mes`` writes what the MES reported; a bad file is
one line on stderr, exit 1, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select
from typer.testing import CliRunner

from gemba.adapters.b2mml import MemoryResolver, from_xml, parse, to_xml, validate
from gemba.cli.main import app
from gemba.contracts.isa95 import (
    MaterialRequirement,
    MessageHeader,
    ProductionRequest,
    ProductionSchedule,
    SegmentRequirement,
)
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.work_order import WorkOrder
from production_testing import D, setup_factory

runner = CliRunner()
RESOLVER = MemoryResolver(items={"FRAME", "STEEL", "BOLT"}, units={"ea", "kg"})


def foreign_schedule(revision: int = 1, qty: str = "5") -> ProductionSchedule:
    """What an external ERP sends: EXT-1, FRAME in two operations, steel and bolts."""
    request = ProductionRequest(
        id="EXT-1", revision=revision, product="FRAME", quantity=D(qty), uom="ea",
        end_time=datetime(2026, 3, 9, 16, tzinfo=UTC),
        segments=(SegmentRequirement(segment_id="10", equipment_id="WC-CUT"),
                  SegmentRequirement(segment_id="20", equipment_id="WC-ASM")),
        materials=(MaterialRequirement(material_definition_id="STEEL", quantity=D(10),
                                       uom="kg", use="Consumed"),
                   MaterialRequirement(material_definition_id="BOLT", quantity=D(20),
                                       uom="ea", use="Consumed")))
    return ProductionSchedule(header=MessageHeader.new("ProductionSchedule", "sap-prd"),
                              id=f"SCH-EXT-1-R{revision}", requests=(request,))


@pytest.fixture
def factory(gemba, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GEMBA_DATABASE_URL", gemba.settings.database_url)
    monkeypatch.setenv("GEMBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GEMBA_CONFIG", str(tmp_path / "absent.toml"))
    setup_factory(gemba)


def b2mml(*args: str):
    return runner.invoke(app, ["b2mml", *args])


def said(result) -> str:
    """The output with the console's line wrapping undone."""
    return " ".join(result.output.split())


def squeezed(result) -> str:
    """The output without any whitespace: Rich may break a long path anywhere."""
    return "".join(result.output.split())


def work_orders(gemba) -> int:
    with gemba.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(WorkOrder)) or 0)


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def written(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("version", ["V0701", "V0600"])
def test_schedule_file_to_the_mes_and_performance_file_back(gemba, factory, tmp_path,
                                                            version):
    schedule = written(tmp_path / "schedule.xml", to_xml(foreign_schedule(), version))
    r = b2mml("import", schedule)
    assert r.exit_code == 0, r.output
    assert "EXT-1 revision 1: created (work order EXT-1 received, revision 1)" in said(r)
    again = b2mml("import", schedule)  # a repeated (or stale) file is not silently dropped
    assert again.exit_code == 1 and "error: nothing applied: the MES already holds EXT-1 " \
        "at revision 1" in said(again)
    newer = written(tmp_path / "r2.xml", to_xml(foreign_schedule(2, qty="6"), version))
    r = b2mml("import", newer)
    assert r.exit_code == 0 and "EXT-1 revision 2: updated" in said(r), r.output
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, "EXT-1")
        assert (wo.qty, wo.revision, [op.work_center for op in wo.operations]) == (
            D(6), 2, ["WC-CUT", "WC-ASM"])

    nothing = b2mml("export", "EXT-1", "--side", "mes")
    assert nothing.exit_code == 1 and "EXT-1 has reported nothing to the ERP yet" in said(nothing)
    run(gemba, wo_.release_work_order, "EXT-1")
    run(gemba, ex.start_operation, "EXT-1", 10, "ANNA")
    run(gemba, ex.consume, "EXT-1", 10, "STEEL", "L1", D(12))
    run(gemba, ex.complete_operation, "EXT-1", 10, D(5), D(1), "burr", minutes=D(25))
    out = tmp_path / "performance.xml"
    r = b2mml("export", "EXT-1", "--side", "mes", "--version", version, "-o", str(out))
    assert r.exit_code == 0 and f"EXT-1writtento{out}(B2MML{version})" in squeezed(r)
    validate(parse(out.read_bytes()), version, "performance")  # MESA's XSD
    document = from_xml(out.read_bytes(), RESOLVER)
    assert [(x.sequence, x.state) for x in document.responses] == [
        (1, "released"), (2, "started"), (3, "started"), (4, "started")]
    assert [(s.segment_id, s.quantity_good, s.quantity_scrap) for s in
            document.responses[3].segments] == [("10", D(5), D(1))]
    stdout = b2mml("export", "EXT-1", "--side", "mes", "--version", version)
    assert stdout.exit_code == 0 and stdout.output.encode() == out.read_bytes()
    # A performance file goes to the ERP, which has no order EXT-1: refused, one line.
    r = b2mml("import", str(out))
    assert r.exit_code == 1 and "error:" in r.output and "EXT-1" in r.output


def test_bad_files_are_one_line_errors_and_write_nothing(gemba, factory, tmp_path):
    good = to_xml(foreign_schedule(), "V0701")
    root = etree.fromstring(good)
    ns = etree.QName(root).namespace
    root.find(f"{{{ns}}}DataArea").append(etree.Element(f"{{{ns}}}Bogus"))
    files = {
        "malformed": (good[:-30], "not well-formed XML"),
        "schema": (etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                   "does not match the B2MML V0701 schedule schema"),
        "doctype": (good.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM '
                                        b'"file:///etc/passwd">]>', 1), "DOCTYPE"),
        "item": (good.replace(b"<MaterialDefinitionID>STEEL<",
                              b"<MaterialDefinitionID>IRON<"),
                 "MaterialDefinitionID: item 'IRON' is unknown to Gemba"),
        "unit": (good.replace(b">kg<", b">lbs<"), "unit 'lbs' is unknown"),
        "not b2mml": (b'<?xml version="1.0"?><Order xmlns="urn:x"/>', "is not B2MML"),
    }
    before = work_orders(gemba)
    for name, (data, words) in files.items():
        r = b2mml("import", written(tmp_path / f"{name}.xml", data))
        assert r.exit_code == 1, (name, r.output)
        assert "error:" in r.output and words in said(r), (name, r.output)
        assert "Traceback" not in r.output
    for args in (["export", "EXT-1", "--side", "plc"],
                 ["export", "EXT-1", "--side", "mes", "--version", "V9"],
                 ["export", "NOPE", "--side", "mes"]):
        r = b2mml(*args)
        assert r.exit_code == 1 and "error:" in r.output, (args, r.output)
    assert work_orders(gemba) == before == 0
