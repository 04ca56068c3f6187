"""The serving demo, live: while the simulated factory keeps running in the server, the
production order list follows the MES without a reload (issue: the closed loop, live)."""

from __future__ import annotations

import pytest
from test_browser import PASSWORD, browser, live_server  # noqa: F401 - fixtures

from gemba.cli.demo import live_epoch, new_simulation, prepare_demo, simulate, start_live

pytestmark = pytest.mark.browser


def test_the_order_list_follows_the_running_factory_without_reload(live_server,  # noqa: F811
                                                                   browser):  # noqa: F811
    base, gemba = live_server.url, live_server.gemba
    epoch = live_epoch(0.25)
    prepare_demo(gemba, epoch.date())
    sim = new_simulation(gemba, 11, epoch)
    simulate(sim, 0.25)  # to 06:00: the early shift is about to start

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(base + "/erp/production-orders?status=released")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("[id^=po-live-][id$=-status]")
    page.evaluate("window.__notReloaded = true")
    before = page.eval_on_selector_all("[id^=po-live-][id$=-status]",
                                       "els => els.map(e => e.innerText.trim())")

    runner = start_live(sim, speed=3600.0)  # a simulated hour per second
    try:
        page.wait_for_selector(".live-updated", timeout=45000)
        page.wait_for_function(
            "before => [...document.querySelectorAll('[id^=po-live-][id$=-status]')]"
            ".map(e => e.innerText.trim()).join('|') !== before.join('|')",
            arg=before, timeout=45000)
    finally:
        runner.stop()
    assert runner.error is None
    assert page.evaluate("window.__notReloaded === true")  # updated in place
    after = page.eval_on_selector_all("[id^=po-live-][id$=-status]",
                                      "els => els.map(e => e.innerText.trim())")
    assert after != before and any(s.lower() != "released" for s in after), after
    page.screenshot(path="docs/screenshots/demo-live-orders.png")
