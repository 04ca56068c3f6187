"""A real browser drives the operator terminal on a live server (SQLite, like the other
browser tests): the station logs in as an operator, the operator scans a badge (typed keys +
Enter, as a scanner does), picks the work center and the job, starts it, pauses and resumes
it, scans a lot to consume, reports good and scrap with a reason code; then assembles, names
the output lot and opens its label. Screenshots: docs/screenshots/terminal-job.png and
docs/screenshots/terminal-label.png."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from test_browser import PASSWORD, browser, live_server, shot  # noqa: F401 - fixtures

from gemba.core.auth.services import UserIn, create_user
from gemba.erp.personnel.qualification import QualificationIn, grant_qualification
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from mes.test_floor_checks import floor, run  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.browser

D = Decimal
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Every tappable thing on the page, for the touch-size check.
TARGETS = """() => [...document.querySelectorAll(
  'main .t-btn, main .t-chip span, main .t-input, main .t-check, header .t-btn')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.id || e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])"""


@pytest.fixture
def gemba(live_server):  # noqa: F811 - the floor fixture sets up the live server's database
    return live_server.gemba


def text(page, selector: str) -> str:
    return (page.text_content(selector) or "").strip()


def focused(page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def scan(page, code: str) -> None:
    """A keyboard-wedge scanner: the code's keys, then Enter, into whatever has focus."""
    page.keyboard.type(code, delay=15)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_operator_terminal_start_consume_by_scan_complete_with_scrap(
        live_server, browser, floor):  # noqa: F811
    base, gemba, number = live_server.url, live_server.gemba, floor
    with gemba.uow() as uow:
        create_user(uow, UserIn(username="olga", password=PASSWORD, roles=["operator"]))
        uow.commit()
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The station logs in (a normal Gemba login) and lands on the badge prompt.
    page.goto(base + "/mes/terminal")
    assert "/login" in page.url
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/mes/terminal")
    assert focused(page) == "badge"
    shot(page, "terminal-badge")
    scan(page, "NOBODY")
    assert "No active operator has badge 'NOBODY'" in text(page, "#banner")
    page.fill("#badge", "")
    scan(page, "ANNA")
    assert text(page, "#operator strong") == "Anna"
    assert "Signed on: Anna (ANNA)." in text(page, "main")

    # Work center, then the job from its dispatch list.
    shot(page, "terminal-work-centers")
    page.click("[data-work-center='WC-CUT']")
    page.wait_for_url(base + "/mes/terminal/work-centers/WC-CUT")
    shot(page, "terminal-dispatch")
    page.click(f"#dispatch a[href='/mes/terminal/jobs/{number}/10']")
    page.wait_for_url(f"{base}/mes/terminal/jobs/{number}/10")
    assert "Cut 2 kg per frame." in text(page, "#instructions")
    assert text(page, "#op-status") == "pending"

    page.click("#start")
    page.wait_for_selector("#op-status:text('running')")
    assert focused(page) == "scan"  # ready for the scanner

    # Pause with a reason, then resume.
    page.click("#pause")
    page.click("form.t-reasons button:text('Breakdown')")
    page.wait_for_selector("#op-status:text('paused')")
    page.click("#resume")
    page.wait_for_selector("#op-status:text('running')")

    # Scan the steel lot: the quantity still needed is proposed and focused.
    assert focused(page) == "scan"
    scan(page, "L1")
    assert "lot L1" in text(page, "#lot-1") and "30 kg available" in text(page, "#lot-1")
    assert focused(page) == "qty-1"
    assert page.input_value("#qty-1") == "20"
    shot(page, "terminal-scan")
    page.click("#lot-1 button[type=submit]")
    page.wait_for_selector("text=Consumed 20 STEEL from lot L1.")
    assert text(page, "#material-STEEL .consumed") == "20"

    # Report 6 good and 1 scrap (dimension): the operation keeps running, 3 to do.
    page.fill("#good", "6")
    page.fill("#scrap", "1")
    page.click("#scrap-reasons .t-chip:has-text('Dimension')")
    page.click("#complete")
    page.wait_for_selector("text=Operation 10: reported 6 good, 1 scrap (dimension).")
    assert [text(page, f"#qty-{n}") for n in ("good", "scrap", "rework", "todo")] == [
        "6", "1", "0", "3"]
    assert text(page, "#op-status") == "running"
    with gemba.uow() as uow:
        op = wo_.get_work_order(uow, number).operation(10)
        assert (op.status.value, op.qty_good, op.qty_scrap, op.operator) == (
            "running", D(6), D(1), "ANNA")
        assert [(i.item, i.lot, i.qty) for i in ex.genealogy(uow, number).inputs] == [
            ("STEEL", "L1", D(20))]
    sizes = page.evaluate(TARGETS)
    small = [(name, h) for name, h in sizes if h < 48]
    assert len(sizes) > 20 and not small, small
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "terminal-job.png"), full_page=True)

    # The last 3 good finish the cut; assembly names the output lot and prints its label.
    page.fill("#good", "3")
    page.click("#complete")
    page.wait_for_selector("#op-status:text('done')")
    page.click(".t-crumbs a:text('Work centers')")
    page.click("[data-work-center='WC-ASM']")
    page.click(f"#dispatch a[href='/mes/terminal/jobs/{number}/20']")
    page.click("#start")
    page.wait_for_selector("#op-status:text('running')")
    page.fill("#output-code-input", "FR-0001")
    page.click("#produce")
    page.wait_for_selector("#output-code:text('FR-0001')")
    page.fill("#good", "9")
    page.click("#complete")
    page.wait_for_selector("#op-status:text('done')")
    with gemba.uow() as uow:
        assert [(o.lot, o.qty) for o in ex.genealogy(uow, number).outputs] == [
            ("FR-0001", D(9))]
        assert wo_.get_work_order(uow, number).status.value == "completed"
    page.click("#print-label")
    page.wait_for_selector("#label svg")
    assert page.locator("#print").is_visible()
    label = text(page, "#label")
    assert "FRAME" in label and "FR-0001" in label and "Qty: 9 ea" in label
    box = page.locator("#label > svg").bounding_box()
    assert box and abs(box["width"] / box["height"] - 100 / 62) < 0.02
    page.screenshot(path=str(SHOTS / "terminal-label.png"), full_page=False)
    assert errors == []
