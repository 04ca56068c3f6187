"""The planning page: run MRP, the MRP table of an item, planned orders with filters and bulk
firming through the form, exception messages, the rough-cut chart as SVG; and the promise
column of a sales order."""

from __future__ import annotations

import re

from sqlalchemy import select

from ctp_testing import ids_of, load_capacity_plant
from gemba.erp.purchasing.purchase_order import POStatus, get_purchase_order
from gemba.erp.sales.sales_order import SalesOrder

URL = "/erp/planning"


def test_run_look_and_firm_through_the_page(admin, gemba, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant")
    page = admin.get(URL)
    assert page.status_code == 200 and "MRP has not run yet" in page.text
    assert 'href="/erp/planning"' in page.text  # in the navigation
    r = admin.submit(f"{URL}/run", {"today": "2026-03-02"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = admin.get(r.headers["location"]).text
    assert "MRP planned as of 2026-03-02: 9 planned orders, 3 exception messages." in page

    page = admin.get(URL, params={"item": "BIKE"}).text
    table = page.split('id="mrp-table"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td>((?:<td class=\"num\">[^<]*</td>\s*)+)",
                      table)
    assert [(day, re.findall(r">([^<]*)<", cells)[::2]) for day, cells in rows] == [
        ("2026-03-02", ["0", "0", "2", "0", "0"]),
        ("2026-03-16", ["5", "0", "0", "3", "3"]),
        ("2026-03-18", ["3", "0", "0", "3", "3"])]
    assert page.count('name="ids"') == 2  # the item filter: BIKE's two planned orders
    # exceptions are filtered by the item too: BIKE has none
    assert "No exception messages." in page.split('id="exceptions"')[1].split("</section>")[0]
    whole = admin.get(URL, params={"weeks": "4"}).text
    assert whole.count('name="ids"') == 9
    assert "Reschedule production order MO-3 out" in whole
    chart = whole.split('id="rough-cut"')[1]
    assert chart.count("<svg") == 2 and 'id="chart-WC-WELD"' in chart
    weld = chart.split('id="chart-WC-WELD"')[1].split("</svg>")[0]
    assert weld.count('class="bar-overload"') == 1 and weld.count("<rect") == 4
    assert "WC-WELD 2026-W11: load 12 h, capacity 10 h - overloaded" in weld
    assert 'class="bar-overload"' not in chart.split('id="chart-WC-ASM"')[1].split("</svg>")[0]
    filtered = admin.get(URL, params={"kind": "purchase", "expedite": "true"}).text
    assert filtered.count('name="ids"') == 1

    tube = ids_of(gemba, "TUBE", "purchase")
    r = admin.submit(f"{URL}/firm", {"ids": [str(i) for i in tube], "back": "kind=purchase"},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{URL}?kind=purchase"
    page = admin.get(r.headers["location"]).text
    flash = re.search(r"Firmed 3 planned orders: (PO-\d+)\.", page)
    assert flash, page
    with gemba.uow() as uow:
        po = get_purchase_order(uow, flash[1])
        assert (po.supplier, po.status, len(po.lines)) == ("STEELCO", POStatus.CONFIRMED, 3)
    assert ids_of(gemba, "TUBE", "purchase") == []
    r = admin.submit(f"{URL}/firm", {"ids": [str(tube[0])]})
    assert r.status_code == 409
    assert f"Nothing firmed: planned order {tube[0]} is no longer in the plan" in r.text
    r = admin.submit(f"{URL}/firm", {})
    assert r.status_code == 422 and "name at least one planned order" in r.text


def test_readers_see_the_plan_but_cannot_firm(web, gemba, add_user, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant")
    add_user("vic", ("viewer",))
    assert web.login("vic").status_code == 303
    page = web.get(URL)
    assert page.status_code == 200
    assert "Firm selected" not in page.text and "Run MRP" not in page.text
    assert web.submit(f"{URL}/firm", {"ids": ["1"]}).status_code == 403
    assert web.submit(f"{URL}/run", {}).status_code == 403


def test_sales_order_lines_show_their_promise_date(admin, gemba, tmp_path):
    load_capacity_plant(gemba, tmp_path / "plant")
    with gemba.session_factory() as s:
        number = s.scalar(select(SalesOrder.number).where(SalesOrder.customer_ref == "SO-1"))
    page = admin.get(f"/erp/sales-orders/{number}").text
    assert ">Promise</th>" in page
    cell = page.split('<td class="promise">')[1].split("</td>")[0]
    assert re.search(r"\d{4}-\d\d-\d\d", cell) and "2 of 5 BIKE available to promise" in cell
