"""A small plant for MRP against the database, with its plan computed by hand (importable by
name from any test).

BIKE (made, 2 working days) = 2 WHEEL + 1 FRAME; FRAME (made, 1 day) = 1.5 kg TUBE with 10 %
scrap; WHEEL bought in fixed lots of 50 (5 days); TUBE bought lot for lot (3 days), safety
stock 10 kg. On hand 2 BIKE, 10 WHEEL, 4 kg TUBE. Demand: sales order SO-1 for 5 BIKE on
Mon 16 March 2026, forecast FC-W12 of 8 BIKE on Wed 18 March (same ISO week, so SO-1
consumes 5 of it). Supply: PO-7 for 20 WHEEL due 9 March, kitted MO-3 for 2 FRAME due
5 March. Planned on Mon 2 March 2026, Monday-Friday.

By hand:
- BIKE: 2 on hand cover 2 of SO-1; planned 3 due 16/03 (released Thu 12/03) for SO-1, and
  3 due 18/03 (released Mon 16/03) for what is left of FC-W12 (8 - 5).
- FRAME: needs 3 on 12/03 and 3 on 16/03; MO-3's 2 cover part of the first, so planned 1
  due 12/03 (released 11/03) and 3 due 16/03 (released Fri 13/03); MO-3 arrives a week
  early: reschedule out to 12/03.
- WHEEL: 10 + 20 cover 6 + 6, no order; without PO-7 stock runs out on 16/03: reschedule
  PO-7 out to 16/03.
- TUBE: 4 on hand is 6 below safety stock today: planned 6 due today, expedite (3 days lead
  time). Then 1.5 x 1.1 = 1.65 kg per FRAME: 1.65 due 11/03 (released Fri 06/03) for SO-1
  and 4.95 due 13/03 (released Tue 10/03) for FC-W12.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TODAY = "2026-03-02"

FILES = {
    "items.csv": "code,name,type,uom,lead_time_days,lot_size_rule,lot_size_qty,min_qty,"
                 "safety_stock\n"
                 "BIKE,Bike,manufactured,ea,2,lfl,0,0,0\n"
                 "FRAME,Frame,manufactured,ea,1,lfl,0,0,0\n"
                 "WHEEL,Wheel,purchased,ea,5,fixed,50,0,0\n"
                 "TUBE,Steel tube,purchased,kg,3,lfl,0,0,10\n"
                 "PAINT,Painting,service,ea,0,lfl,0,0,0\n",
    "boms.csv": "parent_code,component_code,qty_per,scrap_pct\n"
                "BIKE,WHEEL,2,0\nBIKE,FRAME,1,0\nFRAME,TUBE,1.5,10\n",
    "stock.csv": "item_code,location,qty\nBIKE,WH/STOCK,2\nWHEEL,WH/STOCK,10\nTUBE,WH/STOCK,4\n",
    "demands.csv": "item_code,qty,due_date,kind,ref\n"
                   "BIKE,5,2026-03-16,sales_order,SO-1\n"
                   "BIKE,8,2026-03-18,forecast,FC-W12\n",
    "supply.csv": "item_code,qty,due_date,kind,ref\n"
                  "WHEEL,20,2026-03-09,purchase_order,PO-7\n"
                  "FRAME,2,2026-03-05,production_order,MO-3\n",
}


def _order(item: str, kind: str, qty: str, release: str, due: str,
           *pegs: tuple[str, str]) -> dict[str, Any]:
    return {"item": item, "kind": kind, "qty": qty, "release_date": release, "due_date": due,
            "pegging": [{"demand_ref": ref, "qty": q} for ref, q in pegs]}


EXPECTED = {
    "planned_orders": [
        _order("BIKE", "production", "3", "2026-03-12", "2026-03-16", ("SO-1", "3")),
        _order("BIKE", "production", "3", "2026-03-16", "2026-03-18", ("FC-W12", "3")),
        _order("FRAME", "production", "1", "2026-03-11", "2026-03-12", ("SO-1", "1")),
        _order("FRAME", "production", "3", "2026-03-13", "2026-03-16", ("FC-W12", "3")),
        _order("TUBE", "purchase", "6", "2026-03-02", "2026-03-02"),
        _order("TUBE", "purchase", "1.65", "2026-03-06", "2026-03-11", ("SO-1", "1.65")),
        _order("TUBE", "purchase", "4.95", "2026-03-10", "2026-03-13", ("FC-W12", "4.95")),
    ],
    "exceptions": [
        {"item": "FRAME", "kind": "reschedule_out", "ref": "MO-3", "date": "2026-03-12"},
        {"item": "WHEEL", "kind": "reschedule_out", "ref": "PO-7", "date": "2026-03-16"},
        {"item": "TUBE", "kind": "expedite", "ref": "", "date": "2026-03-02"},
    ],
}


def write_files(directory: Path, **overrides: str) -> Path:
    """The plant's CSV files in ``directory``; ``overrides``: file stem -> new content (an
    empty string leaves the file out)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = dict(FILES)
    for stem, text in overrides.items():
        files[f"{stem}.csv"] = text
    for name, text in files.items():
        if text:
            (directory / name).write_text(text, encoding="utf-8")
    return directory


def load_plant(gemba: Any, directory: Path, **overrides: str) -> Any:
    from gemba.bootstrap import data_files
    from gemba.core.dataload.loader import load_directory

    with gemba.uow() as uow:
        return load_directory(uow, data_files(), write_files(directory, **overrides))


def without_messages(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with exception messages reduced to their facts (the text is the engine's)."""
    return {"planned_orders": plan["planned_orders"],
            "exceptions": [{k: e[k] for k in ("item", "kind", "ref", "date")}
                           for e in plan["exceptions"]]}


def by_item(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with its lists in item order (stable: each item's own order is kept), as
    ``store.stored_plan`` returns it."""
    return {"planned_orders": sorted(plan["planned_orders"], key=lambda o: o["item"]),
            "exceptions": sorted(plan["exceptions"], key=lambda e: e["item"])}
