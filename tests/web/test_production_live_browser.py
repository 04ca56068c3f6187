"""A real browser follows a production order live: the detail page and the list are open
while the MES (driven here through its services, as on the shop floor) releases the work
order, starts it and completes its operations; status, good/scrap and progress change on
both pages without a reload. The detail page's screenshot is docs/screenshots/production-live.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_browser import browser, live_server, log_in, shot  # noqa: F401 - fixtures

from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from production_testing import D, new_order, setup_factory

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "production-live.png"

# Counts the stream's messages (a reload would also reset the count).
WATCH = """
document.addEventListener('htmx:sseMessage', function () {
  window.__sseMessages = (window.__sseMessages || 0) + 1;
});
"""


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def live_text(page, number: str, part: str) -> str:
    return page.inner_text(f"#po-live-{number}-{part}").strip()


def wait_text(page, number: str, part: str, expected: str, seconds: float = 15) -> float:
    """Wait for a live part to show ``expected``; returns how long it took."""
    started = time.monotonic()
    page.wait_for_function(
        "([id, text]) => { const e = document.getElementById(id);"
        " return e !== null && e.innerText.trim() === text; }",
        arg=[f"po-live-{number}-{part}", expected], timeout=seconds * 1000)
    return time.monotonic() - started


def test_order_pages_follow_the_shop_floor_without_reload(live_server, browser):  # noqa: F811
    base, gemba = live_server.url, live_server.gemba
    setup_factory(gemba)
    number = new_order(gemba, release=True)  # the MES receives it after the commit
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    context.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}")
               if m.type == "error" else None)
    page = context.new_page()
    log_in(page, base)
    context.add_init_script(WATCH)
    page.goto(f"{base}/erp/production-orders/{number}")
    listing = context.new_page()
    listing.goto(f"{base}/erp/production-orders")
    for p in (page, listing):
        p.evaluate("window.__liveMarker = 'set-before-the-mes-worked'")
        p.wait_for_function("(window.__sseMessages || 0) >= 1")  # connected: state on connect
        assert live_text(p, number, "status") == "released"
        assert p.inner_text(f"#po-live-{number}-progress .pct") == "0"
    assert page.locator("#po-actions button:has-text('Cancel order')").count() == 1
    navigations = page.evaluate("performance.getEntriesByType('navigation').length")

    run(gemba, wo_.release_work_order, number)
    run(gemba, ex.start_operation, number, 10, "ANNA")
    took = wait_text(page, number, "status", "in progress")
    wait_text(listing, number, "status", "in progress")
    assert live_text(page, number, "mes").startswith("MES: started")
    assert took < 5, f"the page showed the start after {took:.1f} s"

    run(gemba, ex.consume, number, 10, "STEEL", "L1", D(21))
    run(gemba, ex.complete_operation, number, 10, D(9), D(1), "burr", minutes=D(60))
    run(gemba, ex.start_operation, number, 20, "ANNA")
    run(gemba, ex.consume, number, 20, "BOLT", None, D(36))
    run(gemba, ex.produce, number, 20, "FL-1")
    run(gemba, ex.complete_operation, number, 20, D(8), D(1), "dent", minutes=D(45))
    for p in (page, listing):
        wait_text(p, number, "status", "completed")
        wait_text(p, number, "good", "8")
        wait_text(p, number, "scrap", "2")
        assert p.inner_text(f"#po-live-{number}-progress .pct") == "80"
        assert p.get_attribute(f"#po-live-{number}-progress progress", "value") == "80"
        # not reloaded: the marker set before the MES worked is still there
        assert p.evaluate("window.__liveMarker") == "set-before-the-mes-worked"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations
    # the buttons follow the status too: a completed order is closed, no longer cancelled
    page.wait_for_selector("#po-actions button:has-text('Close')")
    assert page.locator("#po-actions button:has-text('Cancel order')").count() == 0
    assert page.evaluate("window.__liveMarker") == "set-before-the-mes-worked"
    assert page.evaluate("window.__sseMessages") >= 2

    # the list's search swaps its rows (htmx, no reload): they follow their own new stream
    seen = listing.evaluate("window.__sseMessages")
    listing.select_option("select[name=status]", "completed")
    listing.wait_for_function(f"(window.__sseMessages || 0) > {seen}")
    assert live_text(listing, number, "status") == "completed"
    assert listing.evaluate("window.__liveMarker") == "set-before-the-mes-worked"

    # no htmx error (an oob part without its place, a failed stream); the UI has no favicon
    assert [e for e in errors if not e.endswith("/favicon.ico")] == []

    page.wait_for_timeout(1800)  # let the change highlight fade for the picture
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    shot(listing, "production-live-list")
    context.close()
