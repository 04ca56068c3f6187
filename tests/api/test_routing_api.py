"""Routing REST API: lifecycle, attachments over multipart, times, errors, permissions."""

from decimal import Decimal

from fastapi.testclient import TestClient

from gemba.api.app import create_app
from gemba.erp.catalog.routing import MAX_ATTACHMENT_BYTES
from gemba.erp.equipment.equipment import Equipment, EquipmentLevel

D = Decimal


def _setup(client, gemba):
    with gemba.uow() as uow:
        for code in ("MILL", "MILL2", "ASSY"):
            uow.session.add(Equipment(code=code, name=code.title(),
                                      level=EquipmentLevel.WORK_CENTER))
        uow.session.add(Equipment(code="PLANT", name="Plant", level=EquipmentLevel.SITE))
        uow.commit()
    for code, kind in (("GEAR", "manufactured"), ("SCREW", "purchased")):
        r = client.post("/api/v1/items", json={"code": code, "name": code.title(), "type": kind,
                                               "uom": "ea"})
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/routings", json={"item": "GEAR", "revision": "1", "operations": [
        {"seq": 10, "name": "Mill", "work_center": "MILL", "setup_min": "20",
         "run_min_per_unit": "2.5", "alternatives": [{"work_center": "MILL2",
                                                      "run_min_per_unit": "3"}]},
        {"seq": 20, "name": "Assemble", "work_center": "ASSY", "run_min_per_unit": "0.75",
         "instructions": "Grease the teeth"}]})
    assert r.status_code == 201, r.text
    return r.json()


def test_routing_lifecycle_and_time(client, gemba):
    body = _setup(client, gemba)
    number = body["number"]
    assert number == "RTG-000001" and body["item_code"] == "GEAR"
    ops = body["operations"]
    assert [(o["seq"], o["work_center_code"]) for o in ops] == [(10, "MILL"), (20, "ASSY")]
    assert [(a["work_center_code"], D(a["run_min_per_unit"])) for a in ops[0]["alternatives"]] \
        == [("MILL2", D(3))]
    assert isinstance(ops[0]["setup_min"], str)
    assert client.get("/api/v1/routings", params={"item": "GEAR"}).json()["total"] == 1
    assert client.get("/api/v1/items/GEAR/routing").json()["number"] == number

    t = client.get(f"/api/v1/routings/{number}/time", params={"qty": "8"}).json()
    assert D(t["total_min"]) == D(20 + 20 + 6)
    t = client.get(f"/api/v1/routings/{number}/time",
                   params={"qty": "8", "use": "10:MILL2"}).json()
    assert [D(o["total_min"]) for o in t["operations"]] == [D(44), D(6)]
    bad = client.get(f"/api/v1/routings/{number}/time", params={"qty": "8", "use": "x"})
    assert bad.status_code == 422
    assert client.get(f"/api/v1/routings/{number}/time", params={"qty": "0"}).status_code == 422

    r = client.patch(f"/api/v1/routings/{number}", json={"version": 1, "revision": "2"})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.put(f"/api/v1/routings/{number}/operations", json={"version": 1, "operations": [
        {"seq": 10, "name": "Mill", "work_center": "MILL"}]})
    assert stale.status_code == 409
    r = client.put(f"/api/v1/routings/{number}/operations", json={"version": 2, "operations": [
        {"seq": 10, "name": "Mill", "work_center": "MILL2", "setup_min": "10"}]})
    assert r.status_code == 200 and r.json()["version"] == 3
    assert r.json()["operations"][0]["work_center_code"] == "MILL2"

    hist = client.get(f"/api/v1/routings/{number}/history").json()
    kinds = {(h["record_type"], h["action"]) for h in hist}
    assert {("erp_routings", "create"), ("erp_routing_operations", "delete"),
            ("erp_operation_alternatives", "delete")} <= kinds
    assert client.delete(f"/api/v1/routings/{number}", params={"version": 3}).status_code == 204
    assert client.get(f"/api/v1/routings/{number}").status_code == 404


def test_routing_bad_input(client, gemba):
    _setup(client, gemba)
    cases = [
        ({"item": "GEAR", "revision": "2", "operations": [
            {"seq": 10, "name": "M", "work_center": "MILL", "run_min_per_unit": "-1"}]},
         "operations.0.run_min_per_unit"),
        ({"item": "GEAR", "revision": "2", "operations": [
            {"seq": 10, "name": "M", "work_center": "NOWHERE"}]}, "operations[0].work_center"),
        ({"item": "GEAR", "revision": "2", "operations": [
            {"seq": 10, "name": "M", "work_center": "PLANT"}]}, "operations[0].work_center"),
        ({"item": "SCREW", "revision": "1", "operations": [
            {"seq": 10, "name": "M", "work_center": "MILL"}]}, "item"),
        ({"item": "GEAR", "revision": "2", "operations": []}, "operations"),
        ({"item": "GEAR", "revision": "2"}, "operations"),
    ]
    for payload, field in cases:
        r = client.post("/api/v1/routings", json=payload)
        assert r.status_code == 422, (payload, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] in (field, field.replace(".0.", "[0]."))
    dup = client.post("/api/v1/routings", json={"item": "GEAR", "revision": "1", "operations": [
        {"seq": 10, "name": "M", "work_center": "MILL"}]})
    assert dup.status_code == 409
    assert client.get("/api/v1/routings").json()["total"] == 1


def test_attachment_upload_download_remove(client, gemba):
    number = _setup(client, gemba)["number"]
    url = f"/api/v1/routings/{number}/operations/10/attachments"
    r = client.post(url, files={"file": ("Zeichnung ä.pdf", b"%PDF-1.7 data", "application/pdf")})
    assert r.status_code == 201, r.text
    att = r.json()
    assert (att["filename"], att["content_type"], att["size"]) == (
        "Zeichnung ä.pdf", "application/pdf", 13)
    got = client.get(f"{url}/{att['id']}")
    assert got.status_code == 200 and got.content == b"%PDF-1.7 data"
    assert got.headers["content-type"] == "application/pdf"
    assert "attachment" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    routing = client.get(f"/api/v1/routings/{number}").json()
    assert routing["version"] == 2
    assert routing["operations"][0]["attachments"][0]["id"] == att["id"]

    big = client.post(url, files={"file": ("big.bin", b"x" * (MAX_ATTACHMENT_BYTES + 1),
                                           "application/octet-stream")})
    assert big.status_code == 422 and big.json()["errors"][0]["field"] == "file"
    assert client.post(url, files={"file": ("e.txt", b"", "text/plain")}).status_code == 422
    assert client.post(url).status_code == 422  # no file part
    assert client.post(f"/api/v1/routings/{number}/operations/99/attachments",
                       files={"file": ("a.txt", b"a", "text/plain")}).status_code == 404
    assert client.get(f"{url}/999").status_code == 404

    r = client.delete(f"{url}/{att['id']}", params={"version": 1})
    assert r.status_code == 409
    r = client.delete(f"{url}/{att['id']}", params={"version": 2})
    assert r.status_code == 200 and r.json()["operations"][0]["attachments"] == []
    assert client.get(f"{url}/{att['id']}").status_code == 404


def test_viewer_cannot_change_routings(client, gemba, make_user):
    number = _setup(client, gemba)["number"]
    token = make_user("viewer1", ("viewer",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as viewer:
        assert viewer.get(f"/api/v1/routings/{number}").status_code == 200
        assert viewer.get(f"/api/v1/routings/{number}/time", params={"qty": 1}).status_code == 200
        assert viewer.patch(f"/api/v1/routings/{number}",
                            json={"version": 1, "revision": "9"}).status_code == 403
        assert viewer.post(f"/api/v1/routings/{number}/operations/10/attachments",
                           files={"file": ("a.txt", b"a", "text/plain")}).status_code == 403
        assert viewer.delete(f"/api/v1/routings/{number}").status_code == 403
