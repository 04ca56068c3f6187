"""What the operator terminal shows, read through the MES services: who is at the station
(kept in the web session), the work centers with work, one job (a work order operation)
with its materials required vs consumed, and what a scanned code is among the job's
materials. Nothing here writes; the routes in ``terminal`` do, through the services."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gemba.core.db.uow import UnitOfWork
from gemba.core.listing import PageRequest
from gemba.core.types import utcnow
from gemba.mes import execution as ex
from gemba.mes import labour
from gemba.mes import work_order as wo_
from gemba.mes.material_lot import lots_by_code
from gemba.mes.personnel import MesPerson, find_person

ZERO = Decimal(0)
SESSION_KEY = "terminal_operator"

# The reasons an operator picks from (value sent, label shown).
PAUSE_REASONS = (("material shortage", "Material shortage"), ("breakdown", "Breakdown"),
                 ("changeover", "Changeover"), ("break", "Break"),
                 ("quality check", "Quality check"), ("other", "Other"))
SCRAP_REASONS = (("dimension", "Dimension"), ("surface", "Surface"),
                 ("material", "Material"), ("assembly", "Assembly"), ("other", "Other"))


# --- the operator at the station ------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    """The person who signed on with a badge; every action is done in their name."""

    person_id: str
    name: str


def session_operator(session: MutableMapping[str, Any]) -> Operator | None:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict) or not raw.get("person_id"):
        return None
    return Operator(str(raw["person_id"]), str(raw.get("name") or raw["person_id"]))


def sign_on(session: MutableMapping[str, Any], person: MesPerson) -> Operator:
    session[SESSION_KEY] = {"person_id": person.person_id, "name": person.name}
    return Operator(person.person_id, person.name)


def sign_off(session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_KEY, None)


def still_active(uow: UnitOfWork, operator: Operator) -> bool:
    """A person the ERP deactivated since they signed on is signed off."""
    person = find_person(uow, operator.person_id)
    return person is not None and person.active


# --- work centers and dispatch lists --------------------------------------------------------


@dataclass(frozen=True)
class WorkCenterCard:
    code: str
    ready: int  # operations waiting at this work center now (its dispatch list)
    upstream: int  # open work orders that will come here later


def work_centers(uow: UnitOfWork) -> list[WorkCenterCard]:
    """Every work center an operation of a released or running work order is planned at."""
    orders: list[wo_.WorkOrder] = []
    for status in sorted(wo_.WORKABLE):
        orders += wo_.list_work_orders(uow, PageRequest(
            limit=500, filters=(("status", status.value),))).items
    coming: dict[str, set[str]] = defaultdict(set)
    for order in orders:
        for op in order.operations:
            if op.work_center and op.status != wo_.OperationStatus.DONE:
                coming[op.work_center].add(order.number)
    cards = []
    for code in sorted(coming):
        ready = len(wo_.dispatch_list(uow, code))
        cards.append(WorkCenterCard(code, ready, len(coming[code]) - ready))
    return cards


# --- one job ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialLine:
    item: str
    uom: str
    required: Decimal
    consumed: Decimal
    here: bool  # consumed at this operation by the BOM (backflush takes it here)

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.consumed, ZERO)


@dataclass(frozen=True)
class ScanCandidate:
    """One thing a scanned code may be: a lot of a material (or the material itself, for
    an item the MES keeps no lots of)."""

    item: str
    lot: str | None
    uom: str
    available: Decimal | None
    problem: str | None  # on hold / expired: the service will refuse it
    expiry: str | None
    default_qty: Decimal | None


@dataclass(frozen=True)
class ScanResult:
    code: str
    candidates: list[ScanCandidate] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Output:
    kind: str  # lot or serial
    code: str
    made: Decimal  # good pieces completed under it so far


@dataclass(frozen=True)
class JobView:
    wo: wo_.WorkOrder
    op: wo_.WorkOperation
    first: bool
    last: bool
    reached: Decimal  # what arrived at this operation
    materials: list[MaterialLine]
    clocked_on: list[str]
    qualified: dict[str, bool]  # required skill -> the operator holds it today
    output: Output | None
    inputs: list[ex.LotQty]  # component lots consumed so far (genealogy)

    @property
    def to_do(self) -> Decimal:
        return max(self.reached - self.op.qty_good - self.op.qty_scrap, ZERO)

    @property
    def held(self) -> bool:
        return self.wo.status == wo_.WorkOrderStatus.HELD

    @property
    def state(self) -> str:
        return self.op.status.value


def material_lines(wo: wo_.WorkOrder, op: wo_.WorkOperation,
                   inputs: list[ex.LotQty]) -> list[MaterialLine]:
    """Per item: what the work order needs, what was consumed (scanned or backflushed)."""
    used: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for lot in inputs:
        used[lot.item] += lot.qty
    first = op is wo.operations[0]
    lines: dict[str, MaterialLine] = {}
    for m in wo.materials:
        here = m.segment_id == op.segment_id or (m.segment_id is None and first)
        before = lines.get(m.item)
        lines[m.item] = MaterialLine(
            m.item, m.uom, m.qty + (before.required if before else ZERO), used[m.item],
            here or (before.here if before else False))
    return list(lines.values())


def job_view(uow: UnitOfWork, number: str, seq: int, operator: Operator | None) -> JobView:
    wo = wo_.get_work_order(uow, number)
    op = wo.operation(seq)
    person = find_person(uow, operator.person_id) if operator else None
    today = utcnow().date()
    tree = ex.genealogy(uow, number)
    output = None
    if op.output_lot or op.output_serial:
        kind, code = ("lot", op.output_lot) if op.output_lot else ("serial", op.output_serial)
        made = sum((o.qty for o in tree.outputs
                    if (o.lot, o.serial) == (op.output_lot, op.output_serial)), ZERO)
        output = Output(kind, code or "", made)
    return JobView(
        wo=wo, op=op, first=op is wo.operations[0], last=op is wo.operations[-1],
        reached=wo.input_qty(op), materials=material_lines(wo, op, tree.inputs),
        clocked_on=labour.clocked_on(uow, wo.id, seq),
        qualified={s: bool(person and person.qualified(s, today)) for s in op.skills},
        output=output, inputs=tree.inputs)


def resolve_scan(uow: UnitOfWork, job: JobView, code: str) -> ScanResult:
    """A scanned label: the lots with this code among the job's materials; a material's own
    item code stands for that item without a lot (items the MES keeps no lots of)."""
    code = code.strip()
    if not code:
        return ScanResult(code, error="Scan or type a lot code.")
    needed = {line.item: line for line in job.materials}
    names = ", ".join(sorted(needed)) or "none"
    lots = lots_by_code(uow, code)
    today = utcnow().date()
    found = []
    for lot in lots:
        line = needed.get(lot.item)
        if line is None:
            continue
        want = min(line.remaining, lot.available)
        found.append(ScanCandidate(
            lot.item, lot.lot, lot.uom, lot.available, lot.problem(today),
            lot.expiry_date.isoformat() if lot.expiry_date else None,
            want if want > 0 else None))
    if found:
        return ScanResult(code, found)
    if code in needed:
        line = needed[code]
        return ScanResult(code, [ScanCandidate(
            line.item, None, line.uom, None, None, None,
            line.remaining if line.remaining > 0 else None)])
    if lots:
        return ScanResult(code, error=f"Lot {code} is of item {lots[0].item}, which "
                                      f"{job.wo.number} does not use (materials: {names}).")
    return ScanResult(code, error=f"No lot {code} of a material of {job.wo.number} is "
                                  f"known (materials: {names}).")
