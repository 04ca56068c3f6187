"""BOM REST API: lifecycle, errors as problem+json, explosion, where-used, permissions."""

from decimal import Decimal

from fastapi.testclient import TestClient

from gemba.api.app import create_app

D = Decimal


def _items(client, *specs):
    for code, kind, uom in specs:
        r = client.post("/api/v1/items", json={"code": code, "name": code.title(), "type": kind,
                                               "uom": uom})
        assert r.status_code == 201, r.text


def _bom(client, item, lines, **kw):
    r = client.post("/api/v1/boms", json={"item": item, "revision": kw.pop("revision", "A"),
                                          "lines": lines, **kw})
    assert r.status_code == 201, r.text
    return r.json()


def _setup(client):
    _items(client, ("CART", "manufactured", "ea"), ("AXLE", "phantom", "ea"),
           ("WHEEL", "purchased", "ea"), ("ROD", "purchased", "m"),
           ("BOARD", "manufactured", "ea"), ("PLY", "purchased", "kg"))
    _bom(client, "AXLE", [{"component": "WHEEL", "qty_per": "2"},
                          {"component": "ROD", "qty_per": "0.6", "scrap_pct": "25"}])
    _bom(client, "BOARD", [{"component": "PLY", "qty_per": "1.2"}])
    return _bom(client, "CART", [{"component": "BOARD", "qty_per": "1"},
                                 {"component": "AXLE", "qty_per": "2"}])


def test_bom_lifecycle(client):
    cart = _setup(client)
    number = cart["number"]
    assert number == "BOM-000003" and cart["version"] == 1
    assert [(x["seq"], x["component_code"], D(x["qty_per"])) for x in cart["lines"]] == [
        (10, "BOARD", D(1)), (20, "AXLE", D(2))]
    assert isinstance(cart["lines"][0]["qty_per"], str)
    assert client.get(f"/api/v1/boms/{number}").json()["item_code"] == "CART"
    page = client.get("/api/v1/boms", params={"item": "CART", "status": "active"}).json()
    assert page["total"] == 1 and page["items"][0]["number"] == number
    assert client.get("/api/v1/boms", params={"status": "bogus"}).status_code == 422

    r = client.patch(f"/api/v1/boms/{number}", json={"version": 1, "effective_from": "2025-01-01"})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.patch(f"/api/v1/boms/{number}", json={"version": 1, "revision": "B"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"

    r = client.put(f"/api/v1/boms/{number}/lines", json={"version": 2, "lines": [
        {"seq": 10, "component": "BOARD", "qty_per": "1"},
        {"seq": 20, "component": "AXLE", "qty_per": "3"}]})
    assert r.status_code == 200 and r.json()["version"] == 3
    r = client.post(f"/api/v1/boms/{number}/lines",
                    json={"version": 3, "component": "ROD", "qty_per": "0.5"})
    assert r.status_code == 201 and r.json()["lines"][-1]["seq"] == 30
    assert client.put(f"/api/v1/boms/{number}/lines",
                      json={"version": 3, "lines": []}).status_code == 409
    r = client.delete(f"/api/v1/boms/{number}/lines/30", params={"version": 4})
    assert r.status_code == 200 and len(r.json()["lines"]) == 2

    hist = client.get(f"/api/v1/boms/{number}/history").json()
    kinds = [(h["record_type"], h["action"]) for h in hist]
    assert ("erp_boms", "create") in kinds and ("erp_bom_lines", "update") in kinds
    assert ("erp_bom_lines", "delete") in kinds

    assert client.delete(f"/api/v1/boms/{number}", params={"version": 1}).status_code == 409
    assert client.delete(f"/api/v1/boms/{number}", params={"version": 5}).status_code == 204
    assert client.get(f"/api/v1/boms/{number}").status_code == 404


def test_bad_bom_input_gets_422_naming_the_field(client):
    _setup(client)
    total = client.get("/api/v1/boms").json()["total"]
    neg = client.post("/api/v1/boms", json={"item": "BOARD", "revision": "B", "lines": [
        {"component": "PLY", "qty_per": "1"}, {"component": "PLY", "qty_per": "-1"}]})
    assert neg.status_code == 422
    assert neg.json()["errors"][0]["field"] in ("lines.1.qty_per", "lines[1].qty_per")
    unknown = client.post("/api/v1/boms", json={"item": "BOARD", "revision": "B", "lines": [
        {"component": "PLY", "qty_per": "1"}, {"component": "GHOST", "qty_per": "1"}]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "lines[1].component", "rule": "unknown_item",
                                         "message": "unknown item 'GHOST'"}]
    frac = client.post("/api/v1/boms", json={"item": "BOARD", "revision": "B", "lines": [
        {"component": "WHEEL", "qty_per": "0.5"}]})
    assert frac.status_code == 422 and frac.json()["errors"][0]["field"] == "lines[0].qty_per"
    missing = client.post("/api/v1/boms", json={"revision": "B", "lines": []})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "item"
    dates = client.post("/api/v1/boms", json={"item": "BOARD", "revision": "B",
                                              "effective_from": "2025-02-01",
                                              "effective_to": "2025-01-01"})
    assert dates.status_code == 422 and dates.json()["errors"][0]["field"] == "effective_to"
    dup = client.post("/api/v1/boms", json={"item": "BOARD", "revision": "A"})
    assert dup.status_code == 409
    cycle = client.post("/api/v1/boms", json={"item": "AXLE", "revision": "B", "lines": [
        {"component": "CART", "qty_per": "1"}]})
    assert cycle.status_code == 422
    assert "BOM cycle: AXLE -> CART -> AXLE" in cycle.json()["detail"]
    assert client.get("/api/v1/boms").json()["total"] == total


def test_explosion_and_where_used(client):
    _setup(client)
    r = client.get("/api/v1/items/CART/explosion", params={"qty": "5", "on": "2025-03-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bom_number"] == "BOM-000003"
    rows = [(x["level"], x["component_code"], D(x["gross_qty"])) for x in body["lines"]]
    assert rows == [(1, "BOARD", D(5)), (2, "PLY", D(6)), (1, "WHEEL", D(20)),
                    (1, "ROD", D(8))]  # ROD: 5 * 2 * 0.6 / 0.75
    assert isinstance(body["lines"][0]["gross_qty"], str)
    assert body["lines"][2]["path"] == ["CART", "AXLE", "WHEEL"]
    assert {t["component_code"] for t in body["totals"]} == {"BOARD", "PLY", "WHEEL", "ROD"}
    assert client.get("/api/v1/items/CART/explosion", params={"qty": "-1"}).status_code == 422
    assert client.get("/api/v1/items/PLY/explosion").status_code == 404
    assert client.get("/api/v1/items/NOPE/explosion").status_code == 404
    assert client.get("/api/v1/items/CART/bom").json()["number"] == "BOM-000003"

    single = client.get("/api/v1/items/WHEEL/where-used").json()
    assert [u["parent_code"] for u in single] == ["AXLE"]
    multi = client.get("/api/v1/items/WHEEL/where-used", params={"multilevel": "true"}).json()
    assert [(u["level"], u["parent_code"], u["path"]) for u in multi] == [
        (1, "AXLE", ["WHEEL", "AXLE"]), (2, "CART", ["WHEEL", "AXLE", "CART"])]


def test_viewer_reads_but_cannot_write(client, gemba, make_user):
    cart = _setup(client)
    token = make_user("viewer1", ("viewer",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as viewer:
        assert viewer.get(f"/api/v1/boms/{cart['number']}").status_code == 200
        assert viewer.get("/api/v1/items/CART/explosion").status_code == 200
        r = viewer.post("/api/v1/boms", json={"item": "BOARD", "revision": "Z"})
        assert r.status_code == 403
        assert r.headers["content-type"] == "application/problem+json"
        assert viewer.patch(f"/api/v1/boms/{cart['number']}",
                            json={"version": 1, "revision": "Z"}).status_code == 403
        assert viewer.delete(f"/api/v1/boms/{cart['number']}").status_code == 403
        assert viewer.get(f"/api/v1/boms/{cart['number']}/history").status_code == 403
