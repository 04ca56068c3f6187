"""Production order pages: create, release, see the MES's effect in the cost sheet, close."""

from __future__ import annotations

from gemba.erp.mes_link.performance import apply_performance
from gemba.erp.production.production_order import OrderStatus, get_production_order
from production_testing import setup_factory, whole_run


def test_production_order_through_the_web(admin, gemba):
    setup_factory(gemba)
    form = admin.get("/erp/production-orders/new")
    assert form.status_code == 200 and "FRAME" in form.text
    r = admin.submit("/erp/production-orders/new", {
        "item": "FRAME", "qty": "10", "due_date": "2026-03-09", "start_date": "2026-03-02",
        "priority": "0"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    number = url.rsplit("/", 1)[-1]
    page = admin.get(url).text
    assert "WC-ASM" in page and "STEEL" in page and "Release" in page
    assert admin.submit(f"{url}/actions/close", {}).status_code == 409
    r = admin.submit(f"{url}/actions/release", {}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with gemba.uow() as uow:
        apply_performance(uow, whole_run(number))
        uow.commit()
    page = admin.get(url).text
    assert "Cost sheet" in page and "26.00" in page  # WIP left before closing
    listing = admin.get("/erp/production-orders?status=completed").text
    assert number in listing and ">80<" in listing  # 8 of 10 good: 80 %
    r = admin.submit(f"{url}/actions/close", {}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with gemba.uow() as uow:
        assert get_production_order(uow, number).status == OrderStatus.CLOSED
    assert "Variance booked" in admin.get(url).text
