"""The MRP sample plant of ``mrp_testing`` with capacity and suppliers, for firming, rough-cut
capacity and the planning page (importable by name from any test).

Added to the plant: SADDLE (bought, 2 working days), one per BIKE; work centers WC-ASM
(8 h a day, 40 h a week) and WC-WELD (2 h a day, 10 h a week); routings BIKE: Assemble on
WC-ASM, 30 min setup + 60 min a bike; FRAME: Weld on WC-WELD, 60 min setup + 150 min a frame.
Suppliers: STEELCO (preferred for TUBE, 3.50 a kg, at least 2 kg), BETA (also sells TUBE,
cheaper, not preferred), SEATCO (the only supplier of SADDLE, 12.00).

The plan as of Mon 2 March 2026 (see mrp_testing for the hand calculation) has production
orders BIKE 3 (release Thu 12/03) and 3 (Mon 16/03), FRAME 1 (Wed 11/03) and 3 (Fri 13/03);
purchases TUBE 6 (expedite), 1.65, 4.95 and SADDLE 3 due 12/03 and 3 due 16/03. The
imported, kitted production order MO-3 (2 FRAME, due Thu 5/03, no start date) is open.

Rough-cut by hand, weeks from W10 (2 March):
- WC-ASM: W11 BIKE 3 = 30 + 3 x 60 = 210 min = 3.5 h; W12 the other 3.5 h; 40 h each week.
- WC-WELD: W10 MO-3 = 60 + 2 x 150 = 360 min = 6 h; W11 FRAME 1 (210 min) + FRAME 3
  (60 + 450 = 510 min) = 12 h > 10 h: overloaded.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gemba.erp.catalog.item import Item
from gemba.erp.partners.partner import PartnerIn, create_partner
from gemba.erp.planning.run import forget_cache, run_mrp
from gemba.erp.planning.store import PlannedOrderRecord
from gemba.erp.purchasing.supplier_item import PriceBreakIn, SupplierItemIn, create_supplier_item
from mrp_testing import FILES, load_plant

D = Decimal
TODAY = date(2026, 3, 2)

ITEMS = FILES["items.csv"] + "SADDLE,Saddle,purchased,ea,2,lfl,0,0,0\n"
BOMS = FILES["boms.csv"] + "BIKE,SADDLE,1,0\n"
WORK_CENTERS = ("code,name,site,hours_per_day\n"
                "WC-ASM,Assembly,S1,8\n"
                "WC-WELD,Welding,S1,2\n")
ROUTINGS = ("item_code,seq,operation,work_center,setup_min,run_min_per_unit\n"
            "BIKE,10,Assemble,WC-ASM,30,60\n"
            "FRAME,10,Weld,WC-WELD,60,150\n")


def load_capacity_plant(gemba: Any, directory: Path, *, suppliers: bool = True) -> None:
    forget_cache()
    result = load_plant(gemba, directory, items=ITEMS, boms=BOMS,
                        work_centers=WORK_CENTERS, routings=ROUTINGS)
    assert result.ok, result.errors
    if suppliers:
        add_suppliers(gemba)


def add_suppliers(gemba: Any) -> None:
    with gemba.uow() as uow:
        for code in ("STEELCO", "BETA", "SEATCO"):
            create_partner(uow, PartnerIn(code=code, name=code.title(), is_supplier=True))
        create_supplier_item(uow, SupplierItemIn(
            supplier="STEELCO", item="TUBE", preferred=True, min_qty=D(2),
            price_breaks=[PriceBreakIn(min_qty=D(0), unit_price=D("3.50"))]))
        create_supplier_item(uow, SupplierItemIn(
            supplier="BETA", item="TUBE",
            price_breaks=[PriceBreakIn(min_qty=D(0), unit_price=D("3.00"))]))
        create_supplier_item(uow, SupplierItemIn(
            supplier="SEATCO", item="SADDLE",
            price_breaks=[PriceBreakIn(min_qty=D(0), unit_price=D("12.00"))]))
        uow.commit()


def plan(gemba: Any, today: date = TODAY) -> None:
    with gemba.uow() as uow:
        run_mrp(uow, today)
        uow.commit()


def planned(gemba: Any) -> dict[tuple[str, str], list[tuple[int, Decimal, date, date]]]:
    """(item, kind) -> [(id, qty, release, due)] of the stored plan, by due date."""
    out: dict[tuple[str, str], list[tuple[int, Decimal, date, date]]] = defaultdict(list)
    with gemba.session_factory() as s:
        for oid, code, kind, qty, release, due in s.execute(
                select(PlannedOrderRecord.id, Item.code, PlannedOrderRecord.kind,
                       PlannedOrderRecord.qty, PlannedOrderRecord.release_date,
                       PlannedOrderRecord.due_date)
                .join(Item, Item.id == PlannedOrderRecord.item_id)
                .order_by(PlannedOrderRecord.due_date, PlannedOrderRecord.id)):
            out[(code, kind)].append((oid, qty.normalize(), release, due))
    return dict(out)


def ids_of(gemba: Any, item: str, kind: str) -> list[int]:
    return [row[0] for row in planned(gemba).get((item, kind), [])]
