"""Running MRP against the database: load, plan, store, in the caller's transaction.

``run_mrp`` is regenerative: everything is read, planned and the stored plan replaced.
``run_mrp_net_change`` re-plans only the items the caller says changed (and what they feed)
with ``engine.replan``. The engine keeps what net change needs in the ``Plan`` it returned,
so the last plan and the input it came from are cached in this process, keyed by the
database URL and checked against the newest stored run (its id and start time). When the
cache is missing or stale - another process ran MRP, the server restarted, the day or the
calendar changed, the last run was rolled back - net change falls back to a regenerative
run; the result is the same, only slower. Only items whose result differs are rewritten.

Runs are serialised (``store.lock_plan``); callers commit. The cyclic garbage collector is
paused during a run: a 10,000-item plan allocates millions of small objects (none of them in
cycles) and the collector's repeated passes over them cost as much as the planning itself.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict
from gemba.core.types import utcnow
from gemba.erp.planning import engine
from gemba.erp.planning.changes import consume_changes, pending_changes
from gemba.erp.planning.levels import BomCycle
from gemba.erp.planning.load import item_codes, planning_input, refresh_input
from gemba.erp.planning.model import Plan, PlanningInput
from gemba.erp.planning.store import MrpRun, Written, lock_plan, log_run, replace_plan, update_items

REGENERATIVE = "regenerative"
NET_CHANGE = "net_change"


@dataclass(frozen=True)
class _Cached:
    run_id: int
    started_at: datetime
    inp: PlanningInput
    plan: Plan


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the CLI, the API and the bench."""

    run_id: int
    mode: str  # what actually ran: a net change without a usable cache runs regenerative
    today: date
    items: int            # planned (regenerative) or re-written (net change)
    planned_orders: int   # in the whole plan
    exceptions: int
    rows_written: int
    seconds: float
    load_seconds: float
    plan_seconds: float
    store_seconds: float


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()
_SUMMARY = "mrp_summary"  # key of the last run's figures in the session's info


def _key(uow: UnitOfWork) -> str:
    return uow.session.get_bind().url.render_as_string(hide_password=False)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during the run; afterwards what the run left alive (the
    plan, cached for net change) goes straight to the oldest generation (freeze, unfreeze)
    instead of being scanned again as millions of young objects the moment the collector
    is back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def run_mrp(uow: UnitOfWork, today: date) -> Plan:
    """Regenerative MRP: plan everything and replace the stored plan."""
    uow.actor.require(Permission.PLANNING_WRITE)
    lock_plan(uow)
    top, _ = pending_changes(uow)
    with _gc_paused():
        plan = _regenerative(uow, today, time.perf_counter())
    consume_changes(uow, top)
    return plan


def run_mrp_net_change(uow: UnitOfWork, today: date,
                       changed_items: set[str] | None = None) -> Plan:
    """Net change: re-plan ``changed_items`` (every item whose master data, BOM, stock,
    demand or open orders changed since the last run) and what they feed. ``None``: the
    items recorded as changed since the last run (``changes``)."""
    uow.actor.require(Permission.PLANNING_WRITE)
    lock_plan(uow)
    top, recorded = pending_changes(uow)
    with _gc_paused():
        plan = _net_change(uow, today, recorded if changed_items is None
                           else set(changed_items))
    if changed_items is None:
        consume_changes(uow, top)
    return plan


def _net_change(uow: UnitOfWork, today: date, changed_items: set[str]) -> Plan:
    started = time.perf_counter()
    lock_plan(uow)
    key = _key(uow)
    with _lock:
        cached = _cache.get(key)
    newest = uow.session.execute(select(MrpRun.id, MrpRun.started_at)
                                 .order_by(MrpRun.id.desc()).limit(1)).first()
    if (cached is None or newest is None or cached.inp.today != today
            or (cached.run_id, cached.started_at) != (newest[0], newest[1])):
        return _regenerative(uow, today, started)
    codes = item_codes(uow)
    inp = refresh_input(uow, cached.inp, set(changed_items), codes)
    loaded = time.perf_counter()
    try:
        plan = engine.replan(cached.plan, inp, set(changed_items))
    except ValueError:  # e.g. a changed BOM names an item that was not reported
        return _regenerative(uow, today, started)
    planned = time.perf_counter()
    rewrite = _differing(cached.plan, plan)
    written = update_items(uow, plan, rewrite, {c: i for i, c in codes.items()})
    return _finish(uow, key, today, NET_CHANGE, inp, plan, len(rewrite), written,
                   (started, loaded, planned))


def _regenerative(uow: UnitOfWork, today: date, started: float) -> Plan:
    inp = planning_input(uow, today)
    loaded = time.perf_counter()
    plan = _plan(inp)
    planned = time.perf_counter()
    codes = {code: item_id for item_id, code in item_codes(uow).items()}
    written = replace_plan(uow, plan, codes)
    return _finish(uow, _key(uow), today, REGENERATIVE, inp, plan, len(inp.items), written,
                   (started, loaded, planned))


def _plan(inp: PlanningInput) -> Plan:
    try:
        return engine.plan(inp)
    except BomCycle as exc:
        raise Conflict(f"MRP cannot plan: {exc}; fix the BOMs in force today") from exc
    except ValueError as exc:
        raise Conflict(f"MRP cannot plan: {exc}") from exc


def _differing(old: Plan, new: Plan) -> set[str]:
    """Items whose planned orders, exceptions or MRP table differ between the plans."""
    if old.state is None or new.state is None:
        return set(new.records) | set(old.records)
    before, after = old.state.plans, new.state.plans
    out = set(before.keys() ^ after.keys())
    for code, result in after.items():
        previous = before.get(code)
        if previous is not None and previous is not result and previous != result:
            out.add(code)
    return out


def _finish(uow: UnitOfWork, key: str, today: date, mode: str, inp: PlanningInput, plan: Plan,
            items: int, written: Written, marks: tuple[float, float, float]) -> Plan:
    started, loaded, planned = marks
    stored = time.perf_counter()
    began = utcnow() - timedelta(seconds=stored - started)
    run = log_run(uow, started_at=began, today=today, mode=mode, items=items,
                  planned_orders=len(plan.planned_orders), exceptions=len(plan.exceptions),
                  duration_ms=int((stored - started) * 1000))
    with _lock:
        _cache[key] = _Cached(run.id, run.started_at, inp, plan)
    uow.session.info[_SUMMARY] = RunSummary(
        run.id, mode, today, items, len(plan.planned_orders), len(plan.exceptions),
        written.planned_orders + written.pegs + written.exceptions + written.records,
        stored - started, loaded - started, planned - loaded, stored - planned)
    return plan


def summary(uow: UnitOfWork) -> RunSummary | None:
    """The figures of the last run made in this unit of work."""
    found: RunSummary | None = uow.session.info.get(_SUMMARY)
    return found


def forget_cache() -> None:
    """Drop every cached plan (tests; a server that wants its memory back)."""
    with _lock:
        _cache.clear()
