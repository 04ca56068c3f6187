"""Bench: stock moves/s and journal entries/s through the service layer, SQLite vs PostgreSQL.

Posts stock documents through ``post_moves`` (receipts from suppliers, transfers between
bins, deliveries to customers) over N items with mixed costing methods (standard, moving
average, FIFO): every move checked, balanced on-hand updated with its no-negative guard,
valued, and journalised (one journal entry per valued document) in the same transaction.
Then manual journal entries through ``create_manual_entry``. At the end it checks every
invariant: balances equal the ledger, valuation equals the Inventory account, the trial
balance balances.

    python bench/erp_ledger.py [--quick] [--docs N] [--lines L ...]

Each document size is measured separately (default: 10-line documents as people enter them,
100-line documents as a bulk receipt or an MES backflush sends them): the per-document cost
(one number, one journal entry, one commit) is fixed, the per-move cost is not.
Prints one JSON line last: moves/s per size and entries/s per backend, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg

from gemba.bootstrap import bootstrap
from gemba.core.config import load_settings
from gemba.core.db.migrate import upgrade
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.journal import (
    EntryLineIn,
    ManualEntryIn,
    account_balance,
    account_balances,
    create_manual_entry,
)
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.location import LocationIn, create_location
from gemba.erp.inventory.stock import ledger_matches_balances, moves_value
from gemba.erp.inventory.valuation import inventory_value

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
METHODS = ["standard", "average", "fifo"]


def setup(gemba, n_items: int) -> list[str]:
    codes = [f"P{i:05d}" for i in range(n_items)]
    with gemba.uow() as uow:
        create_location(uow, LocationIn(code="WH/B", name="Bin B", warehouse="WH"))
        for i, code in enumerate(codes):
            create_item(uow, ItemIn(code=code, name=f"Part {i}", type="purchased", uom="ea",
                                    costing_method=METHODS[i % 3],
                                    standard_cost=Decimal(i % 50 + 1) / 10))
        uow.commit()
    return codes


def post_stock(gemba, codes: list[str], docs: int, lines: int) -> tuple[int, int, float]:
    """Receipts, transfers and deliveries in the ratio 2:1:1, ``lines`` moves each."""
    rng = random.Random(lines)
    moves = entries = 0
    held = {c: 0 for c in codes}  # in WH/STOCK
    t0 = time.perf_counter()
    for d in range(docs):
        kind = ("receipt", "receipt", "transfer", "delivery")[d % 4]
        batch = rng.sample(codes, lines)
        with gemba.uow() as uow:
            if kind == "receipt":
                mv = [MoveIn(c, Decimal(rng.randint(10, 50)), "SUPPLIER", "WH/STOCK",
                             unit_cost=Decimal(rng.randint(10, 900)) / 100) for c in batch]
            elif kind == "transfer":
                mv = [MoveIn(c, Decimal(1), "WH/STOCK", "WH/B") for c in batch if held[c] >= 1]
            else:
                mv = [MoveIn(c, Decimal(min(held[c], 5)), "WH/STOCK", "CUSTOMER")
                      for c in batch if held[c] >= 1]
            if not mv:
                continue
            post_moves(uow, mv, doc_type=kind, doc_ref=f"B{lines}-{d}", day=date.today())
            uow.commit()
        for m in mv:
            held[m.item] += int(m.qty) if m.from_location == "SUPPLIER" else -int(m.qty)
        moves += len(mv)
        entries += kind != "transfer"
    return moves, entries, time.perf_counter() - t0


def post_entries(gemba, n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        amount = Decimal(100 + i % 900) / 10
        with gemba.uow() as uow:
            create_manual_entry(uow, ManualEntryIn(date=date.today(), memo=f"rent {i}", lines=[
                EntryLineIn(account="6100", debit=amount),
                EntryLineIn(account="1000", credit=amount)]))
            uow.commit()
    return time.perf_counter() - t0


def check(gemba) -> bool:
    with gemba.uow() as uow:
        totals = account_balances(uow)
        return (ledger_matches_balances(uow)
                and inventory_value(uow) == moves_value(uow) == account_balance(uow, "1300")
                and sum(d for d, _ in totals.values()) == sum(c for _, c in totals.values()))


def run(url: str, var: Path, args: argparse.Namespace) -> dict[str, float | bool | int]:
    upgrade(url)
    gemba = bootstrap(load_settings(env={"GEMBA_DATABASE_URL": url, "GEMBA_VAR_DIR": str(var),
                                         "GEMBA_SECRET_KEY": "bench-secret-key-0123456789"}))
    try:
        codes = setup(gemba, args.items)
        out: dict[str, float | bool | int] = {}
        for lines in args.lines:
            moves, stock_entries, stock_s = post_stock(gemba, codes, args.docs, lines)
            out[f"moves_{lines}_lines"] = moves
            out[f"moves_per_s_{lines}_lines"] = round(moves / stock_s, 1)
            out[f"stock_entries_per_s_{lines}_lines"] = round(stock_entries / stock_s, 1)
        entries_s = post_entries(gemba, args.entries)
        ok = check(gemba)
    finally:
        gemba.close()
    return {**out, "manual_entries": args.entries,
            "journal_entries_per_s": round(args.entries / entries_s, 1),
            "invariants_ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small size, under a minute")
    parser.add_argument("--docs", type=int, default=None, help="stock documents to post")
    parser.add_argument("--lines", type=int, nargs="+", default=[10, 100],
                        help="moves per stock document (one run per size)")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--entries", type=int, default=None, help="manual journal entries")
    args = parser.parse_args()
    args.docs = args.docs or (40 if args.quick else 400)
    args.entries = args.entries or (200 if args.quick else 2000)
    results: dict[str, object] = {"bench": "erp_ledger", "docs_per_size": args.docs,
                                  "lines_per_doc": args.lines}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", Path(tmp) / "var1", args)
        name = f"gemba_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            results["postgresql"] = run(f"postgresql+psycopg://postgres@127.0.0.1/{name}",
                                        Path(tmp) / "var2", args)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore
    sq, pg = results["sqlite"], results["postgresql"]
    for lines in args.lines:
        key = f"moves_per_s_{lines}_lines"
        results[f"pg_over_sqlite_{key}"] = round(pg[key] / sq[key], 2)  # type: ignore
    results["pg_over_sqlite_entries"] = round(
        pg["journal_entries_per_s"] / sq["journal_entries_per_s"], 2)  # type: ignore
    print(json.dumps(results))
    if not (sq["invariants_ok"] and pg["invariants_ok"]):  # type: ignore
        sys.exit("invariants broken")


if __name__ == "__main__":
    main()
