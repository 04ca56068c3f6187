"""How the simulated world behaves: demand, shop-floor variation and supplier reliability.

The master data (items, routings, people, partners) comes from the database; a profile only
adds what master data does not say: how often customers order and what, how far actual times
scatter around the plan, how often machines fail and parts are scrapped, how reliable the
suppliers are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ProductDemand:
    item: str
    weight: float
    qty_min: int
    qty_max: int


@dataclass(frozen=True)
class CustomerBehaviour:
    code: str
    weight: float                         # share of the orders
    products: tuple[ProductDemand, ...]
    lead_days: tuple[int, int] = (3, 10)  # requested date after the order date
    pay_days: tuple[int, int] = (5, 30)   # payment after the invoice date
    tax_pct: Decimal = Decimal(0)
    max_lines: int = 2


@dataclass(frozen=True)
class WorkCenterBehaviour:
    speed: float = 1.08          # mean actual run time / planned run time per unit
    cv: float = 0.12             # coefficient of variation of a unit's run time
    scrap: float = 0.01          # probability a unit is scrapped
    scrap_reasons: tuple[str, ...] = ("defect",)
    mtbf: float = 2400.0         # busy minutes between failures (0: never fails)
    mttr: float = 40.0           # mean minutes to repair
    failures: tuple[str, ...] = ("machine fault",)


@dataclass(frozen=True)
class SupplierBehaviour:
    early: float = 0.15          # probability a delivery comes a day early
    late: float = 0.25           # probability it is 1..max_late_days late
    max_late_days: int = 3
    partial: float = 0.10        # probability the first delivery is short (rest follows)
    price_change: float = 0.15   # probability a bill's price differs from the PO
    bill_after_days: int = 1


@dataclass(frozen=True)
class SimProfile:
    orders_per_day: float = 6.0
    customers: tuple[CustomerBehaviour, ...] = ()
    work_centers: Mapping[str, WorkCenterBehaviour] = field(default_factory=dict)
    default_work_center: WorkCenterBehaviour = WorkCenterBehaviour()
    supplier: SupplierBehaviour = SupplierBehaviour()
    setup_speed: float = 1.10    # mean actual / planned setup time

    def work_center(self, code: str) -> WorkCenterBehaviour:
        return self.work_centers.get(code, self.default_work_center)
