"""A real browser (Debian's chromium through Playwright) against a live server on its own
SQLite copy: log in, create an item, create a BOM with a component line, tablet layout.

Screenshots go to test-artifacts/ (gitignored) so a person can look at the pages.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gemba.bootstrap import Gemba, bootstrap
from gemba.core.auth.services import UserIn, create_user
from gemba.core.config import load_settings

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct-horse-9"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class LiveServer:
    url: str
    gemba: Gemba


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """uvicorn in a background thread, serving the app on a private SQLite copy."""
    import uvicorn

    from gemba.api.app import create_app

    db = tmp_path / "live.db"
    shutil.copyfile(sqlite_template, db)
    settings = load_settings(
        env={"GEMBA_DATABASE_URL": f"sqlite:///{db}", "GEMBA_VAR_DIR": str(tmp_path / "var"),
             "GEMBA_SECRET_KEY": "live-server-secret-0123456789"},
        toml_path=tmp_path / "absent.toml")
    gemba = bootstrap(settings)
    with gemba.uow() as uow:
        create_user(uow, UserIn(username="admin", password=PASSWORD, roles=["admin"]))
        uow.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(gemba), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", gemba)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        gemba.close()


@pytest.fixture
def browser():
    """Debian's chromium; never a downloaded browser. Missing chromium fails under CI."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (make browser-deps)", pytrace=False)
        pytest.skip("chromium is not installed (make browser-deps)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, base: str) -> None:
    page.goto(base + "/erp/items")
    assert "/login" in page.url
    shot(page, "01-login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/erp/items")


def create_item(page, base: str, code: str, name: str, type_: str, uom: str = "ea") -> None:
    page.goto(base + "/erp/items/new")
    page.fill("#f-code", code)
    page.fill("#f-name", name)
    page.select_option("#f-type", type_)
    page.select_option("#f-uom", uom)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/erp/items/{code}")


def test_login_create_item_and_bom(live_server: LiveServer, browser) -> None:
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base)

    # A form error first: shown next to the field, nothing written.
    page.goto(base + "/erp/items/new")
    page.fill("#f-code", "FRAME")
    page.fill("#f-name", "Bike frame")
    page.fill("#f-safety_stock", "-1")
    page.click("main button[type=submit]")
    shot(page, "02-item-form-error")
    assert "greater than or equal to 0" in page.inner_text("#err-safety_stock", timeout=5000)
    shot(page, "02-item-form-error")

    create_item(page, base, "FRAME", "Bike frame", "manufactured")
    assert "Item FRAME created." in page.inner_text("main")
    page.wait_for_selector("table.history")  # loaded by HTMX
    shot(page, "03-item-detail")
    create_item(page, base, "TUBE", "Steel tube", "purchased", uom="m")
    create_item(page, base, "PAINT", "Red paint", "purchased", uom="l")

    # Search as you type (HTMX swaps only the results).
    page.goto(base + "/erp/items")
    page.fill("input[name=q]", "tube")
    page.wait_for_function("!document.querySelector('#results').innerText.includes('FRAME')")
    assert "TUBE" in page.inner_text("#results")
    shot(page, "04-item-list-search")

    # A BOM for FRAME: one line typed in, a second row added through HTMX.
    page.goto(base + "/erp/items/FRAME")
    page.click("a[href='/erp/boms/new?item=FRAME']")
    page.wait_for_url(base + "/erp/boms/new?item=FRAME")
    assert page.input_value("#f-item") == "FRAME"
    page.fill("input[name='lines[0].component']", "TUBE")
    page.fill("input[name='lines[0].qty_per']", "2.5")
    page.fill("input[name='lines[0].scrap_pct']", "4")
    rows = page.locator("tr.line-row")
    assert rows.count() == 3
    page.click("text=+ Add line")
    page.wait_for_function("document.querySelectorAll('tr.line-row').length === 4")
    rows.nth(3).locator("input[name$='.component']").fill("PAINT")
    rows.nth(3).locator("input[name$='.qty_per']").fill("0.25")
    rows.nth(1).locator("button[aria-label='Remove line']").click()
    assert rows.count() == 3
    shot(page, "05-bom-form")
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/erp/boms/BOM-000001")
    lines = page.inner_text("section.panel:has(h2:text('Lines')) table")
    assert "TUBE" in lines and "2.5" in lines and "PAINT" in lines and "0.25" in lines
    page.wait_for_selector("#explosion table.explosion")  # exploded by HTMX on load
    assert "2.604167" in page.inner_text("#explosion")  # 2.5 / (1 - 4 %)
    page.wait_for_selector("table.history")
    shot(page, "06-bom-detail")

    # Where-used on the component's page.
    page.goto(base + "/erp/items/TUBE")
    assert "BOM-000001" in page.inner_text("section.panel:has(h2:text('Where used'))")
    assert not errors, errors

    # Tablet: 768 px wide, the navigation collapses behind the menu button.
    tablet = browser.new_page(viewport={"width": 768, "height": 1024})
    tablet.context.add_cookies(page.context.cookies())
    tablet.goto(base + "/erp/boms/BOM-000001")
    assert not tablet.is_visible("nav.sidebar")
    assert tablet.is_visible("label.nav-button")
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"horizontal scrolling at 768 px: {width}"
    shot(tablet, "07-tablet-bom-detail")
    tablet.click("label.nav-button")
    assert tablet.is_visible("nav.sidebar")
    shot(tablet, "08-tablet-nav-open")
    tablet.click("nav.sidebar >> text=Items")
    tablet.wait_for_url(base + "/erp/items")
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
    shot(tablet, "09-tablet-item-list")
    tablet.goto(base + "/erp/boms/BOM-000001/edit")
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
    shot(tablet, "10-tablet-bom-edit")


def seed_plant(gemba: Gemba) -> None:
    from gemba.erp.catalog.item import ItemIn
    from gemba.erp.catalog.item import create_item as add_item
    from gemba.erp.catalog.routing import OperationIn, RoutingIn, create_routing
    from gemba.erp.equipment.calendar import CalendarIn, HolidayIn, ShiftIn, create_calendar
    from gemba.erp.equipment.equipment import EquipmentIn, create_equipment
    from gemba.erp.equipment.hierarchy import CapabilityIn, add_capability
    from gemba.erp.personnel.employee import EmployeeIn, SkillIn, create_employee, create_skill
    from gemba.erp.personnel.qualification import QualificationIn, grant_qualification

    with gemba.uow() as uow:
        create_calendar(uow, CalendarIn(
            code="2SHIFT", name="Two shifts", timezone="Europe/Berlin",
            shifts=[ShiftIn(code=c, weekday=d, start=s, end=e) for d in range(5)
                    for c, s, e in [("EARLY", "06:00", "14:00"), ("LATE", "14:00", "22:00")]],
            holidays=[HolidayIn(day="2026-12-25", name="Christmas")]))
        for code, level, parent, extra in [
                ("ACME", "enterprise", None, {}), ("BERLIN", "site", "ACME", {}),
                ("ASSY", "area", "BERLIN", {}), ("PAINTSHOP", "area", "BERLIN", {}),
                ("LINE1", "work_center", "ASSY", {"kind": "production_line",
                                                  "calendar": "2SHIFT"}),
                ("WELD1", "work_center", "ASSY", {"kind": "work_cell", "hours_per_day": "16"}),
                ("ROBOT1", "work_unit", "LINE1", {"kind": "machine"}),
                ("ROBOT2", "work_unit", "LINE1", {"kind": "machine"}),
                ("BOOTH", "work_center", "PAINTSHOP", {"kind": "process_cell"})]:
            create_equipment(uow, EquipmentIn(code=code, name=code.title(), level=level,
                                              parent=parent, **extra))
        add_capability(uow, "WELD1", CapabilityIn(capability="mig-welding"))
        create_skill(uow, SkillIn(code="WELD", name="MIG welding"))
        create_employee(uow, EmployeeIn(code="E100", name="Ann Smith", site_code="BERLIN"))
        grant_qualification(uow, "E100", QualificationIn(skill="WELD", valid_until="2027-06-30"))
        add_item(uow, ItemIn(code="BIKE", name="City bike", type="manufactured", uom="ea"))
        create_routing(uow, RoutingIn(item="BIKE", revision="A", operations=[
            OperationIn(seq=10, name="Weld frame", work_center="WELD1", setup_min=30,
                        run_min_per_unit=12, instructions="Tack, then weld fully.",
                        alternatives=[{"work_center": "LINE1"}]),
            OperationIn(seq=20, name="Paint", work_center="BOOTH", run_min_per_unit=5)]))
        uow.commit()


PAGES = [("11-equipment-tree", "/mes/equipment/tree"),
         ("12-equipment-detail", "/mes/equipment/WELD1"),
         ("13-calendar", "/mes/calendars/2SHIFT"),
         ("14-employee", "/erp/employees/E100"),
         ("15-routing", "/erp/routings/RTG-000001"),
         ("16-routing-edit", "/erp/routings/RTG-000001/edit"),
         ("17-dashboard", "/")]


def test_pages_at_desktop_and_tablet_width(live_server: LiveServer, browser) -> None:
    """Every kind of page renders without script errors and without sideways scrolling on a
    768 px tablet; the screenshots are for a person to look at."""
    seed_plant(live_server.gemba)
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base)
    tablet = browser.new_page(viewport={"width": 768, "height": 1024})
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.context.add_cookies(page.context.cookies())
    for name, path in PAGES:
        for view, label in ((page, "desktop"), (tablet, "tablet")):
            response = view.goto(base + path)
            assert response is not None and response.status == 200, path
            view.wait_for_load_state("networkidle")
            if label == "tablet":
                width = view.evaluate("document.documentElement.scrollWidth")
                assert width <= 768, f"{path} scrolls sideways at 768 px ({width})"
            shot(view, f"{name}-{label}")
    assert "ROBOT2" in page.goto(base + "/mes/equipment/tree").text()
    assert not errors, errors
