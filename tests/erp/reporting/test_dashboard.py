"""ERP dashboard: open orders, late receipts, stock value and margin by product, computed
from real documents posted through the REST API; the web page shows the same figures."""

from __future__ import annotations

from decimal import Decimal as D

from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.erp.reporting.dashboard import erp_dashboard
from gemba_testing import seed_erp_documents


def test_dashboard_figures(client, gemba):
    seed_erp_documents(client)
    with gemba.uow() as uow:
        dash = erp_dashboard(uow)
    assert (dash.open_sales.count, dash.open_sales.value) == (1, D("18.00"))
    assert (dash.open_purchases.count, dash.open_purchases.value) == (1, D("35.00"))
    (late,) = dash.late_receipts
    assert (late.item, late.qty_open, late.days_late) == ("HUB", 5, 7)
    assert dash.stock_value == D("12.00")  # 6 GEAR left at 2.00
    (gear,) = dash.margins
    assert (gear.item, gear.revenue, gear.cogs, gear.margin, gear.margin_pct) == \
        ("GEAR", D("20.00"), D("8.00"), D("12.00"), D("60.0"))
    api = client.get("/api/v1/erp/dashboard").json()
    assert D(api["stock_value"]) == D("12.00")
    assert api["margins"][0]["item"] == "GEAR" and D(api["margins"][0]["margin"]) == 12


def test_sections_follow_permissions(gemba, client):
    seed_erp_documents(client)
    buyer = Actor(user_id=None, username="b", roles=frozenset({Role.BUYER}))
    with gemba.uow(buyer) as uow:
        dash = erp_dashboard(uow)
    assert dash.open_purchases is not None and dash.late_receipts
    assert dash.open_sales is None and dash.margins == []
    assert dash.stock_value == D("12.00")
