"""Bench: MRP end to end against the database, SQLite vs PostgreSQL, plants of growing size.

For each size (1k, 10k, 50k items; 5 BOM levels, about 5 lines per parent, 10 demands per end
item) the synthetic plant of ``gemba.erp.planning.sample_plant`` is written INTO the
database with bulk inserts (items, BOMs, the COMPANY calendar, stock balances, confirmed
sales orders and forecasts, open purchase orders, kitted and un-kitted production orders with
their components), then timed:

- ``run_mrp``: regenerative, end to end - load from the database, plan, replace the stored
  plan (planned orders with pegging, exceptions, MRP tables), commit;
- ``run_mrp_net_change``: one new sales order for one end item, entered through the sales
  service, re-planned with net change (the cache of the regenerative run), commit.

Checks: the plan read from the database equals the engine's plan of the generated input
(so the load is faithful), and the net change equals a regenerative plan of the new input.

    python bench/mrp.py [--quick] [--sizes 1000 10000 ...] [--backends sqlite postgresql]

``--quick``: 1k only (under a minute). Prints one JSON line last with every figure: wall
seconds, and this process's CPU seconds (``*_cpu_s``: Python and SQLite, not the PostgreSQL
server), which a shared, noisy machine disturbs less.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select, text

from gemba.bootstrap import Gemba, bootstrap
from gemba.core.config import load_settings
from gemba.core.db.migrate import upgrade
from gemba.erp.catalog.uom import Uom
from gemba.erp.inventory.location import Location, Locations
from gemba.erp.planning import engine
from gemba.erp.planning.load import planning_input
from gemba.erp.planning.model import PlanningInput
from gemba.erp.planning.run import run_mrp, run_mrp_net_change, summary
from gemba.erp.planning.sample_plant import TODAY, generate_plant
from gemba.erp.planning.store import count_rows
from gemba.erp.sales.sales_order import (
    SalesOrderIn,
    SalesOrderLineIn,
    confirm_sales_order,
    create_sales_order,
)

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_NAME = "gemba_bench_mrp"
NOW = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)


# --- writing the plant --------------------------------------------------------------------

def _bulk(gemba: Gemba, conn: Any, table: str, columns: list[str],
          rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, executemany on SQLite: setup must not dominate the bench."""
    if not rows:
        return
    if gemba.engine.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    def lit(v: Any) -> Any:
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if hasattr(v, "isoformat"):
            return v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [tuple(lit(v) for v in row) for row in rows])


def write_plant(gemba: Gemba, inp: PlanningInput) -> dict[str, int]:
    """The generated plant as database rows; ids are given explicitly (fresh database), the
    PostgreSQL sequences are moved past them afterwards."""
    counts: dict[str, int] = {}
    with gemba.session_factory() as session, session.begin():
        conn = session.connection()
        uoms = {code: uom_id for code, uom_id in session.execute(select(Uom.code, Uom.id))}
        stock_id = session.scalar(select(Location.id).where(Location.code == Locations.STOCK))
        ids = {code: n for n, code in enumerate(inp.items, start=1)}
        ts = (NOW, NOW, 1)
        items = []
        for code, it in inp.items.items():
            kind = "phantom" if it.phantom else "manufactured" if it.make else "purchased"
            items.append((ids[code], code, f"Item {code}", kind,
                          uoms["kg" if it.precision else "ea"], "none", Decimal(0), "standard",
                          it.lead_time_days, it.lot_size_rule, it.lot_size_qty, it.min_qty,
                          it.safety_stock, *ts))
        _bulk(gemba, conn, "erp_items",
              ["id", "code", "name", "type", "uom_id", "tracking", "standard_cost",
               "costing_method", "lead_time_days", "lot_size_rule", "lot_size_qty", "min_qty",
               "safety_stock", "created_at", "updated_at", "version"], items)
        boms, lines = [], []
        for code, it in inp.items.items():
            if not it.bom:
                continue
            bom_id = len(boms) + 1
            boms.append((bom_id, f"B{bom_id:07d}", ids[code], "1", "active", None, None,
                         Decimal(1), *ts))
            for seq, line in enumerate(it.bom, start=1):
                lines.append((len(lines) + 1, bom_id, seq * 10, ids[line.component],
                              line.qty_per, line.scrap_pct, NOW, NOW))
        _bulk(gemba, conn, "erp_boms",
              ["id", "number", "item_id", "revision", "status", "effective_from",
               "effective_to", "base_qty", "created_at", "updated_at", "version"], boms)
        _bulk(gemba, conn, "erp_bom_lines",
              ["id", "bom_id", "seq", "component_id", "qty_per", "scrap_pct", "created_at",
               "updated_at"], lines)
        counts.update(items=len(items), boms=len(boms), bom_lines=len(lines))

        _bulk(gemba, conn, "erp_calendars",
              ["id", "code", "name", "timezone", "created_at", "updated_at", "version"],
              [(1, "COMPANY", "Company", "UTC", *ts)])
        _bulk(gemba, conn, "erp_shifts",
              ["id", "calendar_id", "code", "weekday", "start_time", "end_time"],
              [(d + 1, 1, "DAY", d, "08:00:00", "16:00:00") for d in sorted(
                  inp.calendar.weekdays)])
        _bulk(gemba, conn, "erp_holidays", ["id", "calendar_id", "day", "name"],
              [(n, 1, day, "Holiday") for n, day in enumerate(sorted(inp.calendar.holidays),
                                                               start=1)])
        _bulk(gemba, conn, "erp_stock_balances",
              ["id", "item_id", "location_id", "lot_key", "lot_id", "qty_on_hand",
               "qty_reserved"],
              [(n, ids[code], stock_id, 0, None, qty, Decimal(0))
               for n, (code, qty) in enumerate(inp.on_hand.items(), start=1) if qty > 0])
        _bulk(gemba, conn, "erp_partners",
              ["id", "code", "name", "is_customer", "is_supplier", "payment_terms_days",
               *["created_at", "updated_at", "version"]],
              [(1, "CUST", "Customer", True, False, 30, *ts),
               (2, "SUPP", "Supplier", False, True, 30, *ts)])

        orders, so_lines, forecasts = [], [], []
        for dem in inp.demands:
            if dem.kind == "sales_order":
                oid = len(orders) + 1
                orders.append((oid, dem.ref, 1, min(dem.due, TODAY), dem.due, "confirmed",
                               None, "EUR", Decimal(0), None, *ts))
                so_lines.append((oid, oid, 10, ids[dem.item], dem.qty, Decimal(1), dem.due,
                                 Decimal(0), Decimal(0), Decimal(0)))
            else:
                forecasts.append((len(forecasts) + 1, ids[dem.item], dem.qty, dem.due, dem.ref,
                                  *ts))
        _bulk(gemba, conn, "erp_sales_orders",
              ["id", "number", "customer_id", "order_date", "requested_date", "status",
               "price_list_id", "currency", "tax_pct", "customer_ref", "created_at",
               "updated_at", "version"], orders)
        _bulk(gemba, conn, "erp_sales_order_lines",
              ["id", "order_id", "line_no", "item_id", "qty", "unit_price", "requested_date",
               "qty_delivered", "qty_invoiced", "qty_returned"], so_lines)
        _bulk(gemba, conn, "erp_forecasts",
              ["id", "item_id", "qty", "due_date", "ref", "created_at", "updated_at",
               "version"], forecasts)
        counts.update(sales_orders=len(orders), forecasts=len(forecasts))

        pos, po_lines, mos, comps = [], [], [], []
        for rec in inp.receipts:
            if rec.kind == "purchase_order":
                pid = len(pos) + 1
                pos.append((pid, rec.ref, 2, min(rec.due, TODAY), rec.due, "confirmed",
                            Decimal(0), None, None, *ts))
                po_lines.append((pid, pid, 1, ids[rec.item], rec.qty, Decimal(1), rec.due,
                                 Decimal(0), Decimal(0)))
                continue
            mid = len(mos) + 1
            start = min((c.due for c in rec.components), default=None)
            mos.append((mid, rec.ref, ids[rec.item], rec.qty, rec.due, start, 0, "released", 1,
                        None, None, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0),
                        Decimal(0), "", not rec.components, *ts))
            for n, need in enumerate(rec.components, start=1):
                comps.append((len(comps) + 1, mid, n * 10, ids[need.item],
                              (need.qty / rec.qty).quantize(Decimal("0.000001")), need.qty))
        _bulk(gemba, conn, "erp_purchase_orders",
              ["id", "number", "partner_id", "order_date", "expected_date", "status",
               "receipt_tolerance_pct", "notes", "close_reason", "created_at", "updated_at",
               "version"], pos)
        _bulk(gemba, conn, "erp_purchase_order_lines",
              ["id", "order_id", "line_no", "item_id", "qty", "unit_price", "expected_date",
               "qty_received", "qty_billed"], po_lines)
        _bulk(gemba, conn, "erp_production_orders",
              ["id", "number", "item_id", "qty", "due_date", "start_date", "priority",
               "status", "revision", "bom_number", "routing_number", "qty_good", "qty_scrap",
               "labour_minutes", "labour_cost", "machine_minutes", "machine_cost", "warnings",
               "kitted", "created_at", "updated_at", "version"], mos)
        _bulk(gemba, conn, "erp_production_order_components",
              ["id", "order_id", "line_no", "item_id", "qty_per", "qty_required"], comps)
        counts.update(purchase_orders=len(pos), production_orders=len(mos),
                      order_components=len(comps))
        if gemba.engine.dialect.name == "postgresql":
            for table in ("erp_items", "erp_boms", "erp_bom_lines", "erp_calendars",
                          "erp_shifts", "erp_holidays", "erp_stock_balances", "erp_partners",
                          "erp_sales_orders", "erp_sales_order_lines", "erp_forecasts",
                          "erp_purchase_orders", "erp_purchase_order_lines",
                          "erp_production_orders", "erp_production_order_components"):
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))
            session.execute(text("ANALYZE"))
    return counts


# --- one size on one backend --------------------------------------------------------------

def run_size(gemba: Gemba, n_items: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    inp = generate_plant(n_items)
    expected = engine.plan(inp)
    generated_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = write_plant(gemba, inp)
    write_s = time.perf_counter() - t0

    with gemba.uow(reason="bench mrp") as uow:
        t0, c0 = time.perf_counter(), time.process_time()
        plan = run_mrp(uow, TODAY)
        uow.commit()
        regen_s, regen_cpu = time.perf_counter() - t0, time.process_time() - c0
        regen = summary(uow)
        stored = count_rows(uow)
    assert regen is not None
    faithful = plan == expected

    end_item = next(code for code in sorted(inp.items) if code.startswith("L0-"))
    with gemba.uow(reason="bench new sales order") as uow:
        order = create_sales_order(uow, SalesOrderIn(
            customer="CUST", order_date=TODAY, lines=[SalesOrderLineIn(
                item=end_item, qty=Decimal(37), unit_price=Decimal(1),
                requested_date=TODAY + timedelta(days=20))]))
        confirm_sales_order(uow, order.number, day=TODAY)
        uow.commit()
    with gemba.uow(reason="bench mrp net change") as uow:
        t0, c0 = time.perf_counter(), time.process_time()
        net_plan = run_mrp_net_change(uow, TODAY, {end_item})
        uow.commit()
        net_s, net_cpu = time.perf_counter() - t0, time.process_time() - c0
        net = summary(uow)
        check_inp = planning_input(uow, TODAY)
    assert net is not None
    net_equal = net_plan == engine.plan(check_inp)
    n_orders = len(plan.planned_orders)
    return {
        "items": n_items, **counts, "planned_orders": n_orders, "pegs": stored["pegs"],
        "exceptions": len(plan.exceptions), "generate_and_pure_plan_s": round(generated_s, 3),
        "write_plant_s": round(write_s, 3),
        "regenerative_s": round(regen_s, 3), "regenerative_cpu_s": round(regen_cpu, 3),
        "regen_load_s": round(regen.load_seconds, 3),
        "regen_plan_s": round(regen.plan_seconds, 3),
        "regen_store_s": round(regen.store_seconds, 3),
        "planned_orders_per_s": round(n_orders / regen_s, 1),
        "net_change_s": round(net_s, 4), "net_change_cpu_s": round(net_cpu, 4),
        "net_change_mode": net.mode,
        "net_change_items_rewritten": net.items,
        "net_change_rows_written": net.rows_written,
        "db_plan_equals_engine_plan": faithful, "net_change_equals_regenerative": net_equal}


def _settings(url: str, var: Path):  # type: ignore[no-untyped-def]
    return load_settings(env={"GEMBA_DATABASE_URL": url, "GEMBA_VAR_DIR": str(var),
                              "GEMBA_SECRET_KEY": "bench-secret-key-0123456789"},
                         toml_path=var / "absent.toml")


def run_sqlite(root: Path, n_items: int) -> dict[str, Any]:
    url = f"sqlite:///{root / f'mrp-{n_items}.db'}"
    upgrade(url)
    gemba = bootstrap(_settings(url, root / "var"))
    try:
        return run_size(gemba, n_items)
    finally:
        gemba.close()


def run_postgres(root: Path, n_items: int) -> dict[str, Any]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')  # type: ignore[arg-type]
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_NAME}"
    try:
        upgrade(url)
        gemba = bootstrap(_settings(url, root / "var"))
        try:
            return run_size(gemba, n_items)
        finally:
            gemba.close()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k items only, under a minute")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    sizes = args.sizes or ([1000] if args.quick else [1000, 10_000, 50_000])
    figures: dict[str, Any] = {"bench": "mrp", "sizes": sizes}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for backend in args.backends:
            results = []
            for n in sizes:
                r = (run_sqlite if backend == "sqlite" else run_postgres)(root, n)
                results.append(r)
                ok = ok and r["db_plan_equals_engine_plan"] and r["net_change_equals_regenerative"]
                print(f"{backend} {n:>6} items: regenerative {r['regenerative_s']:.2f} s "
                      f"(load {r['regen_load_s']:.2f}, plan {r['regen_plan_s']:.2f}, store "
                      f"{r['regen_store_s']:.2f}; cpu {r['regenerative_cpu_s']:.2f}), "
                      f"{r['planned_orders']} planned orders, {r['pegs']} pegs, "
                      f"{r['planned_orders_per_s']:.0f} orders/s; net change "
                      f"{r['net_change_s'] * 1000:.0f} ms (cpu {r['net_change_cpu_s'] * 1000:.0f}"
                      f" ms, {r['net_change_mode']}, {r['net_change_items_rewritten']} items "
                      f"rewritten)", flush=True)
            figures[backend] = results
            if len(results) > 1:
                first, last = results[0], results[-1]
                figures[f"{backend}_scaling"] = round(
                    (last["regenerative_s"] / first["regenerative_s"])
                    / (last["items"] / first["items"]), 2)  # 1.0 = linear
    print(json.dumps(figures, separators=(",", ":")))
    if not ok:
        sys.exit("a plan read from the database differs from the engine's plan")


if __name__ == "__main__":
    main()
