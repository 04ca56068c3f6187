"""The operator terminal without a browser: badge sign-on, work centers and dispatch list,
start / pause with a reason / resume, consume by a scanned lot (a held lot is refused with the
service's message and nothing is consumed), complete with scrap and a reason code, backflush,
clock on another operator, name the output lot and print its label (SVG checked bar by bar).

The data is the MES floor of tests/mes/test_floor_checks.py: FRAME = 2 kg STEEL (lot L1,
30 kg) + 4 BOLT; op 10 Cut on WC-CUT needs qualification SAW, op 20 Assemble on WC-ASM."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape

import barcode
import pytest
import segno
from sqlalchemy import select

from gemba.erp.inventory.lot import HoldIn, hold_lot, release_lot
from gemba.erp.personnel.qualification import QualificationIn, grant_qualification
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.execution_event import EventKind, ExecutionEvent
from mes.test_floor_checks import events, floor, run  # noqa: F401 - the fixture is used by name

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def station(web, add_user):
    """A terminal logged in as ``olga`` (role operator); nobody signed on with a badge yet."""
    add_user("olga", ("operator",))
    assert web.login("olga").status_code == 303
    return web


@pytest.fixture
def anna(station, gemba, floor):  # noqa: F811
    """ANNA (qualified for SAW) signed on at the station; returns the work order number."""
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    r = station.submit("/mes/terminal/badge", {"badge": "ANNA"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/mes/terminal"
    return floor


def job(number: str, seq: int = 10, action: str = "") -> str:
    return f"/mes/terminal/jobs/{number}/{seq}" + (f"/{action}" if action else "")


def operation(gemba, number: str, seq: int = 10) -> wo_.WorkOperation:
    with gemba.uow() as uow:
        op = wo_.get_work_order(uow, number).operation(seq)
        uow.session.expunge(op)
        return op


def banner(html: str) -> str:
    match = re.search(r'<div class="t-alert error" role="alert" id="banner">(.*?)</div>', html,
                      re.S)
    assert match, "no error banner on the page"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip())


def counter(html: str, name: str) -> str:
    match = re.search(rf'id="qty-{name}">([^<]*)<', html)
    assert match, f"no {name} counter"
    return match.group(1)


def test_badge_sign_on_shows_the_operator_and_sign_off_forgets_them(station, gemba, floor):  # noqa: F811
    home = station.get("/").text
    assert 'href="/mes/terminal"' in home  # the Terminal entry for MES_EXECUTE
    page = station.get("/mes/terminal")
    assert page.status_code == 200
    assert re.search(r'<input type="text" id="badge" name="badge"[^>]*autofocus', page.text)

    unknown = station.submit("/mes/terminal/badge", {"badge": "NOPE"})
    assert unknown.status_code == 404
    assert banner(unknown.text) == "Not done No active operator has badge 'NOPE'"
    assert 'id="operator"' not in unknown.text
    empty = station.submit("/mes/terminal/badge", {"badge": "  "})
    assert empty.status_code == 422 and banner(empty.text) == "Not done Badge: scan your badge"

    signed = station.submit("/mes/terminal/badge", {"badge": "ANNA"})
    assert signed.status_code == 200 and "Signed on: Anna (ANNA)." in signed.text
    assert re.search(r'id="operator".*?<strong>Anna</strong> <small>ANNA</small>', signed.text,
                     re.S)
    tiles = re.findall(r'data-work-center="([^"]+)">\s*<span class="t-tile-code">[^<]+</span>\s*'
                       r'<span class="t-tile-count"><strong>(\d+)</strong>', signed.text)
    assert tiles == [("WC-ASM", "0"), ("WC-CUT", "1")]  # assembly: 1 coming, not ready
    assert "1 coming" in signed.text

    out = station.submit("/mes/terminal/sign-off", {})
    assert out.status_code == 200 and "Anna signed off." in out.text
    assert 'id="badge"' in out.text and 'id="operator"' not in out.text
    # A job link opened without a badge asks for one and comes back to the job.
    ask = station.get(job(floor))
    assert 'id="badge"' in ask.text and f'name="next" value="{job(floor)}"' in ask.text
    back = station.submit("/mes/terminal/badge", {"badge": "ANNA", "next": job(floor)},
                          follow_redirects=False)
    assert back.headers["location"] == job(floor)
    # An action posted after signing off is refused, nothing started.
    station.submit("/mes/terminal/sign-off", {})
    refused = station.submit(job(floor, 10, "start"), {})
    assert refused.status_code == 409 and "Scan your badge first" in refused.text
    assert operation(gemba, floor).status.value == "pending"


def test_a_person_without_mes_execute_has_no_terminal(web, add_user, floor):  # noqa: F811
    add_user("vera", ("viewer",))
    assert web.login("vera").status_code == 303
    assert 'href="/mes/terminal"' not in web.get("/").text
    assert web.get("/mes/terminal").status_code == 403
    assert web.submit("/mes/terminal/badge", {"badge": "ANNA"}).status_code == 403


def test_dispatch_list_and_the_job_page(station, gemba, floor):  # noqa: F811
    station.submit("/mes/terminal/badge", {"badge": "ANNA"})
    listing = station.get("/mes/terminal/work-centers/WC-CUT")
    assert listing.status_code == 200
    assert f'href="{job(floor)}"' in listing.text and "FRAME · op 10 Cut" in listing.text
    assert station.get("/mes/terminal/work-centers/WC-ASM").text.count('class="t-job ') == 0
    page = station.get(job(floor)).text
    assert f"{floor} <small>op 10 · Cut</small>" in page
    assert '<pre class="t-instructions">Cut 2 kg per frame.\nDeburr.</pre>' in page
    assert "SAW <small>you do not hold it</small>" in page
    assert re.search(r'id="material-STEEL".*?20 kg.*?class="num consumed">0<', page, re.S)
    assert re.search(r'id="material-BOLT".*?40 ea', page, re.S)
    assert 'id="start"' in page and 'id="complete"' not in page
    assert counter(page, "reached") == "10" and counter(page, "todo") == "10"

    # Not qualified: the service's message in the banner, still pending, still on the page.
    refused = station.submit(job(floor, 10, "start"), {})
    assert refused.status_code == 422
    assert banner(refused.text) == ("Not done Operator: ANNA does not hold qualification SAW; "
                                    "this operation requires it")
    assert 'id="start"' in refused.text and operation(gemba, floor).status.value == "pending"
    missing = station.get(job("MO-NOPE"))
    assert missing.status_code == 404
    assert banner(missing.text) == "Not done Work order 'MO-NOPE' does not exist"


def test_start_pause_with_a_reason_and_resume(station, gemba, anna):
    started = station.submit(job(anna, 10, "start"), {})
    assert started.status_code == 200 and "Operation 10 started by Anna." in started.text
    assert 'id="op-status">running<' in started.text and 'id="pause"' in started.text
    assert re.search(r'id="scan" name="scan"[^>]*autofocus', started.text)
    assert "SAW <small>you hold it</small>" in started.text
    op = operation(gemba, anna)
    assert (op.status.value, op.operator) == ("running", "ANNA")

    again = station.submit(job(anna, 10, "start"), {})
    assert again.status_code == 409
    assert "Operation 10 of " in banner(again.text) and "it was started already" in again.text
    assert station.submit(job(anna, 10, "pause"), {"reason": "nap"}).status_code == 422
    other = station.submit(job(anna, 10, "pause"), {"reason": "other"})
    assert other.status_code == 422
    assert banner(other.text) == "Not done Note: say what the other reason is"
    paused = station.submit(job(anna, 10, "pause"), {"reason": "breakdown", "note": "saw blade"})
    assert "Operation 10 paused (breakdown: saw blade)." in paused.text
    assert 'id="op-status">paused<' in paused.text and 'id="resume"' in paused.text
    with gemba.uow() as uow:
        pause = uow.session.scalar(select(ExecutionEvent).where(
            ExecutionEvent.kind == EventKind.PAUSE))
        assert (pause.reason, pause.operator) == ("breakdown: saw blade", "ANNA")
    resumed = station.submit(job(anna, 10, "resume"), {})
    assert "Operation 10 resumed by Anna." in resumed.text
    assert operation(gemba, anna).status.value == "running"


def test_consume_by_a_scanned_lot(station, gemba, anna):
    station.submit(job(anna, 10, "start"), {})
    scanned = station.get(job(anna), params={"scan": "L1"}).text
    assert "STEEL" in scanned and "lot <b>L1</b>" in scanned and "30 kg available" in scanned
    assert re.search(r'id="qty-1" name="qty"[^>]*value="20"', scanned)  # what is still needed

    run(gemba, hold_lot, "STEEL", "L1", HoldIn(reason="supplier recall"))
    held = station.get(job(anna), params={"scan": "L1"}).text
    assert "lot L1 of STEEL is on hold (supplier recall)" in held  # warned before consuming
    refused = station.submit(job(anna, 10, "consume"), {"item": "STEEL", "lot": "L1",
                                                        "qty": "20"})
    assert refused.status_code == 422
    assert banner(refused.text) == "Not done Lot: lot L1 of STEEL is on hold (supplier recall)"
    assert re.search(r'id="qty-1" name="qty"[^>]*value="20"', refused.text)  # kept as typed
    assert events(gemba, EventKind.CONSUME) == 0
    run(gemba, release_lot, "STEEL", "L1")

    unknown = station.get(job(anna), params={"scan": "XYZ"}).text
    assert f"No lot XYZ of a material of {anna} is known (materials: BOLT, STEEL)." in unknown
    bad = station.submit(job(anna, 10, "consume"), {"item": "STEEL", "lot": "L1", "qty": "abc"})
    assert bad.status_code == 422 and banner(bad.text) == "Not done Qty: 'abc' is not a number"
    too_much = station.submit(job(anna, 10, "consume"), {"item": "STEEL", "lot": "L1",
                                                         "qty": "31"})
    assert "lot L1 of STEEL has 30 kg left, less than the 31 to consume" in banner(too_much.text)

    done = station.submit(job(anna, 10, "consume"), {"item": "STEEL", "lot": "L1", "qty": "12"})
    assert done.status_code == 200 and "Consumed 12 STEEL from lot L1." in done.text
    assert re.search(r'id="material-STEEL".*?class="num consumed">12<', done.text, re.S)
    assert "STEEL · L1 · 12" in done.text
    # The next scan of the same lot proposes what is still needed: 8 kg.
    again = station.get(job(anna), params={"scan": "L1"}).text
    assert re.search(r'id="qty-1" name="qty"[^>]*value="8"', again)
    # An item the MES keeps no lots of: its item code stands for it, no lot.
    bolt = station.get(job(anna), params={"scan": "BOLT"}).text
    assert "no lot" in bolt and re.search(r'id="qty-1" name="qty"[^>]*value="40"', bolt)
    station.submit(job(anna, 10, "consume"), {"item": "BOLT", "lot": "", "qty": "40"})
    with gemba.uow() as uow:
        got = [(e.item, e.lot, e.qty, e.operator) for e in uow.session.scalars(
            select(ExecutionEvent).where(ExecutionEvent.kind == EventKind.CONSUME)
            .order_by(ExecutionEvent.id))]
    assert got == [("STEEL", "L1", D(12), "ANNA"), ("BOLT", None, D(40), "ANNA")]


def test_complete_with_scrap_and_a_reason_code(station, gemba, anna):
    station.submit(job(anna, 10, "start"), {})
    no_reason = station.submit(job(anna, 10, "complete"), {"good": "9", "scrap": "1"})
    assert no_reason.status_code == 422
    assert banner(no_reason.text) == "Not done Scrap reason: say why it was scrapped"
    assert 'id="good" name="good"' in no_reason.text and 'value="9"' in no_reason.text
    bad_code = station.submit(job(anna, 10, "complete"), {"good": "9", "scrap": "1",
                                                          "scrap_reason": "gremlins"})
    assert bad_code.status_code == 422 and "pick one of: dimension" in bad_code.text
    assert operation(gemba, anna).qty_good == 0

    done = station.submit(job(anna, 10, "complete"), {"good": "9", "scrap": "1", "rework": "2",
                                                      "scrap_reason": "dimension"})
    assert done.status_code == 200
    assert ("Operation 10: reported 9 good, 1 scrap (dimension), 2 rework. It is done."
            in done.text)
    assert (counter(done.text, "good"), counter(done.text, "scrap"),
            counter(done.text, "rework"), counter(done.text, "todo")) == ("9", "1", "2", "0")
    assert 'id="op-status">done<' in done.text
    op = operation(gemba, anna)
    assert (op.status.value, op.qty_good, op.qty_scrap, op.qty_rework) == ("done", 9, 1, 2)
    with gemba.uow() as uow:
        event = uow.session.scalar(select(ExecutionEvent).where(
            ExecutionEvent.kind == EventKind.COMPLETE))
        assert (event.reason, event.operator, event.qty_scrap) == ("dimension", "ANNA", 1)
    # The work moved on: assembly has it ready now.
    assert f'href="{job(anna, 20)}"' in station.get("/mes/terminal/work-centers/WC-ASM").text


def test_complete_with_backflush_consumes_by_the_bom(station, gemba, anna):
    station.submit(job(anna, 10, "start"), {})
    station.submit(job(anna, 10, "consume"), {"item": "STEEL", "lot": "L1", "qty": "3"})
    done = station.submit(job(anna, 10, "complete"), {"good": "4", "backflush": "on"})
    assert "reported 4 good. Components backflushed." in done.text
    # 4 of 10 done: 8 kg STEEL (3 scanned + 5 backflushed) and 16 BOLT
    assert re.search(r'id="material-STEEL".*?class="num consumed">8<', done.text, re.S)
    assert re.search(r'id="material-BOLT".*?class="num consumed">16<', done.text, re.S)
    with gemba.uow() as uow:
        got = sorted((e.item, e.lot, e.qty, e.reason) for e in uow.session.scalars(
            select(ExecutionEvent).where(ExecutionEvent.kind == EventKind.CONSUME)))
    assert got == [("BOLT", None, D(16), "backflush"), ("STEEL", "L1", D(3), None),
                   ("STEEL", "L1", D(5), "backflush")]


def test_clock_on_another_operator_by_badge(station, gemba, anna):
    station.submit(job(anna, 10, "start"), {})
    refused = station.submit(job(anna, 10, "crew"), {"badge": "BORIS", "action": "on"})
    assert refused.status_code == 422
    assert "BORIS does not hold qualification SAW" in banner(refused.text)
    run(gemba, grant_qualification, "BORIS", QualificationIn(skill="SAW"))
    on = station.submit(job(anna, 10, "crew"), {"badge": "BORIS", "action": "on"})
    assert "Boris (BORIS) clocked on operation 10." in on.text
    assert re.findall(r'<li class="ok">(\w+)</li>', on.text.split('id="clocked-on"')[1]) == [
        "ANNA", "BORIS"]
    off = station.submit(job(anna, 10, "crew"), {"badge": "BORIS", "action": "off"})
    assert "Boris (BORIS) clocked off operation 10." in off.text
    assert station.submit(job(anna, 10, "crew"), {"badge": "NOPE", "action": "on"}
                          ).status_code == 404


def _bars(svg: ET.Element) -> str:
    """The Code 128 modules drawn on the label, read back from the bars' positions."""
    box = next(e for e in svg.iter(SVG + "svg") if e.get("preserveAspectRatio") == "none")
    bars = [(float(r.get("x")), float(r.get("width"))) for r in box.iter(SVG + "rect")
            if r.get("fill") == "#000"]
    end = round((max(x + w for x, w in bars) - 3.0) / 0.3)
    modules = ["0"] * end
    for x, w in bars:
        start = round((x - 3.0) / 0.3)
        for i in range(start, start + round(w / 0.3)):
            modules[i] = "1"
    return "".join(modules)


def _qr_modules(svg: ET.Element) -> set[tuple[int, int]]:
    """The dark QR modules of segno's path (``M x y`` then relative ``m``/``h`` moves)."""
    path = next(svg.iter(SVG + "path")).get("d")
    dark, x, y = set(), 0.0, 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(a))}
            x += float(a)
    return dark


def test_name_the_output_lot_and_print_its_label(station, gemba, anna):
    station.submit(job(anna, 10, "start"), {})
    station.submit(job(anna, 10, "complete"), {"good": "10"})
    page = station.get(job(anna, 20)).text
    assert 'id="output-panel"' in page and 'id="print-label"' not in page
    station.submit(job(anna, 20, "start"), {})
    assert station.submit(job(anna, 20, "produce"), {"kind": "lot", "code": ""}
                          ).status_code == 422
    named = station.submit(job(anna, 20, "produce"), {"kind": "lot", "code": "FR-0001"})
    assert "Output lot FR-0001 named" in named.text
    done = station.submit(job(anna, 20, "complete"), {"good": "10"})
    assert "It is done." in done.text
    assert 'id="output-code">FR-0001<' in done.text and "10 ea made" in done.text
    with gemba.uow() as uow:
        outputs = ex.genealogy(uow, anna).outputs
        assert [(o.item, o.lot, o.qty) for o in outputs] == [("FRAME", "FR-0001", D(10))]
        assert wo_.get_work_order(uow, anna).status.value == "completed"

    link = re.search(r'id="print-label"\s+href="([^"]+)"', done.text).group(1).replace("&amp;",
                                                                                        "&")
    assert link.startswith("/mes/terminal/labels/FRAME/FR-0001?")
    label = station.get(link)
    assert label.status_code == 200 and 'onclick="window.print()"' in label.text
    assert label.text.count("<svg") >= 3  # the label with its QR code and barcode inline
    image = station.get(link.replace("FR-0001?", "FR-0001.svg?"))
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(image.content)  # well-formed XML
    assert svg.tag == SVG + "svg" and (svg.get("width"), svg.get("height")) == ("100mm", "62mm")
    texts = [t.text for t in svg.iter(SVG + "text")]
    assert {"FRAME", "FR-0001", "Qty: 10 ea", f"Work order: {anna}"} <= set(texts)
    assert any(t.startswith("Date: 20") for t in texts)
    # The bars are python-barcode's own Code 128 encoding of the lot code, module by module.
    assert _bars(svg) == "".join(barcode.get("code128", "FR-0001").build()).rstrip("0")
    # The QR code is segno's full QR code of the lot code (2 modules of quiet zone).
    qr = segno.make_qr("FR-0001", error="m")
    expected = {(c + 2, r + 2) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}
    assert _qr_modules(svg) == expected

    assert station.get("/mes/terminal/labels/FRAME/FR-0001.svg?qty=lots").status_code == 422


def test_every_post_needs_the_csrf_token(station, gemba, anna):
    r = station.post(job(anna, 10, "start"), data={})
    assert r.status_code == 403 and "CSRF" in r.text
    assert operation(gemba, anna).status.value == "pending"
