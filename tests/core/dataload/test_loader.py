"""gemba load: all-or-nothing, every error with file, line and column."""

from pathlib import Path

from sqlalchemy import func, select

from gemba.bootstrap import data_files
from gemba.core.dataload.loader import dump_directory, load_directory
from gemba.erp.catalog.item import Item

HEADER = "code,name,type,uom,tracking,lead_time_days,lot_size_rule,lot_size_qty,min_qty," \
         "safety_stock,standard_cost\n"


def _write(d: Path, name: str, text: str) -> None:
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")


def _load(gemba, d: Path):
    with gemba.uow() as uow:
        return load_directory(uow, data_files(), d)


def _count(gemba) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Item))


def test_valid_items_load_and_quoted_fields_survive(gemba, tmp_path):
    _write(tmp_path / "in", "items.csv", HEADER
           + 'BOLT,"Bolt, M8 ""hex""",purchased,ea,none,5,lfl,0,100,50,0.12\n'
           + "FRAME,Frame,manufactured,ea,serial,2,fixed,10,0,0,80.5\n")
    result = _load(gemba, tmp_path / "in")
    assert result.ok, result.errors
    assert result.counts == {"items.csv": 2}
    with gemba.session_factory() as s:
        bolt = s.scalar(select(Item).where(Item.code == "BOLT"))
        assert bolt.name == 'Bolt, M8 "hex"' and bolt.min_qty == 100


def test_all_errors_are_reported_and_nothing_is_written(gemba, tmp_path):
    _write(tmp_path / "in", "items.csv", HEADER
           + "OK1,Fine,purchased,ea,none,0,lfl,0,0,0,1\n"
           + "BAD1,Bad uom,purchased,furlong,none,0,lfl,0,0,0,1\n"
           + "BAD2,Neg,purchased,ea,none,0,lfl,0,0,-5,1\n"
           + "BAD3,Type,bought,ea,none,0,lfl,0,0,0,1\n"
           + "OK1,Dup,purchased,ea,none,0,lfl,0,0,0,1\n"
           + "BAD4,Frac,purchased,ea,none,0,lfl,0,1.5,0,1\n")
    result = _load(gemba, tmp_path / "in")
    got = [(e.file, e.line, e.column) for e in result.errors]
    assert got == [("items.csv", 3, "uom"), ("items.csv", 4, "safety_stock"),
                   ("items.csv", 5, "type"), ("items.csv", 6, "code"),
                   ("items.csv", 7, "min_qty")]
    assert "furlong" in str(result.errors[0])
    assert _count(gemba) == 0


def test_malformed_csv_and_unknown_file_are_errors(gemba, tmp_path):
    _write(tmp_path / "in", "items.csv", HEADER + 'X,"unterminated,purchased,ea\n')
    _write(tmp_path / "in", "colours.csv", "a,b\n1,2\n")
    result = _load(gemba, tmp_path / "in")
    messages = [str(e) for e in result.errors]
    assert any(m.startswith("colours.csv: unknown file name") for m in messages)
    assert any(m.startswith("items.csv:") and "malformed" in m or "fields" in m
               for m in messages)
    assert _count(gemba) == 0


def test_header_problems_name_the_column(gemba, tmp_path):
    _write(tmp_path / "in", "items.csv", "code,name,type,colour\nA,B,purchased,red\n")
    result = _load(gemba, tmp_path / "in")
    assert {(e.line, e.column) for e in result.errors} == {(1, "uom"), (1, "colour")}


def test_dump_then_load_round_trips(gemba, tmp_path):
    _write(tmp_path / "in", "items.csv", HEADER
           + "A,Alpha,purchased,kg,lot,3,poq,2,0.5,1.25,9.99\n")
    assert _load(gemba, tmp_path / "in").ok
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), tmp_path / "out")
    first = (tmp_path / "out" / "items.csv").read_text()
    # Re-loading the dump updates in place and changes nothing.
    assert _load(gemba, tmp_path / "out").ok
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), tmp_path / "out2")
    assert (tmp_path / "out2" / "items.csv").read_text() == first
    assert "A,Alpha,purchased,kg,lot,3,poq,2,0.5,1.25,9.99" in first
