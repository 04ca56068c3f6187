"""boms.csv, work_centers.csv and routings.csv through the all-or-nothing loader."""

import shutil
from pathlib import Path

from sqlalchemy import func, select

from gemba.bootstrap import data_files
from gemba.cli.demo import DEMO_DIR
from gemba.core.dataload.loader import dump_directory, load_directory
from gemba.erp.catalog.bom import Bom
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel

ITEMS = ("code,name,type,uom\nP,Parent,manufactured,ea\nS,Sub,manufactured,ea\n"
         "C,Comp,purchased,kg\nSV,Service,service,ea\n")


def _load(gemba, d: Path):
    with gemba.uow() as uow:
        return load_directory(uow, data_files(), d)


def _files(d: Path, **files: str) -> Path:
    d.mkdir(exist_ok=True)
    for name, text in files.items():
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def _count(gemba, model) -> int:
    with gemba.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_demo_company_round_trips(gemba, tmp_path):
    assert _load(gemba, DEMO_DIR).ok
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), tmp_path / "a")
    parents = {row.split(",")[0] for row in
               (DEMO_DIR / "boms.csv").read_text(encoding="utf-8").splitlines()[1:] if row}
    assert _count(gemba, Bom) == len(parents) == 9
    # The dump loads into the same database as a no-op and dumps identically.
    assert _load(gemba, tmp_path / "a").ok
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), tmp_path / "b")
    for name in ("items.csv", "boms.csv", "work_centers.csv", "routings.csv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_sites_and_areas_are_created_for_work_centers(gemba, tmp_path):
    d = _files(tmp_path / "in", work_centers="code,name,site,hours_per_day\n"
               "W1,Weld,NORTH,16\nW2,Paint,SOUTH,8\n")
    assert _load(gemba, d).ok
    with gemba.session_factory() as s:
        sites = s.scalars(select(Equipment.code).where(
            Equipment.level == EquipmentLevel.SITE).order_by(Equipment.code)).all()
        w2 = s.scalar(select(Equipment).where(Equipment.code == "W2"))
    assert sites == ["NORTH", "SOUTH"] and w2.site_code == "SOUTH"


def test_bom_and_routing_errors_name_line_and_column(gemba, tmp_path):
    d = _files(
        tmp_path / "in", items=ITEMS,
        boms="parent_code,component_code,qty_per,scrap_pct\n"
             "P,S,1,0\n"
             "P,C,-2,0\n"          # line 3: negative qty
             "P,NOPE,1,0\n"        # line 4: unknown component
             "S,P,1,0\n"           # line 5: cycle P -> S -> P
             "C,S,1,0\n"           # line 6: purchased parent
             "S,C,0.5,100\n",      # line 7: scrap must be < 100
        work_centers="code,name,site,hours_per_day\nW1,Weld,PLANT,30\n",  # > 24 h
        routings="item_code,seq,operation,work_center,setup_min,run_min_per_unit\n"
                 "P,10,Assemble,NOWHERE,5,1\n")
    result = _load(gemba, d)
    got = {(e.file, e.line, e.column) for e in result.errors}
    assert ("boms.csv", 3, "qty_per") in got
    assert ("boms.csv", 4, "component_code") in got
    assert ("boms.csv", 6, "parent_code") in got
    assert ("boms.csv", 7, "scrap_pct") in got
    assert ("work_centers.csv", 2, "hours_per_day") in got
    assert ("routings.csv", 2, "work_center") in got
    assert _count(gemba, Bom) == 0 and _count(gemba, Equipment) == 0


def test_cycle_in_file_reports_the_path(gemba, tmp_path):
    d = _files(tmp_path / "in", items=ITEMS,
               boms="parent_code,component_code,qty_per\nP,S,1\nS,P,1\n")
    result = _load(gemba, d)
    assert len(result.errors) == 1
    err = result.errors[0]
    assert (err.file, err.line) == ("boms.csv", 3) and "P -> S -> P" in err.message.replace(
        "S -> P -> S", "P -> S -> P")
    assert _count(gemba, Bom) == 0


def test_later_files_see_earlier_rows_of_the_same_load(gemba, tmp_path):
    d = tmp_path / "in"
    shutil.copytree(DEMO_DIR, d)
    (d / "items.csv").write_text((d / "items.csv").read_text()
                                 + "BELL,Bell,purchased,ea,none,5,lfl,0,0,0,1.10\n")
    (d / "boms.csv").write_text((d / "boms.csv").read_text() + "BIKE-CITY,BELL,1,0\n")
    assert _load(gemba, d).ok
