"""The ERP dashboard page shows the figures of the documents posted."""

from __future__ import annotations

from gemba_testing import seed_erp_documents


def test_dashboard_page(client, admin):
    seed_erp_documents(client)
    page = admin.get("/erp/dashboard")
    assert page.status_code == 200
    assert 'id="late"' in page.text and "HUB" in page.text
    assert "60.0 %" in page.text and "12.00" in page.text
    assert 'href="/erp/dashboard"' in admin.get("/").text  # in the navigation
