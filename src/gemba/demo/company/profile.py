"""How the demo company behaves in the simulator: its customers' ordering and paying habits,
scrap and failures per work center, and how reliable its suppliers are."""

from __future__ import annotations

from decimal import Decimal

from gemba.sim.profile import (
    CustomerBehaviour,
    ProductDemand,
    SimProfile,
    SupplierBehaviour,
    WorkCenterBehaviour,
)

P = ProductDemand
DEALER_MIX = (P("BIKE-CITY", 0.40, 1, 3), P("BIKE-TREK", 0.30, 1, 3),
              P("BIKE-E28", 0.20, 1, 2), P("WHEEL-28", 0.10, 4, 12))
W = WorkCenterBehaviour
WORK_CENTERS = {
    "CUT": W(speed=1.05, scrap=0.01, scrap_reasons=("wrong length",), mtbf=3000, mttr=30,
             failures=("saw blade broken",)),
    "CUT-2": W(speed=1.10, scrap=0.015, scrap_reasons=("wrong length",), mtbf=2000,
               mttr=35, failures=("saw blade broken",)),
    "BEND": W(scrap=0.01, scrap_reasons=("wrinkled tube",), mtbf=2500,
              failures=("hydraulic leak",)),
    "WELD": W(speed=1.10, scrap=0.03, scrap_reasons=("porosity", "crack in seam"),
              mtbf=1500, mttr=35, failures=("torch fault", "gas supply")),
    "WELD-2": W(speed=1.12, scrap=0.03, scrap_reasons=("porosity", "crack in seam"),
                mtbf=1500, mttr=35, failures=("torch fault", "gas supply")),
    "WELD-R": W(speed=1.02, cv=0.05, scrap=0.015, scrap_reasons=("porosity",), mtbf=900,
                mttr=50, failures=("robot collision", "wire feed jammed")),
    "GRIND": W(scrap=0.005, scrap_reasons=("frame out of alignment",), mtbf=0),
    "PRETREAT": W(speed=1.03, cv=0.05, scrap=0.0, mtbf=2500, mttr=45,
                  failures=("pump failure",)),
    "PAINT": W(scrap=0.02, scrap_reasons=("paint runs", "orange peel"), mtbf=1800,
               mttr=40, failures=("powder gun clogged",)),
    "CURE": W(speed=1.0, cv=0.03, scrap=0.01, scrap_reasons=("adhesion test failed",),
              mtbf=4000, mttr=60, failures=("oven temperature alarm",)),
    "LACE": W(scrap=0.01, scrap_reasons=("spoke tension",), mtbf=2000,
              failures=("spoke feeder jammed",)),
    "LACE-2": W(speed=1.12, scrap=0.015, scrap_reasons=("spoke tension",), mtbf=1600,
                failures=("spoke feeder jammed",)),
    "TRUE": W(scrap=0.01, scrap_reasons=("rim out of true",), mtbf=3000,
              failures=("sensor fault",)),
    "ASSY": W(speed=1.06, cv=0.15, scrap=0.0, mtbf=0),
    "ASSY-2": W(speed=1.10, cv=0.15, scrap=0.0, mtbf=0),
    "EDRIVE": W(speed=1.08, scrap=0.01, scrap_reasons=("controller faulty",), mtbf=0),
    "TEST": W(speed=1.0, cv=0.08, scrap=0.005, scrap_reasons=("failed brake test",),
              mtbf=5000, mttr=30, failures=("test rig calibration",)),
    "PACK": W(speed=1.0, cv=0.1, scrap=0.0, mtbf=0),
}
VAT = Decimal(19)
C = CustomerBehaviour
PROFILE = SimProfile(
    orders_per_day=4.5,
    customers=(
        C("VELOHAUS", 0.20, DEALER_MIX, (3, 8), (2, 10), VAT),
        C("RADWELT", 0.18, DEALER_MIX, (5, 10), (5, 30), VAT),
        C("CYCLECITY", 0.14, DEALER_MIX, (5, 12), (14, 30)),
        C("PEDALPRO", 0.12, DEALER_MIX, (4, 10), (2, 8)),
        C("BIKEPOINT", 0.12, DEALER_MIX, (2, 6), (1, 3)),
        C("KEYRIDE", 0.14, (P("BIKE-CITY", 0.4, 2, 5), P("BIKE-TREK", 0.35, 2, 4),
                            P("BIKE-E28", 0.25, 1, 3)), (7, 14), (20, 30), VAT, 3),
        C("NORDFRAME", 0.16, (P("FRAME-AL", 0.7, 20, 40), P("WHEEL-28", 0.3, 10, 30)),
          (5, 10), (10, 30), Decimal(0), 2),
    ),
    work_centers=WORK_CENTERS,
    supplier=SupplierBehaviour(),
)
