"""MES area pages: the equipment tree, equipment forms and capabilities, calendars."""

from __future__ import annotations

import re

from gemba.erp.equipment.calendar import get_calendar
from gemba.erp.equipment.equipment import get_equipment


def make(admin, code: str, level: str, parent: str = "", **extra: str):
    return admin.submit("/mes/equipment/new", {"code": code, "name": code.title(),
                                               "level": level, "parent": parent,
                                               "active": "on", **extra},
                        follow_redirects=False)


def plant(admin) -> None:
    for code, level, parent in [("ACME", "enterprise", ""), ("PLANT1", "site", "ACME"),
                                ("ASSY", "area", "PLANT1"), ("LINE1", "work_center", "ASSY"),
                                ("ROBOT1", "work_unit", "LINE1")]:
        r = make(admin, code, level, parent)
        assert r.status_code == 303, r.text


def test_equipment_tree_and_detail(admin, gemba):
    plant(admin)
    tree = admin.get("/mes/equipment/tree")
    assert tree.status_code == 200
    html = re.sub(r"\s+", " ", tree.text)
    nested = re.search(r"ACME.*<ul>.*PLANT1.*<ul>.*ASSY.*<ul>.*LINE1.*<ul>.*ROBOT1", html)
    assert nested, "the tree is not nested enterprise > site > area > work center > unit"
    detail = admin.get("/mes/equipment/LINE1")
    assert ">ASSY</a>" in detail.text and "ROBOT1" in detail.text
    assert "/mes/equipment/new?parent=LINE1&amp;level=work_unit" in detail.text
    form = admin.get("/mes/equipment/new?parent=LINE1&level=work_unit")
    assert '<option value="work_unit" selected>' in form.text
    assert '<option value="LINE1" selected>' in form.text
    table = admin.get("/mes/equipment", params={"level": "work_center"})
    assert "/mes/equipment/LINE1" in table.text and "/mes/equipment/ASSY" not in table.text
    with gemba.uow() as uow:
        assert get_equipment(uow, "ROBOT1").site_code == "PLANT1"


def test_equipment_shape_errors_next_to_the_field(admin):
    plant(admin)
    r = make(admin, "CELL9", "work_center", "PLANT1")
    assert r.status_code == 422
    assert "must be under a area" in r.text or "must be under an area" in r.text
    assert 'id="err-parent"' in r.text
    r = make(admin, "AREA9", "area", "PLANT1", hours_per_day="8")
    assert r.status_code == 422 and 'id="err-hours_per_day"' in r.text
    r = make(admin, "LINE2", "work_center", "ASSY", hours_per_day="25")
    assert r.status_code == 422 and 'id="err-hours_per_day"' in r.text
    assert make(admin, "LINE1", "work_center", "ASSY").status_code == 409
    assert admin.get("/mes/equipment/CELL9").status_code == 404


def test_edit_equipment_moves_and_deactivates(admin, gemba):
    plant(admin)
    make(admin, "PAINT", "area", "PLANT1")
    r = admin.submit("/mes/equipment/LINE1/edit", {
        "version": "1", "name": "Line one", "parent": "PAINT", "kind": "production_line",
        "hours_per_day": "16", "calendar": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with gemba.uow() as uow:
        line = get_equipment(uow, "LINE1")
        assert line.parent_code == "PAINT" and line.active is False
        assert line.hours_per_day == 16
    hist = admin.get("/mes/equipment/LINE1/history").text
    assert "<ins>Line one</ins>" in hist
    form = admin.get("/mes/equipment/LINE1/edit").text
    assert '<option value="production_line" selected>' in form
    assert '<option value="PAINT" selected>' in form and 'name="active" checked' not in form


def test_capabilities(admin):
    plant(admin)
    r = admin.submit("/mes/equipment/LINE1/actions/add-capability",
                     {"capability": "Welding", "description": "MIG"}, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get("/mes/equipment/LINE1")
    assert "Capability added." in page.text and "<td>welding</td>" in page.text
    again = admin.submit("/mes/equipment/LINE1/actions/add-capability",
                         {"capability": "welding"})
    assert again.status_code == 409 and "already has capability" in again.text
    bad = admin.submit("/mes/equipment/LINE1/actions/add-capability", {"capability": "a b"})
    assert bad.status_code == 422 and 'id="err-capability"' in bad.text
    area = admin.submit("/mes/equipment/ASSY/actions/add-capability", {"capability": "x"})
    assert area.status_code == 422 and "only work centers" in area.text
    gone = admin.submit("/mes/equipment/LINE1/actions/remove-capability",
                        {"capability": "welding"})
    assert "Capability removed." in gone.text and "<td>welding</td>" not in gone.text
    assert admin.submit("/mes/equipment/LINE1/actions/nope", {}).status_code == 404


def test_calendar_shifts_and_holidays(admin, gemba):
    r = admin.submit("/mes/calendars/new", {"code": "2SHIFT", "name": "Two shifts",
                                            "timezone": "Europe/Berlin"},
                     follow_redirects=False)
    assert r.status_code == 303
    bad_zone = admin.submit("/mes/calendars/new", {"code": "X", "name": "x",
                                                   "timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and 'id="err-timezone"' in bad_zone.text
    url = "/mes/calendars/2SHIFT/actions/"
    ok = admin.submit(url + "add-shift", {"code": "EARLY", "weekday": "0-4", "start": "06:00",
                                          "end": "14:00"})
    assert ok.status_code == 200 and "Shift added." in ok.text
    admin.submit(url + "add-shift", {"code": "LATE", "weekday": "0-4", "start": "14:00",
                                     "end": "22:00"})
    overlap = admin.submit(url + "add-shift", {"code": "MID", "weekday": "2", "start": "10:00",
                                               "end": "12:00"})
    assert overlap.status_code == 422 and "overlaps" in overlap.text
    same = admin.submit(url + "add-shift", {"code": "X", "weekday": "6", "start": "06:00",
                                            "end": "06:00"})
    assert same.status_code == 422 and "start and end are equal" in same.text
    assert "80 working hours a week" in admin.get("/mes/calendars/2SHIFT").text
    admin.submit(url + "remove-shift", {"shift_code": "LATE", "weekday": "4"})
    admin.submit(url + "add-holiday", {"day": "2026-12-25", "name": "Christmas"})
    dup = admin.submit(url + "add-holiday", {"day": "2026-12-25", "name": "Again"})
    assert dup.status_code == 409
    with gemba.uow() as uow:
        c = get_calendar(uow, "2SHIFT")
        assert len(c.shifts) == 9 and [h.name for h in c.holidays] == ["Christmas"]
    admin.submit(url + "remove-holiday", {"day": "2026-12-25"})
    admin.submit(url + "remove-shift", {"shift_code": "EARLY"})
    with gemba.uow() as uow:
        c = get_calendar(uow, "2SHIFT")
        assert [s.code for s in c.shifts] == ["LATE"] * 4 and not c.holidays
    hist = admin.get("/mes/calendars/2SHIFT/history")
    assert hist.status_code == 200 and "Christmas" in hist.text


def test_mes_navigation_for_maintenance(web, add_user):
    add_user("mo", ("maintenance",))
    web.login("mo")
    home = web.get("/").text
    assert 'href="/mes/equipment/tree"' in home and 'href="/mes/calendars"' in home
    assert ">MES<" in home
    assert web.get("/mes/equipment/new").status_code == 200
    assert web.get("/erp/items/new").status_code == 403
