"""Bench: `gemba load` throughput and `gemba audit verify` speed, SQLite vs PostgreSQL.

Generates N purchased items, N/4 manufactured items each with a 4-line BOM and a 2-operation
routing over 10 work centers, loads them through the all-or-nothing loader (one transaction,
one savepoint per record, audit trail written), dumps them, and verifies the audit chain.

    python bench/master_data_load.py [--quick] [--items N]

Prints one JSON line last: rows/s per backend and the SQLite/PostgreSQL ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from gemba.bootstrap import bootstrap, data_files
from gemba.core.audit.verify import verify_chain
from gemba.core.config import load_settings
from gemba.core.dataload.loader import dump_directory, load_directory
from gemba.core.db.migrate import upgrade

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def make_files(d: Path, n: int) -> int:
    rng = random.Random(42)
    d.mkdir(parents=True, exist_ok=True)
    made = max(1, n // 4)
    items = ["code,name,type,uom,standard_cost"]
    items += [f"P{i:06d},Part {i},purchased,ea,{rng.randint(1, 9999) / 100}" for i in range(n)]
    items += [f"M{i:06d},Assembly {i},manufactured,ea,0" for i in range(made)]
    boms = ["parent_code,component_code,qty_per,scrap_pct"]
    for i in range(made):
        for c in rng.sample(range(n), min(4, n)):
            boms.append(f"M{i:06d},P{c:06d},{rng.randint(1, 12)},{rng.choice([0, 0, 2, 5])}")
    wcs = ["code,name,site,hours_per_day"] + [f"WC{w},Center {w},PLANT1,16" for w in range(10)]
    routings = ["item_code,seq,operation,work_center,setup_min,run_min_per_unit"]
    for i in range(made):
        routings.append(f"M{i:06d},10,Prepare,WC{rng.randrange(10)},15,2.5")
        routings.append(f"M{i:06d},20,Assemble,WC{rng.randrange(10)},10,6")
    for name, lines in (("items", items), ("boms", boms), ("work_centers", wcs),
                        ("routings", routings)):
        (d / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(items) + len(boms) + len(wcs) + len(routings) - 4


def run(url: str, data: Path, rows: int, var: Path) -> dict[str, float]:
    upgrade(url)
    gemba = bootstrap(load_settings(env={"GEMBA_DATABASE_URL": url, "GEMBA_VAR_DIR": str(var),
                                         "GEMBA_SECRET_KEY": "bench-secret-key-0123456789"}))
    t0 = time.perf_counter()
    with gemba.uow() as uow:
        result = load_directory(uow, data_files(), data)
    load_s = time.perf_counter() - t0
    assert result.ok, result.errors[:5]
    t0 = time.perf_counter()
    with gemba.uow() as uow:
        dump_directory(uow, data_files(), var / "dump")
    dump_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with gemba.session_factory() as s:
        verified = verify_chain(s)
    verify_s = time.perf_counter() - t0
    assert verified.ok
    gemba.close()
    return {"load_rows_per_s": round(rows / load_s, 1), "load_s": round(load_s, 3),
            "dump_s": round(dump_s, 3), "audit_entries": verified.checked,
            "verify_entries_per_s": round(verified.checked / verify_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small size, well under a minute")
    parser.add_argument("--items", type=int, default=None)
    args = parser.parse_args()
    n = args.items or (400 if args.quick else 4000)
    figures: dict[str, object] = {"bench": "master_data_load", "items": n}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = make_files(root / "data", n)
        figures["rows"] = rows
        figures["sqlite"] = run(f"sqlite:///{root / 'bench.db'}", root / "data", rows,
                                root / "var-sqlite")
        print("sqlite", figures["sqlite"], flush=True)
        name = f"gemba_bench_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        except psycopg.Error as exc:
            figures["postgresql"] = f"unavailable: {exc}"
        else:
            try:
                figures["postgresql"] = run(f"postgresql+psycopg://postgres@127.0.0.1/{name}",
                                            root / "data", rows, root / "var-pg")
                print("postgresql", figures["postgresql"], flush=True)
                sq, pg = figures["sqlite"], figures["postgresql"]
                figures["pg_over_sqlite_load_ratio"] = round(
                    pg["load_rows_per_s"] / sq["load_rows_per_s"], 3)  # type: ignore[index]
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
