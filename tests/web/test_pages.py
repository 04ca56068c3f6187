"""Web UI through the TestClient: login, CSRF, forms, errors next to fields, history."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from gemba.erp.catalog.item import Item, ItemIn, create_item, get_item

ITEM = {"code": "BOLT", "name": "Bolt M8", "type": "purchased", "uom": "ea",
        "tracking": "none", "standard_cost": "0.12", "lead_time_days": "3",
        "lot_size_rule": "lfl", "lot_size_qty": "0", "min_qty": "0", "safety_stock": "100",
        "shelf_life_days": "", "costing_method": "standard"}


def item_count(gemba) -> int:
    with gemba.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Item)) or 0)


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'id="err-{re.escape(name)}">([^<]+)<', html)
    return match.group(1) if match else None


def test_pages_require_login(web):
    r = web.get("/erp/items?q=bolt", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Ferp%2Fitems%3Fq%3Dbolt"
    r = web.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    htmx = web.get("/erp/items", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_wrong_password_is_refused_with_a_message(web):
    r = web.login(password="wrong-password")
    assert r.status_code == 401
    assert "Unknown user or wrong password." in r.text
    assert web.get("/", follow_redirects=False).status_code == 303
    assert "Unknown user or wrong password." in web.login(username="nobody").text


def test_login_follows_next_and_logout_ends_the_session(web):
    r = web.login(next_url="/erp/items")
    assert r.status_code == 303 and r.headers["location"] == "/erp/items"
    page = web.get("/")
    assert page.status_code == 200 and "Dashboard" in page.text
    out = web.submit("/logout", {}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert web.get("/", follow_redirects=False).status_code == 303


def test_next_may_not_leave_the_site(web):
    assert web.login(next_url="//evil.example/x").headers["location"] == "/"
    web.submit("/logout", {})
    assert web.login(next_url="https://evil.example/").headers["location"] == "/"


def test_login_form_needs_its_csrf_token(web):
    r = web.post("/login", data={"username": "alice", "password": "correct-horse-9"})
    assert r.status_code == 403


def test_csrf_missing_is_403_and_writes_nothing(admin, gemba):
    r = admin.post("/erp/items/new", data=ITEM)
    assert r.status_code == 403 and "CSRF" in r.text
    r = admin.post("/erp/items/new", data={**ITEM, "csrf_token": "forged"})
    assert r.status_code == 403
    r = admin.post("/erp/items/new", data=ITEM, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert item_count(gemba) == 0
    ok = admin.post("/erp/items/new", data=ITEM, headers={"X-CSRF-Token": admin.token()},
                    follow_redirects=False)
    assert ok.status_code == 303  # the HTMX header is accepted instead of the hidden field


def test_create_item_via_form(admin, gemba):
    form = admin.get("/erp/items/new")
    assert form.status_code == 200 and 'name="safety_stock"' in form.text
    r = admin.submit("/erp/items/new", ITEM, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/items/BOLT"
    detail = admin.get("/erp/items/BOLT")
    assert "Item BOLT created." in detail.text and "Bolt M8" in detail.text
    with gemba.uow() as uow:
        item = get_item(uow, "BOLT")
        assert item.standard_cost == Decimal("0.12") and item.safety_stock == 100
        assert item.shelf_life_days is None and item.lead_time_days == 3
    assert "/erp/items/BOLT" in admin.get("/erp/items", params={"q": "bolt"}).text
    assert "No items found" in admin.get("/erp/items", params={"q": "zzz"}).text
    assert "/erp/items/BOLT" not in admin.get("/erp/items", params={"type": "service"}).text
    partial = admin.get("/erp/items", params={"q": "bolt"},
                        headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in partial.text and "/erp/items/BOLT" in partial.text


def test_negative_safety_stock_is_shown_next_to_the_field(admin, gemba):
    r = admin.submit("/erp/items/new", {**ITEM, "safety_stock": "-5"})
    assert r.status_code == 422
    assert "greater than or equal to 0" in (field_error(r.text, "safety_stock") or "")
    assert 'value="-5"' in r.text and 'value="Bolt M8"' in r.text  # the input is kept
    missing = admin.submit("/erp/items/new", {**ITEM, "code": ""})
    assert missing.status_code == 422
    assert field_error(missing.text, "code") == "This field is required."
    unknown = admin.submit("/erp/items/new", {**ITEM, "uom": "furlong"})
    assert unknown.status_code == 422
    assert "unknown unit of measure" in (field_error(unknown.text, "uom") or "")
    precision = admin.submit("/erp/items/new", {**ITEM, "safety_stock": "1.5"})
    assert precision.status_code == 422 and field_error(precision.text, "safety_stock")
    rule = admin.submit("/erp/items/new", {**ITEM, "lot_size_rule": "fixed"})
    assert rule.status_code == 422 and "lot_size_qty must be &gt; 0" in rule.text
    assert item_count(gemba) == 0


def test_duplicate_code_is_a_form_error(admin, gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="BOLT", name="x", type="purchased", uom="ea"))
        uow.commit()
    r = admin.submit("/erp/items/new", ITEM)
    assert r.status_code == 409 and "already exists" in r.text
    assert item_count(gemba) == 1


def test_edit_with_version_and_history_shows_the_change(admin, gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="NUT", name="Nut M8", type="purchased", uom="ea",
                                standard_cost=Decimal("0.05")))
        uow.commit()
    form = admin.get("/erp/items/NUT/edit")
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    assert 'value="0.05"' in form.text
    values = {**ITEM, "version": "1", "name": "Hex nut M8", "standard_cost": "0.050",
              "safety_stock": "0", "lead_time_days": "0",
              "reason": "supplier catalogue name"}
    r = admin.submit("/erp/items/NUT/edit", values, follow_redirects=False)
    assert r.status_code == 303, r.text
    stale = admin.submit("/erp/items/NUT/edit", {**values, "name": "Other"})
    assert stale.status_code == 409 and "stale version" in stale.text
    emptied = admin.submit("/erp/items/NUT/edit", {**values, "version": "2", "name": ""})
    assert emptied.status_code == 422 and field_error(emptied.text, "name")
    hist = admin.get("/erp/items/NUT/history")
    assert hist.status_code == 200
    assert "<del>Nut M8</del>" in hist.text and "<ins>Hex nut M8</ins>" in hist.text
    assert "supplier catalogue name" in hist.text
    update_row = hist.text.split('class="badge update"')[1]
    assert "Standard cost" not in update_row  # 0.050 == 0.05: not a change
    fragment = admin.get("/erp/items/NUT/history", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Hex nut M8" in fragment.text
    with gemba.uow() as uow:
        item = get_item(uow, "NUT")
        assert item.name == "Hex nut M8" and item.version == 2


def test_delete_item(admin, gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GONE", name="x", type="purchased", uom="ea"))
        uow.commit()
    stale = admin.submit("/erp/items/GONE/delete", {"version": "7"})
    assert "Not deleted" in stale.text and item_count(gemba) == 1
    r = admin.submit("/erp/items/GONE/delete", {"version": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/erp/items"
    missing = admin.get("/erp/items/GONE")
    assert missing.status_code == 404 and "does not exist" in missing.text


def test_uom_pages(admin):
    listing = admin.get("/erp/uoms", params={"category": "mass"})
    assert listing.status_code == 200
    assert "/erp/uoms/kg" in listing.text and "/erp/uoms/ea" not in listing.text
    assert "Decimals" in admin.get("/erp/uoms/kg").text
    assert admin.get("/erp/uoms/furlong").status_code == 404
    bad = admin.submit("/erp/uoms/new", {"code": "box", "name": "Box", "category": "count",
                                         "factor": "-12", "precision": "0"})
    assert bad.status_code == 422 and 'id="err-factor"' in bad.text


def test_navigation_is_role_aware(web, add_user):
    add_user("vera", ("viewer",))
    web.login("vera")
    home = web.get("/")
    assert 'href="/erp/items"' in home.text and 'href="/erp/employees"' not in home.text
    assert 'href="/erp/items/new"' not in web.get("/erp/items").text
    assert web.get("/erp/items/new").status_code == 403
    assert web.submit("/erp/items/new", ITEM).status_code == 403
    assert web.get("/erp/items/X/history").status_code == 403  # no audit.read


def test_dashboard_counts(admin, gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="A1", name="x", type="purchased", uom="ea"))
        uow.commit()
    home = admin.get("/")
    found = re.findall(r'<span class="count">(\d+)</span>\s*<span class="label">([^<]+)<',
                       home.text)
    cards = {label: count for count, label in found}
    assert cards["Items"] == "1" and cards["Units of measure"] != "0"


def test_static_assets_are_vendored(web):
    js = web.get("/static/vendor/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]
    assert web.get("/static/gemba.css").status_code == 200


def test_unknown_page_is_html_for_browsers_and_json_for_the_api(admin):
    page = admin.get("/erp/nothing-here/x/y", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "There is no page at" in page.text
    assert 'href="/erp/items"' in page.text  # the navigation is still there
    api = admin.get("/api/v1/nothing", headers={"Accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_list_pagination(admin, gemba):
    with gemba.uow() as uow:
        for n in range(30):
            create_item(uow, ItemIn(code=f"P{n:02d}", name=f"Part {n}", type="purchased",
                                    uom="ea"))
        uow.commit()
    first = admin.get("/erp/items")
    assert "30 in total · page 1 of 2" in first.text
    assert "/erp/items/P24" in first.text and "/erp/items/P25" not in first.text
    second = admin.get("/erp/items", params={"page": "2"})
    assert "/erp/items/P25" in second.text and "/erp/items/P00" not in second.text
    assert 'href="/erp/items?page=1"' in second.text
    filtered = admin.get("/erp/items", params={"q": "part 2", "page": "1"})
    assert "11 in total" in filtered.text  # Part 2, Part 20..29
    assert admin.get("/erp/items", params={"page": "x"}).status_code == 200
