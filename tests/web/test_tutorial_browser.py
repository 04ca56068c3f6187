"""The tutorial's path (docs/tutorial.md) in a real browser, on the demo company after one
simulated day: a sales order for a trekking bike and its promise date, MRP on the planning
page, the planned production order firmed (released to the MES), the operator terminal
(badge E100, start, scan, complete with scrap) while a second tab shows the production order
change live without a reload, then the ledger and an invoice. The screenshots are the
tutorial's: docs/screenshots/tutorial-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import PASSWORD, browser, live_server  # noqa: F401 - fixtures

from gemba.cli.demo import live_epoch, new_simulation, prepare_demo, simulate
from gemba.mes import work_order as wo_

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BIKE, QTY = "BIKE-TREK", 6
# Counts the production order page's stream messages (a reload would reset it).
WATCH = """
document.addEventListener('htmx:sseMessage', function () {
  window.__sseMessages = (window.__sseMessages || 0) + 1;
});
"""


def picture(page, n: str, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"tutorial-{n}-{name}.png"), full_page=full)


def text(page, selector: str) -> str:
    return (page.text_content(selector) or "").strip()


def scan(page, code: str) -> None:
    """A keyboard-wedge scanner: the code's keys, then Enter."""
    page.keyboard.type(code, delay=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def wait_live(page, number: str, part: str, expected: str) -> None:
    page.wait_for_function(
        "([id, text]) => { const e = document.getElementById(id);"
        " return e !== null && e.innerText.trim() === text; }",
        arg=[f"po-live-{number}-{part}", expected], timeout=15000)


def test_tutorial_from_sales_order_to_ledger(live_server, browser):  # noqa: F811
    base, gemba = live_server.url, live_server.gemba
    # `make demo` in small: the company, then one simulated day of history up to today.
    epoch = live_epoch(1)
    demo = prepare_demo(gemba, epoch.date())
    simulate(new_simulation(gemba, 7, epoch), 1)

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    context.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
               if m.type == "error" else None)
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())  # "Firm the selected planned orders?"
    page.goto(base + "/erp/sales-orders/new")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/erp/sales-orders/new")

    # 1. A sales order for six trekking bikes; confirmed, it shows its promise date.
    page.select_option("select[name=customer]", "VELOHAUS")
    page.select_option("select[name=status]", "draft")
    page.fill("input[name='lines[0].item']", BIKE)
    page.fill("input[name='lines[0].qty']", str(QTY))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/erp/sales-orders/[^/]+$"))
    so_number = page.url.rsplit("/", 1)[1]
    page.click("main button:text-is('Confirm')")
    page.wait_for_selector("text=Order confirmed")
    promise = text(page, "td.promise")
    assert re.search(r"\d", promise), promise  # a date, with its constraint
    page.set_viewport_size({"width": 1760, "height": 900})  # the whole lines table
    picture(page, "01", "sales-order")
    page.set_viewport_size({"width": 1280, "height": 860})

    # 2. MRP on the planning page; the bike's planned production order, pegged to the order.
    page.goto(base + "/erp/planning")
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("text=MRP planned as of")
    page.goto(f"{base}/erp/planning?item={BIKE}&kind=production")
    row = page.locator("#planned-orders tbody tr", has_text=so_number)
    assert row.count() >= 1, text(page, "#planned-orders")
    row.first.locator("input[name=ids]").check()
    picture(page, "02", "mrp")
    page.click("#firm-selected")
    page.wait_for_selector("text=Firmed 1 planned order")
    firmed = re.search(r"Firmed 1 planned order: (\S+)\.", text(page, "main"))
    assert firmed, text(page, "main")
    number = firmed[1]

    # 3. The production order reached the MES; the supervisor releases it to the floor
    # (in `make demo` the simulated supervisor does, or POST /api/v1/mes/work-orders/.../release).
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, number)
        assert wo.status == wo_.WorkOrderStatus.RECEIVED
        made = int(wo.qty)  # MRP's lot size: at least the order's six
        wo_.release_work_order(uow, number)
        uow.commit()
    context.add_init_script(WATCH)
    page.goto(f"{base}/erp/production-orders/{number}")
    page.evaluate("window.__liveMarker = 'set-before-the-operator-worked'")
    page.wait_for_function("(window.__sseMessages || 0) >= 1")
    wait_live(page, number, "status", "released")

    # 4. The operator terminal, in its own browser (a shop-floor station).
    station = browser.new_context(viewport={"width": 1280, "height": 800})
    term = station.new_page()
    term.on("pageerror", lambda exc: errors.append(str(exc)))
    term.goto(base + "/mes/terminal")
    term.fill("#username", "operator")
    term.fill("#password", demo.password)
    term.click("main button[type=submit]")
    term.wait_for_url(base + "/mes/terminal")
    scan(term, "E100")
    assert "Ana Costa" in text(term, "#operator")
    term.click("[data-work-center='ASSY']")
    term.click(f"#dispatch a[href='/mes/terminal/jobs/{number}/10']")
    term.wait_for_url(f"{base}/mes/terminal/jobs/{number}/10")
    term.click("#start")
    term.wait_for_selector("#op-status:text('running')")
    wait_live(page, number, "status", "in progress")  # the ERP tab, without a reload

    scan(term, "WHEEL-28")  # a material the MES keeps no lots of: its item code
    assert term.input_value("#qty-1") == str(2 * made)  # two wheels a bike
    term.click("#lot-1 button[type=submit]")
    term.wait_for_selector(f"text=Consumed {2 * made} WHEEL-28.")
    picture(term, "04", "terminal", full=True)
    term.fill("#good", str(made - 1))
    term.fill("#scrap", "1")
    term.click("#scrap-reasons .t-chip:has-text('Assembly')")
    term.click("#complete")
    term.wait_for_selector(f"text=Operation 10: reported {made - 1} good, 1 scrap (assembly).")
    picture(term, "04b", "terminal-done")

    wait_live(page, number, "scrap", "1")
    assert text(page, f"#po-live-{number}-status") == "in progress"
    assert page.evaluate("window.__liveMarker") == "set-before-the-operator-worked"
    assert page.evaluate("window.__sseMessages") >= 2
    page.wait_for_timeout(1800)  # let the change highlight fade for the picture
    picture(page, "03", "production-live")

    # 5. The books: the trial balance, the journal, an invoice the simulated day posted.
    page.goto(base + "/erp/reports/trial-balance")
    body = text(page, "main")
    assert "Trial balance" in body and "Total" in body
    picture(page, "05", "ledger", full=True)
    page.goto(base + "/erp/journal-entries")
    assert page.locator("main table tbody tr").count() > 5
    picture(page, "06", "journal")
    page.goto(base + "/erp/sales-orders?status=invoiced")
    page.locator("main table tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/erp/sales-orders/[^/?]+$"))
    invoices = page.locator("section.panel", has=page.locator("h2:text-is('Invoices')"))
    assert re.search(r"INV|paid|open|due", invoices.inner_text()), invoices.inner_text()
    page.locator("h2:text-is('Deliveries')").evaluate(  # deliveries and invoices in view
        "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 70)")
    picture(page, "07", "invoice")

    assert [e for e in errors if not e.endswith("/favicon.ico")] == []
    station.close()
    context.close()
