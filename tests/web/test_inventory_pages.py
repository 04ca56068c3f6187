"""Inventory pages: locations, lots with holds, stock on hand, the ledger with reversal, the
operation forms (transfer, adjustment, count, scrap) and the valuation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.lot import get_lot
from gemba.erp.inventory.operations import AdjustmentIn, adjust
from gemba.erp.inventory.stock import ledger_matches_balances, on_hand


@pytest.fixture
def stocked(gemba):
    """GEAR (fifo) 10 at 3.00 and PAINT lot L1 (expired) 20 at 5.00 in WH/STOCK; WH2."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("3")))
        create_item(uow, ItemIn(code="PAINT", name="Paint", type="purchased", uom="ea",
                                costing_method="average", tracking="lot",
                                standard_cost=D("5")))
        post_moves(uow, [MoveIn("GEAR", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D("3")),
                         MoveIn("PAINT", D(20), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=D("5"), expiry_date=date(2020, 1, 1))],
                   doc_type="receipt", doc_ref="GR-1")
        uow.commit()
    return gemba


def test_pages_render_and_navigation(admin, stocked):
    home = admin.get("/").text
    for url in ("/erp/stock", "/erp/stock-operations", "/erp/stock-moves", "/erp/lots",
                "/erp/locations", "/erp/warehouses", "/erp/valuation"):
        assert f'href="{url}"' in home, url
        assert admin.get(url).status_code == 200, url
    for url in ("/erp/stock-operations/transfer", "/erp/stock-operations/adjust",
                "/erp/stock-operations/count", "/erp/stock-operations/scrap",
                "/erp/locations/WH/STOCK", "/erp/locations/SCRAP", "/erp/warehouses/WH",
                "/erp/locations/new", "/erp/warehouses/new",
                "/erp/stock-operations/count/_line?n=7"):
        assert admin.get(url).status_code == 200, url
    assert admin.get("/erp/stock-operations/teleport").status_code == 404
    stock = admin.get("/erp/stock", params={"item": "PAINT"}).text
    assert "L1" in stock and "expired" in stock and 'id="total-on-hand">20<' in stock
    assert "holds no stock" in admin.get("/erp/locations/SCRAP").text
    valuation = admin.get("/erp/valuation").text
    assert 'id="valuation-total">130<' in valuation  # 30 + 100
    partial = admin.get("/erp/stock", params={"location": "WH/STOCK"},
                        headers={"HX-Request": "true", "HX-Target": "results"}).text
    assert "<html" not in partial and "GEAR" in partial


def test_viewer_reads_but_does_not_operate(web, add_user, stocked):
    add_user("vic", ("viewer",))
    assert web.login("vic").status_code == 303
    home = web.get("/").text
    assert 'href="/erp/stock"' in home and 'href="/erp/stock-operations"' not in home
    assert web.get("/erp/stock-operations/transfer").status_code == 403
    lots = web.get("/erp/lots").text
    assert "L1" in lots and "/erp/lots/hold" not in lots


def test_transfer_through_the_form(admin, stocked):
    admin.submit("/erp/warehouses/new", {"code": "WH2", "name": "Second"})
    bad = admin.submit("/erp/stock-operations/transfer", {
        "item": "GEAR", "qty": "11", "from_location": "WH/STOCK", "to_location": "WH2/STOCK"})
    assert bad.status_code == 422 and 'id="err-qty"' in bad.text and "not enough" in bad.text
    missing = admin.submit("/erp/stock-operations/transfer", {"item": "GEAR", "qty": ""})
    assert missing.status_code == 422 and 'id="err-from_location"' in missing.text
    lot = admin.submit("/erp/stock-operations/transfer", {
        "item": "PAINT", "qty": "1", "from_location": "WH/STOCK", "to_location": "WH2/STOCK"})
    assert lot.status_code == 422 and 'id="err-lot"' in lot.text
    r = admin.submit("/erp/stock-operations/transfer", {
        "item": "GEAR", "qty": "4", "from_location": "WH/STOCK", "to_location": "WH2/STOCK"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/erp/stock-moves?doc_ref=TRF-000001"
    ledger = admin.get(r.headers["location"]).text
    assert "Transfer TRF-000001 posted." in ledger and "WH2/STOCK" in ledger
    assert "Reverse TRF-000001" in ledger
    with stocked.uow() as uow:
        assert on_hand(uow, "GEAR", "WH2/STOCK") == 4 and on_hand(uow, "GEAR") == 10

    no_reason = admin.submit("/erp/stock-moves/reverse", {"doc_ref": "TRF-000001",
                                                          "reason": ""})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    rev = admin.submit("/erp/stock-moves/reverse", {"doc_ref": "TRF-000001",
                                                    "reason": "wrong rack"},
                       follow_redirects=False)
    assert rev.status_code == 303
    assert "Stock document TRF-000001 reversed." in admin.get(rev.headers["location"]).text
    again = admin.get("/erp/stock-moves", params={"doc_ref": "TRF-000001"}).text
    assert "Reverse TRF-000001" not in again
    twice = admin.submit("/erp/stock-moves/reverse", {"doc_ref": "TRF-000001",
                                                      "reason": "again"})
    assert twice.status_code == 409 and "already reversed" in twice.text
    with stocked.uow() as uow:
        assert on_hand(uow, "GEAR", "WH2/STOCK") == 0 and ledger_matches_balances(uow)
    bad_kind = admin.get("/erp/stock-moves", params={"kind": "teleport"})
    assert bad_kind.status_code == 422 and "unknown value" in bad_kind.text


def test_adjust_count_and_scrap_forms(admin, stocked):
    no_reason = admin.submit("/erp/stock-operations/adjust", {
        "item": "GEAR", "location": "WH/STOCK", "qty": "2"})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    zero = admin.submit("/erp/stock-operations/adjust", {
        "item": "GEAR", "location": "WH/STOCK", "qty": "0", "reason": "x"})
    assert zero.status_code == 422 and 'id="err-qty"' in zero.text
    r = admin.submit("/erp/stock-operations/adjust", {
        "item": "GEAR", "location": "WH/STOCK", "qty": "-3", "reason": "broken"},
        follow_redirects=False)
    assert r.status_code == 303 and "ADJ-000001" in r.headers["location"]
    r = admin.submit("/erp/stock-operations/count", {
        "location": "WH/STOCK", "reason": "monthly count",
        "lines[0].item": "GEAR", "lines[0].counted_qty": "5",
        "lines[1].item": "", "lines[1].counted_qty": "",
        "lines[2].item": "PAINT", "lines[2].lot": "L1", "lines[2].counted_qty": "20"},
        follow_redirects=False)
    assert r.status_code == 303 and "CNT-000001" in r.headers["location"]
    same = admin.submit("/erp/stock-operations/count", {
        "location": "WH/STOCK", "lines[0].item": "GEAR", "lines[0].counted_qty": "5"},
        follow_redirects=False)
    assert same.status_code == 303 and same.headers["location"].startswith("/erp/stock?")
    assert "no differences, nothing posted" in admin.get(same.headers["location"]).text
    twice = admin.submit("/erp/stock-operations/count", {
        "location": "WH/STOCK", "lines[0].item": "GEAR", "lines[0].counted_qty": "1",
        "lines[1].item": "GEAR", "lines[1].counted_qty": "2"})
    assert twice.status_code == 422 and "counted twice" in twice.text
    empty = admin.submit("/erp/stock-operations/count", {"location": "WH/STOCK"})
    assert empty.status_code == 422 and 'id="err-lines"' in empty.text
    r = admin.submit("/erp/stock-operations/scrap", {
        "item": "PAINT", "location": "WH/STOCK", "lot": "L1", "qty": "2", "reason": "dented"},
        follow_redirects=False)
    assert r.status_code == 303 and "SCR-000001" in r.headers["location"]
    with stocked.uow() as uow:
        assert on_hand(uow, "GEAR") == 5 and on_hand(uow, "PAINT") == 18
        assert ledger_matches_balances(uow)


def test_lot_hold_and_release(admin, stocked):
    page = admin.get("/erp/lots").text
    assert "/erp/lots/hold" in page and "expired" in page
    no_reason = admin.submit("/erp/lots/hold", {"item": "PAINT", "lot": "L1", "reason": ""})
    assert no_reason.status_code == 422 and "Lot L1 of PAINT" in no_reason.text
    r = admin.submit("/erp/lots/hold", {"item": "PAINT", "lot": "L1", "reason": "lab check",
                                        "back": "/erp/lots?on_hold=true"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/lots?on_hold=true"
    held = admin.get(r.headers["location"]).text
    assert "Lot L1 of PAINT put on hold." in held and "lab check" in held
    assert "/erp/lots/release" in held
    assert "on hold" in admin.get("/erp/stock", params={"item": "PAINT"}).text
    twice = admin.submit("/erp/lots/hold", {"item": "PAINT", "lot": "L1", "reason": "x"})
    assert twice.status_code == 409 and "already on hold" in twice.text
    r = admin.submit("/erp/lots/release", {"item": "PAINT", "lot": "L1",
                                           "back": "https://evil.example/"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/lots"
    with stocked.uow() as uow:
        assert get_lot(uow, "PAINT", "L1").on_hold is False
    unknown = admin.submit("/erp/lots/release", {"item": "PAINT", "lot": "L9"})
    assert unknown.status_code == 404
    assert admin.post("/erp/lots/hold", data={"item": "PAINT", "lot": "L1",
                                               "reason": "no token"}).status_code == 403


def test_locations_concept(admin, stocked):
    admin.submit("/erp/warehouses/new", {"code": "WH2", "name": "Second"})
    r = admin.submit("/erp/locations/new", {"code": "WH2/RACK-A", "name": "Rack A",
                                            "kind": "internal", "parent": "WH2/STOCK"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/locations/WH2/RACK-A"
    detail = admin.get("/erp/locations/WH2/RACK-A").text
    assert 'href="/erp/warehouses/WH2"' in detail and "Nothing in stock here." in detail
    loose = admin.submit("/erp/locations/new", {"code": "LOOSE", "name": "Loose",
                                                "kind": "internal"})
    assert loose.status_code == 422 and 'id="err-warehouse"' in loose.text
    listed = admin.get("/erp/locations", params={"kind": "internal"}).text
    assert "WH2/RACK-A" in listed and "SUPPLIER" not in listed
    with stocked.uow() as uow:
        adjust(uow, AdjustmentIn(item="GEAR", location="WH2/RACK-A", qty=D(2),
                                 reason="found"))
        uow.commit()
    assert "GEAR" in admin.get("/erp/locations/WH2/RACK-A").text
    assert "WH2/RACK-A" in admin.get("/erp/warehouses/WH2").text
