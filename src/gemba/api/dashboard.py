"""REST: the ERP dashboard figures (the same service as the web page)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from gemba.api.deps import UowDep
from gemba.erp.reporting.dashboard import erp_dashboard

router = APIRouter(tags=["dashboard"])


@router.get("/erp/dashboard")
def dashboard(uow: UowDep) -> dict[str, Any]:
    dash = erp_dashboard(uow)
    out = asdict(dash)
    out["margins"] = [{**asdict(m), "margin": m.margin, "margin_pct": m.margin_pct}
                      for m in dash.margins]
    out["top_stock"] = [{**asdict(v), "unit_cost": v.unit_cost} for v in dash.top_stock]
    return out
