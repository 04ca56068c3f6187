"""Work units on the shop floor. Each work center is one machine with its calendar; when
idle on shift it takes the most urgent job from the MES dispatch lists (its own, and those of
the work centers it is an alternative for, on the operations the routing allows), finds a
free qualified operator, checks the kit, then sets up and runs piece by piece with scattered
cycle times, scrap, and breakdowns (pause, repair, resume). It reports what it did through
the operator (``operators.Terminal``), at least at the end of each shift.

The reported ``minutes`` are setup plus run time: what the MES books as the operation's
machine time (AUPT in ISO 22400 terms); time lost to breakdowns and waiting is not in it.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from simpy.events import Event
from sqlalchemy import func, select

from gemba.core.db.uow import UnitOfWork
from gemba.erp.catalog.item import Item, Tracking
from gemba.erp.inventory.ledger import StockBalance
from gemba.erp.inventory.location import Location, Locations
from gemba.erp.inventory.lot import Lot
from gemba.mes.execution_event import EventKind, ExecutionEvent
from gemba.mes.material_lot import MesMaterialLot
from gemba.mes.work_order import (
    WORKABLE,
    DispatchEntry,
    OperationStatus,
    WorkMaterial,
    WorkOperation,
    WorkOrder,
    dispatch_list,
)
from gemba.sim.actors.operators import OPERATOR, Crew, Terminal
from gemba.sim.plant import Operator, WorkCenter
from gemba.sim.profile import WorkCenterBehaviour
from gemba.sim.world import Process, SimActor, Simulation

ZERO = Decimal(0)
OS = OperationStatus
REPORT_EVERY = 180.0   # minutes of work between two completion reports
MIN_SLOT = 5.0         # do not start a job with less shift left than this
REFRESH_EVERY = 60.0   # minutes between two fresh reads of every dispatch list


def lognormal(rng: random.Random, mean: float, cv: float) -> float:
    """A positive draw with the given mean and coefficient of variation."""
    if cv <= 0:
        return mean
    sigma = math.sqrt(math.log(1 + cv * cv))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


@dataclass(frozen=True)
class Material:
    item: str
    qty: Decimal  # for the whole work order


@dataclass(frozen=True)
class Job:
    """A dispatch entry, copied out of the session that read it."""

    number: str
    wo_qty: Decimal
    product: str
    priority: int
    due_key: float
    wo_id: int
    seq: int
    status: OperationStatus
    work_center: str
    setup: float
    run: float
    skills: tuple[str, ...]
    remaining: int
    done: Decimal          # good + scrap reported on the operation
    is_last: bool
    output_lot: str | None
    materials: tuple[Material, ...]
    centers: frozenset[str]  # every work center of the work order

    @property
    def key(self) -> tuple[str, int]:
        return self.number, self.seq

    def sort_key(self) -> tuple[int, float, int]:
        return -self.priority, self.due_key, self.wo_id


def job_of(entry: DispatchEntry) -> Job:
    wo, op = entry.work_order, entry.operation
    first = op is wo.operations[0]
    mats = tuple(Material(m.item, m.qty) for m in wo.materials
                 if m.segment_id == op.segment_id or (m.segment_id is None and first))
    done = op.qty_good + op.qty_scrap
    remaining = wo.input_qty(op) - done
    return Job(number=wo.number, wo_qty=wo.qty, product=wo.product, priority=wo.priority,
               due_key=wo.due.timestamp(), wo_id=wo.id, seq=op.seq, status=op.status,
               work_center=op.work_center or "", setup=float(op.setup_minutes),
               run=float(op.run_minutes_per_unit), skills=tuple(op.skills),
               remaining=max(int(math.ceil(remaining)), 0),
               done=done, is_last=op is wo.operations[-1], output_lot=op.output_lot,
               materials=mats,
               centers=frozenset(o.work_center for o in wo.operations if o.work_center))


@dataclass
class OpState:
    """What the floor remembers of an operation between shifts."""

    set_up: bool = False
    minutes: float = 0.0        # worked, not reported yet
    short: bool = False         # paused for a material shortage
    kitted: bool = False


@dataclass
class Machine:
    center: WorkCenter
    behaviour: WorkCenterBehaviour
    rng: random.Random
    serves: list[str] = field(default_factory=list)  # dispatch lists it takes work from
    to_failure: float = math.inf                      # busy minutes until it breaks down

    @property
    def code(self) -> str:
        return self.center.code

    def draw_failure(self) -> None:
        mtbf = self.behaviour.mtbf
        self.to_failure = self.rng.expovariate(1 / mtbf) if mtbf > 0 else math.inf


class Floor(SimActor):
    name = "floor"

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        plant = sim.plant
        self.crew = Crew(sim, plant.operators)
        self.machines: list[Machine] = []
        for code, wc in sorted(plant.work_centers.items()):
            m = Machine(wc, sim.profile.work_center(code), sim.rng(f"machine/{code}"))
            m.draw_failure()
            self.machines.append(m)
        for m in self.machines:
            m.serves = [m.code] + sorted({plant.primaries[key] for key, alts in
                                         plant.alternatives.items()
                                         if m.code in alts} - {m.code})
        self.lists: dict[str, list[Job]] = {}
        self.dirty: set[str] = set(plant.work_centers)
        self.claimed: set[tuple[str, int]] = set()
        self.blocked: dict[tuple[str, int], float] = {}  # refused: not before this minute
        self.ops: dict[tuple[str, int], OpState] = {}
        self.allocated: dict[str, dict[str, Decimal]] = {}  # work order -> item -> qty
        self._stock: dict[str, Decimal] | None = None
        self._changed: Event = sim.env.event()

    # --- signals -------------------------------------------------------------------------
    def start(self) -> None:
        self.sim.on("work_released", self._all_dirty)
        self.sim.on("stock_changed", self._stock_changed)
        for key in self.sim.read(_unkitted_started_operations):
            self.ops[key] = OpState(short=True)  # left started by an earlier run: kit first
        for m in self.machines:
            self.sim.env.process(self._machine(m))
        self.sim.env.process(self._refresh())

    def _refresh(self) -> Process:
        """Read the dispatch lists afresh every hour: people at the real terminal (a live
        demo) change the floor too."""
        while True:
            yield self.sim.env.timeout(REFRESH_EVERY)
            self._all_dirty()

    def _all_dirty(self) -> None:
        self.dirty.update(self.sim.plant.work_centers)
        self._wake()

    def _stock_changed(self) -> None:
        self._stock = None
        self._wake()

    def _wake(self) -> None:
        if not self._changed.triggered:
            self._changed.succeed()
        self._changed = self.sim.env.event()

    def _touched(self, job: Job) -> None:
        self.dirty.update(job.centers)
        self._stock = None

    # --- a machine's day -----------------------------------------------------------------
    def _machine(self, m: Machine) -> Process:
        clock = self.sim.clock
        while True:
            window = m.center.pattern.next_window(clock, self.sim.now)
            if window is None:
                return
            start, end = window
            if start > self.sim.now:
                yield self.sim.wait_until(start)
            while self.sim.now < end - MIN_SLOT:
                picked = self._pick(m, end)
                if picked is None:
                    yield self._changed | self.sim.wait_until(end)
                    continue
                job, person, until = picked
                yield from self._work(m, job, person, until)
            if self.sim.now < end:
                yield self.sim.wait_until(end)

    def _jobs(self, m: Machine) -> list[Job]:
        out = []
        for code in m.serves:
            if code in self.dirty:
                self.lists[code] = self.sim.read(
                    lambda uow, c=code: [job_of(e) for e in dispatch_list(uow, c)], OPERATOR)
                self.dirty.discard(code)
            for job in self.lists.get(code, []):
                if code == m.code or m.code in self.sim.plant.alternatives.get(
                        (job.product, job.seq), {}):
                    out.append(job)
        return sorted(out, key=Job.sort_key)

    def _pick(self, m: Machine, end: float) -> tuple[Job, Operator, float] | None:
        now = self.sim.now
        if not self.crew.on_shift(now):
            return None
        for job in self._jobs(m):
            if job.key in self.claimed or job.remaining <= 0 \
                    or self.blocked.get(job.key, -1.0) > now:
                continue
            found = self.crew.find(job.skills, now)
            if found is None:
                continue
            person, off = found
            state = self.ops.setdefault(job.key, OpState())
            if self._needs_kit(job, state):
                missing = self._missing(job)
                if missing:
                    if not state.short and job.status == OS.PENDING:
                        self._report_shortage(job, person, state, missing)
                    continue
            until = min(end, off)
            # enough shift left for a piece (and the setup, when not set up yet)
            piece = job.run * m.behaviour.speed
            slot = piece if state.set_up else min(job.setup + piece, 60.0)
            if until - now < max(slot, MIN_SLOT):
                continue
            self.claimed.add(job.key)
            self.crew.take(person)
            return job, person, until
        return None

    def _report_shortage(self, job: Job, person: Operator, state: OpState,
                         missing: list[str]) -> None:
        """The operator sets up for the job, finds parts missing and stops the clock."""
        hands = Terminal(self.sim, person)
        if hands.start(job.number, job.seq):
            hands.pause(job.number, job.seq, "material shortage: " + ", ".join(missing))
            state.short = True
            self.sim.stats["material_shortages"] += 1
        self._touched(job)

    # --- working a job -------------------------------------------------------------------
    def _work(self, m: Machine, job: Job, person: Operator, until: float) -> Process:
        hands = Terminal(self.sim, person)
        state = self.ops.setdefault(job.key, OpState())
        began = self.sim.now
        try:
            if job.status == OS.PENDING:
                ok = hands.start(job.number, job.seq)
            elif job.status == OS.PAUSED:
                ok = hands.resume(job.number, job.seq)
            else:
                ok = True  # running (e.g. left so by an earlier run): carry on
            if not ok:
                self.blocked[job.key] = self.sim.now + 60  # look again in an hour
                return
            if self._needs_kit(job, state) and not self._kit(job, hands, state):
                hands.pause(job.number, job.seq, "material shortage")
                state.short = True
                self.sim.stats["material_shortages"] += 1
                return
            state.short = False
            yield from self._run(m, job, hands, state, until)
        finally:
            if self.sim.now == began:  # nothing could be done: not again this shift
                self.blocked[job.key] = until
            self.claimed.discard(job.key)
            self.crew.release(person)
            self._touched(job)
            self._wake()

    def _run(self, m: Machine, job: Job, hands: Terminal, state: OpState,
             until: float) -> Process:
        rng, b = m.rng, m.behaviour
        if not state.set_up:
            yield from self._busy(m, job, hands, lognormal(rng, job.setup * self.sim.profile
                                                           .setup_speed, 0.2), state)
            state.set_up = True
        item = self.sim.plant.items.get(job.product)
        tracking = item.tracking if item is not None else Tracking.NONE
        serial = job.is_last and tracking == Tracking.SERIAL
        if job.is_last and tracking == Tracking.LOT and not job.output_lot:
            hands.produce(job.number, job.seq, lot=_lot_name(job))
        alt = self.sim.plant.alternatives.get((job.product, job.seq), {})
        rate = float(alt[m.code]) if m.code != job.work_center and alt.get(m.code) else job.run
        good = scrap = 0
        reasons: Counter[str] = Counter()
        done = 0
        left = job.remaining
        while left > 0:
            unit = lognormal(rng, rate * b.speed, b.cv)
            if self.sim.now + unit > until:
                break
            yield from self._busy(m, job, hands, unit, state)
            scrapped = rng.random() < b.scrap
            left -= 1
            if serial:
                index = int(job.done) + done + 1
                if not scrapped:
                    hands.produce(job.number, job.seq, serial=f"{job.number}-{index:02d}")
                reason = rng.choice(b.scrap_reasons) if scrapped else None
                self._report(job, hands, state, int(not scrapped), int(scrapped), reason)
                done += 1
                continue
            if scrapped:
                scrap += 1
                reasons[rng.choice(b.scrap_reasons)] += 1
            else:
                good += 1
            if state.minutes >= REPORT_EVERY and left > 0:
                self._report(job, hands, state, good, scrap, _reason(reasons))
                done += good + scrap
                good = scrap = 0
                reasons.clear()
        if good + scrap:
            self._report(job, hands, state, good, scrap, _reason(reasons))
        if left > 0:
            hands.pause(job.number, job.seq, "end of shift")
            self.sim.stats["shift_end_pauses"] += 1
        else:
            self.ops.pop(job.key, None)
            if job.materials:
                self.allocated.pop(job.number, None)

    def _report(self, job: Job, hands: Terminal, state: OpState, good: int, scrap: int,
                reason: str | None) -> None:
        if hands.complete(job.number, job.seq, good, scrap, reason, state.minutes):
            state.minutes = 0.0
            self.sim.stats["completions"] += 1
            if job.materials and job.number in self.allocated:
                self._shrink_allocation(job, good + scrap)
            self._stock = None
            self.sim.emit("stock_changed")

    def _busy(self, m: Machine, job: Job, hands: Terminal, minutes: float,
              state: OpState) -> Process:
        """Work ``minutes`` on the machine; a failure in between pauses the operation for
        the repair (that time is not reported as worked)."""
        left = minutes
        while left > 0:
            if m.to_failure >= left:
                yield self.sim.env.timeout(left)
                m.to_failure -= left
                state.minutes += left
                return
            yield self.sim.env.timeout(m.to_failure)
            left -= m.to_failure
            state.minutes += m.to_failure
            failure = m.rng.choice(m.behaviour.failures)
            hands.pause(job.number, job.seq, f"breakdown: {failure}")
            self.sim.stats["breakdowns"] += 1
            yield self.sim.env.timeout(lognormal(m.rng, m.behaviour.mttr, 0.5))
            hands.resume(job.number, job.seq)
            m.draw_failure()

    # --- materials -----------------------------------------------------------------------
    def _needs_kit(self, job: Job, state: OpState) -> bool:
        return bool(job.materials) and not state.kitted and (
            job.status == OS.PENDING or state.short)

    def _needs(self, job: Job) -> dict[str, Decimal]:
        """What the rest of the operation needs of each material."""
        share = Decimal(job.remaining) / job.wo_qty
        return {m.item: m.qty * share for m in job.materials}

    def _free(self) -> dict[str, Decimal]:
        if self._stock is None:
            self._stock = self.sim.read(_free_stock)
        return self._stock

    def _missing(self, job: Job) -> list[str]:
        free = self._free()
        out = []
        for item, need in sorted(self._needs(job).items()):
            others = sum((a.get(item, ZERO) for n, a in self.allocated.items()
                          if n != job.number), ZERO)
            if free.get(item, ZERO) - others < need:
                out.append(item)
        return out

    def _kit(self, job: Job, hands: Terminal, state: OpState) -> bool:
        """Issue what must be taken now: lot-tracked materials are scanned lot by lot
        (first expiring first) and materials the sales desk may reserve too are counted
        out - their whole need, rounded up to the unit's precision. The rest is earmarked
        here and backflushed with the completions (nothing else takes it meanwhile)."""
        if self._missing(job):
            return False
        plant = self.sim.plant
        keep: dict[str, Decimal] = {}
        for item, need in sorted(self._needs(job).items()):
            info = plant.items.get(item)
            lotted = info is not None and info.tracking != Tracking.NONE
            if info is None or not (lotted or item in plant.sellable):
                keep[item] = need
                continue
            qty = need.quantize(Decimal(1).scaleb(-info.precision), rounding=ROUND_CEILING)
            takes = (self.sim.read(lambda uow, i=item, q=qty: _lots_for(uow, i, q)) if lotted
                     else [(None, qty)])
            for lot, take in takes:
                if not hands.consume(job.number, job.seq, item, lot, take):
                    return False
                self.sim.stats["lots_consumed" if lot else "parts_issued"] += 1
        self.allocated[job.number] = keep
        state.kitted = True
        self._stock = None
        return True

    def _shrink_allocation(self, job: Job, reported: int) -> None:
        """The backflush took the reported pieces' share: earmark only the rest."""
        alloc = self.allocated[job.number]
        for m in job.materials:
            if m.item in alloc:
                alloc[m.item] = max(alloc[m.item] - m.qty / job.wo_qty * reported, ZERO)


def _reason(reasons: Counter[str]) -> str | None:
    return ", ".join(sorted(reasons)) if reasons else None


def _lot_name(job: Job) -> str:
    return f"{job.product}-{job.number.rsplit('-', 1)[-1]}"


def _unkitted_started_operations(uow: UnitOfWork) -> list[tuple[str, int]]:
    """First operations left running or paused (e.g. by a stopped demo) of work orders that
    have materials but consumed none yet."""
    consumed = select(ExecutionEvent.work_order_id).where(
        ExecutionEvent.kind == EventKind.CONSUME)
    rows = uow.session.execute(
        select(WorkOrder.number, WorkOperation.seq, WorkOperation.segment_id)
        .join(WorkOperation, WorkOperation.work_order_id == WorkOrder.id)
        .where(WorkOrder.status.in_(list(WORKABLE)),
               WorkOperation.status.in_([OS.RUNNING, OS.PAUSED]),
               WorkOrder.id.in_(select(WorkMaterial.work_order_id)),
               WorkOrder.id.not_in(consumed))
        .order_by(WorkOrder.number, WorkOperation.seq)).all()
    firsts = dict(uow.session.execute(
        select(WorkOrder.number, func.min(WorkOperation.seq))
        .join(WorkOperation, WorkOperation.work_order_id == WorkOrder.id)
        .group_by(WorkOrder.number)).all())
    return [(number, seq) for number, seq, _ in rows if firsts.get(number) == seq]


def _free_stock(uow: UnitOfWork) -> dict[str, Decimal]:
    """Unreserved stock per item in the location production draws from (lots on hold
    excluded): what the ERP will let a consumption take."""
    out: dict[str, Decimal] = {}
    for code, on_hand, reserved in uow.session.execute(  # summed here: exact on SQLite too
            select(Item.code, StockBalance.qty_on_hand, StockBalance.qty_reserved)
            .join(Item, Item.id == StockBalance.item_id)
            .join(Location, Location.id == StockBalance.location_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .where(Location.code == Locations.STOCK,
                   (Lot.id.is_(None)) | (Lot.on_hold.is_(False)))):
        out[code] = out.get(code, ZERO) + on_hand - reserved
    return out


def _lots_for(uow: UnitOfWork, item: str, qty: Decimal) -> list[tuple[str | None, Decimal]]:
    """Which lots to scan for ``qty``: free in the ERP and usable in the MES, first expiring
    first (then by lot code)."""
    mes = {r.lot: r.available for r in uow.session.scalars(
        select(MesMaterialLot).where(MesMaterialLot.item == item,
                                     MesMaterialLot.blocked.is_(False)))}
    rows = uow.session.execute(
        select(Lot.code, Lot.expiry_date, StockBalance.qty_on_hand, StockBalance.qty_reserved)
        .join(StockBalance, StockBalance.lot_id == Lot.id)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Item, Item.id == Lot.item_id)
        .where(Item.code == item, Location.code == Locations.STOCK, Lot.on_hold.is_(False))
        .order_by(Lot.expiry_date, Lot.code)).all()
    out: list[tuple[str | None, Decimal]] = []
    left = qty
    for code, _expiry, on_hand, reserved in sorted(
            rows, key=lambda r: (r[1] is None, r[1] or date.max, r[0])):
        if left <= 0:
            break
        usable = min(on_hand - reserved, mes.get(code, ZERO))
        if usable <= 0:
            continue
        take = min(usable, left)
        out.append((code, take))
        left -= take
    return out
