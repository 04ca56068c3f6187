"""Overall equipment effectiveness (ISO 22400-2) from the MES execution records.

Pure: no database. The elements come from completion events (``minutes``, ``qty`` good,
``qty_scrap``, ``qty_rework``) of operations (``work_center``, ``run_minutes_per_unit``); the
planned busy time PBT comes from the caller, who knows the shift calendar.

Conventions, stated because OEE numbers are only comparable when they are:

* The time basis is the reported operation time. A completion's ``minutes`` is what the
  operation ran since the last report - setup and run, without pauses - so it is AUPT
  (actual unit processing time = APT + AUST). With the setup minutes known (``setup``) APT is
  AUPT - AUST; without, APT is taken as AUPT and setup counts as a performance loss instead
  of an availability loss. ``Availability`` = APT / PBT (with APT = AUPT: AUPT / PBT).
* Performance (ISO "effectiveness") = PRI x PQ / APT, PRI the operation's planned run minutes
  per unit; it exceeds 1 when the plan is loose.
* Quality = GQ / PQ with PQ = GQ + SQ + RQ (rework is not good).
* OEE = availability x performance x quality (= PRI x GQ / PBT for a single PRI; over
  operations with different PRIs the product of the summed ratios).
* Elements are summed first and divided last (never an average of ratios); a ratio whose
  denominator is 0 is undefined (None), not 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

ZERO = Decimal(0)
COMPLETE = "complete"


class CompletionEvent(Protocol):
    """What an execution event of kind ``complete`` carries (``ExecutionEvent``)."""

    kind: object
    minutes: Decimal | None
    qty: Decimal
    qty_scrap: Decimal
    qty_rework: Decimal


class PlannedOperation(Protocol):
    """What an operation carries (``WorkOperation``)."""

    work_center: str | None
    run_minutes_per_unit: Decimal


@dataclass(frozen=True)
class Completion:
    """One completion report, reduced to the OEE elements it adds."""

    work_center: str | None
    minutes: Decimal           # AUPT contribution
    good: Decimal              # GQ
    scrap: Decimal             # SQ
    rework: Decimal            # RQ
    planned_per_unit: Decimal  # PRI

    @property
    def produced(self) -> Decimal:
        return self.good + self.scrap + self.rework


def completion(event: CompletionEvent, operation: PlannedOperation) -> Completion:
    return Completion(operation.work_center, event.minutes or ZERO, event.qty, event.qty_scrap,
                      event.qty_rework, operation.run_minutes_per_unit)


def completions(pairs: Iterable[tuple[CompletionEvent, PlannedOperation]]) -> list[Completion]:
    """The completion events among ``pairs`` of (event, its operation)."""
    return [completion(e, op) for e, op in pairs if str(getattr(e.kind, "value", e.kind))
            == COMPLETE]


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return num / den if den else None


@dataclass(frozen=True)
class OeeElements:
    pbt: Decimal           # planned busy time (minutes)
    aupt: Decimal          # actual unit processing time: sum of reported minutes
    aust: Decimal          # actual unit setup time, when known (else 0: APT = AUPT)
    planned_run: Decimal   # sum of PRI x PQ
    pq: Decimal            # produced quantity
    gq: Decimal            # good quantity
    sq: Decimal            # scrap quantity
    rq: Decimal            # rework quantity

    @property
    def apt(self) -> Decimal:
        return self.aupt - self.aust

    @property
    def availability(self) -> Decimal | None:
        return _ratio(self.apt, self.pbt)

    @property
    def performance(self) -> Decimal | None:
        return _ratio(self.planned_run, self.apt)

    @property
    def quality(self) -> Decimal | None:
        return _ratio(self.gq, self.pq)

    @property
    def oee(self) -> Decimal | None:
        """Availability x performance x quality, computed from the elements so it is
        defined whenever PBT is (0 when nothing was produced)."""
        if not self.pbt:
            return None
        good_run = self.planned_run * self.gq / self.pq if self.pq else ZERO
        return good_run / self.pbt

    def __add__(self, other: OeeElements) -> OeeElements:
        return OeeElements(self.pbt + other.pbt, self.aupt + other.aupt,
                           self.aust + other.aust, self.planned_run + other.planned_run,
                           self.pq + other.pq, self.gq + other.gq, self.sq + other.sq,
                           self.rq + other.rq)


def elements(done: Iterable[Completion], planned_busy_minutes: Decimal,
             setup_minutes: Decimal = ZERO) -> OeeElements:
    """Sum the completions' elements against the planned busy time of the same units."""
    aupt = planned = pq = gq = sq = rq = ZERO
    for c in done:
        aupt += c.minutes
        planned += c.planned_per_unit * c.produced
        pq += c.produced
        gq += c.good
        sq += c.scrap
        rq += c.rework
    return OeeElements(Decimal(planned_busy_minutes), aupt, Decimal(setup_minutes), planned,
                       pq, gq, sq, rq)


def by_group(done: Iterable[Completion], group_of: Callable[[str | None], str | None]
             | Mapping[str, str], planned_busy_minutes: Mapping[str, Decimal]
             ) -> dict[str, OeeElements]:
    """OEE elements per group (e.g. production line) of work centers; every group with a
    planned busy time gets an entry (OEE 0 when nothing was reported), completions of work
    centers outside every group are left out."""
    lookup: Callable[[str | None], str | None]
    if isinstance(group_of, Mapping):
        mapping = group_of
        lookup = lambda wc: mapping.get(wc) if wc is not None else None  # noqa: E731
    else:
        lookup = group_of
    grouped: dict[str, list[Completion]] = {g: [] for g in planned_busy_minutes}
    for c in done:
        group = lookup(c.work_center)
        if group in grouped:
            grouped[group].append(c)
    return {g: elements(cs, planned_busy_minutes[g]) for g, cs in sorted(grouped.items())}
