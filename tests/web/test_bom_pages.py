"""BOM pages: create with lines, errors on the right line, edit as a document, explosion,
where-used on the item page, history including the lines."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from gemba.erp.catalog.bom import get_bom
from gemba.erp.catalog.item import ItemIn, create_item


@pytest.fixture
def parts(gemba):
    with gemba.uow() as uow:
        for code, type_, uom in [("BIKE", "manufactured", "ea"), ("FRAME", "manufactured", "ea"),
                                 ("TUBE", "purchased", "m"), ("WHEEL", "purchased", "ea"),
                                 ("PAINT", "purchased", "l"), ("FIT", "service", "h")]:
            create_item(uow, ItemIn(code=code, name=code.title(), type=type_, uom=uom))
        uow.commit()


def bom_form(item: str, lines: list[tuple[str, str, str, str]], **header: str) -> dict[str, str]:
    data = {"item": item, "revision": "A", "status": "active", "base_qty": "1",
            "effective_from": "", "effective_to": "", **header}
    for n, (seq, comp, qty, scrap) in enumerate(lines):
        data |= {f"lines[{n}].seq": seq, f"lines[{n}].component": comp,
                 f"lines[{n}].qty_per": qty, f"lines[{n}].scrap_pct": scrap}
    return data


def test_create_bom_with_lines(admin, gemba, parts):
    form = admin.get("/erp/boms/new?item=FRAME")
    assert form.status_code == 200
    assert '<option value="FRAME" selected>' in form.text
    assert '<option value="TUBE"' not in form.text.split('id="component-list"')[0]  # parents
    assert form.text.count('class="line-row"') == 3
    data = bom_form("FRAME", [("", "TUBE", "2.5", "4"), ("", "", "", ""),
                              ("", "PAINT", "0.2", "")])
    r = admin.submit("/erp/boms/new", data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/erp/boms/BOM-000001"
    detail = admin.get("/erp/boms/BOM-000001")
    assert "BOM BOM-000001 created." in detail.text
    assert 'href="/erp/items/TUBE"' in detail.text and 'href="/erp/items/FRAME"' in detail.text
    with gemba.uow() as uow:
        bom = get_bom(uow, "BOM-000001")
        assert [(x.seq, x.component.code, x.qty_per, x.scrap_pct) for x in bom.lines] == [
            (10, "TUBE", Decimal("2.5"), Decimal(4)), (20, "PAINT", Decimal("0.2"), 0)]


def test_line_errors_are_shown_on_their_row_and_nothing_is_written(admin, gemba, parts):
    data = bom_form("FRAME", [("", "TUBE", "-1", ""), ("", "", "", ""), ("", "NOPE", "1", ""),
                              ("", "FIT", "1", "")])
    r = admin.submit("/erp/boms/new", data)
    assert r.status_code == 422
    rows = r.text.split('class="line-row"')[1:]
    assert len(rows) == 3  # the blank row is gone, the others renumbered
    assert "greater than 0" in rows[0]
    assert 'value="NOPE"' in rows[1]
    assert admin.get("/erp/boms").text.count("BOM-0") == 0
    r = admin.submit("/erp/boms/new", bom_form("FRAME", [("", "NOPE", "1", ""),
                                                         ("", "FIT", "1", "")]))
    assert r.status_code == 422
    rows = r.text.split('class="line-row"')[1:]
    assert "unknown item" in rows[0] and "service item" in rows[1]
    r = admin.submit("/erp/boms/new", bom_form("TUBE", [("", "PAINT", "1", "")]))
    assert r.status_code == 422 and 'id="err-item"' in r.text
    r = admin.submit("/erp/boms/new", bom_form("FRAME", [], effective_from="2026-05-01",
                                               effective_to="2026-01-01"))
    assert r.status_code == 422 and 'id="err-effective_to"' in r.text
    assert "No bills of materials found" in admin.get("/erp/boms").text


def test_cycle_is_rejected_with_its_path(admin, parts):
    assert admin.submit("/erp/boms/new", bom_form("BIKE", [("", "FRAME", "1", "")]),
                        follow_redirects=False).status_code == 303
    r = admin.submit("/erp/boms/new", bom_form("FRAME", [("", "BIKE", "1", "")]))
    assert r.status_code == 422 and "BOM cycle: FRAME -&gt; BIKE -&gt; FRAME" in r.text


def test_edit_bom_header_and_lines_then_history(admin, gemba, parts):
    admin.submit("/erp/boms/new", bom_form("FRAME", [("10", "TUBE", "2", "")]))
    edit = admin.get("/erp/boms/BOM-000001/edit")
    assert edit.status_code == 200 and 'name="lines[0].component" value="TUBE"' in edit.text
    assert 'name="item"' not in edit.text  # the parent item is fixed
    data = bom_form("FRAME", [("10", "TUBE", "3", ""), ("", "PAINT", "0.5", "")],
                    revision="B", version="1")
    del data["item"]
    r = admin.submit("/erp/boms/BOM-000001/edit", data, follow_redirects=False)
    assert r.status_code == 303, r.text
    stale = admin.submit("/erp/boms/BOM-000001/edit", data)
    assert stale.status_code == 409 and "stale version" in stale.text
    with gemba.uow() as uow:
        bom = get_bom(uow, "BOM-000001")
        assert bom.revision == "B"
        assert [(x.seq, x.component.code, x.qty_per) for x in bom.lines] == [
            (10, "TUBE", Decimal(3)), (20, "PAINT", Decimal("0.5"))]
    hist = admin.get("/erp/boms/BOM-000001/history")
    assert "<ins>B</ins>" in hist.text and "<ins>3</ins>" in hist.text
    assert "bom lines" in hist.text


def test_explosion_and_where_used(admin, parts):
    admin.submit("/erp/boms/new", bom_form("BIKE", [("", "FRAME", "1", ""),
                                                    ("", "WHEEL", "2", "")]))
    admin.submit("/erp/boms/new", bom_form("FRAME", [("", "TUBE", "2.5", "20")]))
    fragment = admin.get("/erp/boms/BOM-000001/explode", params={"qty": "4"},
                         headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    gross = dict(re.findall(r'href="/erp/items/(\w+)">\w+</a></td>.*?<strong>([\d.]+)</strong>',
                            fragment.text, flags=re.S))
    assert gross == {"FRAME": "4", "TUBE": "12.5", "WHEEL": "8"}
    bad = admin.get("/erp/boms/BOM-000001/explode", params={"qty": "-1"})
    assert "must be greater than zero" in bad.text
    early = admin.get("/erp/boms/BOM-000001/explode", params={"on": "not-a-date"})
    assert "must be a date" in early.text
    tube = admin.get("/erp/items/TUBE")
    used = tube.text.split("<h2>Where used</h2>")[1]
    assert 'href="/erp/items/FRAME"' in used and 'href="/erp/items/BIKE"' in used
    frame = admin.get("/erp/items/FRAME")
    assert 'href="/erp/boms/BOM-000002"' in frame.text.split("<h2>Bills of materials</h2>")[1]


def test_delete_bom(admin, parts):
    admin.submit("/erp/boms/new", bom_form("FRAME", [("", "TUBE", "1", "")]))
    r = admin.submit("/erp/boms/BOM-000001/delete", {"version": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert admin.get("/erp/boms/BOM-000001").status_code == 404


def test_add_line_row_fragment(admin, parts):
    r = admin.get("/erp/boms/_line", params={"n": "1234"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.strip().startswith("<tr")
    assert 'name="lines[1234].component"' in r.text
