"""Routing pages: create with operations, errors on the right operation, edit as a
document, work-instruction files, time for a quantity, routings on the item page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.catalog.routing import get_routing
from gemba.erp.equipment.equipment import EquipmentIn, create_equipment


@pytest.fixture
def shop(gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="FRAME", name="Frame", type="manufactured", uom="ea"))
        create_item(uow, ItemIn(code="TUBE", name="Tube", type="purchased", uom="m"))
        for code, level, parent in [("ACME", "enterprise", None), ("P1", "site", "ACME"),
                                    ("A1", "area", "P1"), ("WELD1", "work_center", "A1"),
                                    ("WELD2", "work_center", "A1"),
                                    ("PAINT", "work_center", "A1")]:
            create_equipment(uow, EquipmentIn(code=code, name=code.title(), level=level,
                                              parent=parent))
        uow.commit()


def routing_form(item: str, ops: list[dict[str, str]], **header: str) -> dict[str, str]:
    data = {"item": item, "revision": "A", "effective_from": "", "effective_to": "", **header}
    for n, op in enumerate(ops):
        data |= {f"operations[{n}].{k}": v for k, v in op.items()}
    return data


WELD = {"seq": "10", "name": "Weld", "work_center": "WELD1", "setup_min": "30",
        "run_min_per_unit": "12", "alternatives": "WELD2=15", "instructions": "Tack first."}
PAINT = {"seq": "20", "name": "Paint", "work_center": "PAINT", "setup_min": "",
         "run_min_per_unit": "5", "alternatives": "", "instructions": ""}


def test_create_routing_and_time(admin, gemba, shop):
    form = admin.get("/erp/routings/new?item=FRAME")
    assert '<option value="FRAME" selected>' in form.text and 'value="TUBE"' not in form.text
    r = admin.submit("/erp/routings/new", routing_form("FRAME", [WELD, {}, PAINT]),
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/erp/routings/RTG-000001"
    number = "RTG-000001"
    detail = admin.get(f"/erp/routings/{number}")
    assert "Tack first." in detail.text and 'href="/mes/equipment/WELD2"' in detail.text
    with gemba.uow() as uow:
        routing = get_routing(uow, number)
        assert [(o.seq, o.work_center.code) for o in routing.operations] == [
            (10, "WELD1"), (20, "PAINT")]
        assert routing.operations[0].alternatives[0].run_min_per_unit == 15
    time = admin.get(f"/erp/routings/{number}/time", params={"qty": "10"},
                     headers={"HX-Request": "true"})
    assert "200 min" in time.text  # 30 + 12*10 + 0 + 5*10
    assert "must be greater than zero" in admin.get(f"/erp/routings/{number}/time",
                                                    params={"qty": "0"}).text
    assert "must be a number" in admin.get(f"/erp/routings/{number}/time",
                                           params={"qty": "x"}).text
    item = admin.get("/erp/items/FRAME").text.split("<h2>Routings</h2>")[1]
    assert f'href="/erp/routings/{number}"' in item


def test_operation_errors_on_their_row(admin, shop):
    negative = [WELD, {**PAINT, "run_min_per_unit": "-1"}]
    r = admin.submit("/erp/routings/new", routing_form("FRAME", negative))
    assert r.status_code == 422
    rows = r.text.split('class="op-row"')[1:]
    assert "field-error" not in rows[0] and "greater than or equal to 0" in rows[1]
    bad = [{**WELD, "work_center": "A1"}, {**PAINT, "alternatives": "NOPE"}]
    r = admin.submit("/erp/routings/new", routing_form("FRAME", bad))
    assert r.status_code == 422
    rows = r.text.split('class="op-row"')[1:]
    assert "not a work center" in rows[0] and "unknown work center" in rows[1]
    none = admin.submit("/erp/routings/new", routing_form("FRAME", []))
    assert none.status_code == 422 and "at least 1" in none.text
    tube = admin.submit("/erp/routings/new", routing_form("TUBE", [WELD]))
    assert tube.status_code == 422 and 'id="err-item"' in tube.text
    assert "No routings found" in admin.get("/erp/routings").text


def test_edit_routing_and_attachments(admin, gemba, shop):
    r = admin.submit("/erp/routings/new", routing_form("FRAME", [WELD]),
                     follow_redirects=False)
    url = r.headers["location"]
    edit = admin.get(url + "/edit")
    assert 'name="operations[0].alternatives" value="WELD2=15"' in edit.text
    data = routing_form("FRAME", [{**WELD, "setup_min": "20"}, PAINT], version="1",
                        revision="B")
    del data["item"]
    assert admin.submit(url + "/edit", data, follow_redirects=False).status_code == 303
    assert admin.submit(url + "/edit", data).status_code == 409
    with gemba.uow() as uow:
        routing = get_routing(uow, url.rsplit("/", 1)[1])
        assert routing.revision == "B" and routing.operations[0].setup_min == Decimal(20)
        assert len(routing.operations) == 2
    files = {"file": ("weld.pdf", b"%PDF-1.4 test", "application/pdf")}
    up = admin.post(url + "/actions/add-attachment", data={"seq": "10",
                                                           "csrf_token": admin.token()},
                    files=files, follow_redirects=False)
    assert up.status_code == 303, up.text
    page = admin.get(url)
    assert "weld.pdf" in page.text
    with gemba.uow() as uow:
        att = get_routing(uow, url.rsplit("/", 1)[1]).operations[0].attachments[0]
        att_id = att.id
    download = admin.get(f"{url}/operations/10/attachments/{att_id}")
    assert download.content == b"%PDF-1.4 test"
    assert download.headers["x-content-type-options"] == "nosniff"
    empty = admin.post(url + "/actions/add-attachment", data={"seq": "10",
                                                              "csrf_token": admin.token()})
    assert empty.status_code == 422 and "Choose a file." in empty.text
    wrong_op = admin.post(url + "/actions/add-attachment", files=files,
                          data={"seq": "99", "csrf_token": admin.token()})
    assert wrong_op.status_code == 404
    gone = admin.submit(url + "/actions/remove-attachment", {"seq": "10",
                                                             "attachment": str(att_id)})
    assert "Attachment removed." in gone.text and "weld.pdf" not in gone.text.split(
        "<h2>History</h2>")[0]
    hist = admin.get(url + "/history").text
    assert "routing operations" in hist and "weld.pdf" in hist
