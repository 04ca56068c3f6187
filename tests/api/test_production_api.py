"""Production orders over REST, and the B2MML door a foreign MES uses: the order's schedule
as validated XML out, ProductionPerformance XML in (either version), all or nothing."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import func, select

from gemba.adapters.b2mml import from_xml, parse, to_xml, validate
from gemba.adapters.b2mml.resolver import MemoryResolver
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.mes_link.performance import AppliedResponse
from production_testing import D, setup_factory, three_reports, whole_run

API = "/api/v1"
PROBLEM = "application/problem+json"
RESOLVER = MemoryResolver(items={"FRAME", "STEEL", "BOLT"}, units={"ea", "kg"})


@pytest.fixture
def order(gemba, client) -> str:
    setup_factory(gemba)
    r = client.post(f"{API}/production-orders", json={
        "item": "FRAME", "qty": "10", "due_date": "2026-03-09", "start_date": "2026-03-02"})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    r = client.post(f"{API}/production-orders/{number}/release")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["revision"]) == ("released", 1)
    return number


def written(gemba, number: str) -> tuple[int, int]:
    with gemba.uow() as uow:
        moves = uow.session.scalar(select(func.count()).select_from(StockMove).where(
            StockMove.doc_ref == number))
        applied = uow.session.scalar(select(func.count()).select_from(AppliedResponse))
        return moves, applied


def test_order_lifecycle_over_rest(client, order):
    r = client.get(f"{API}/production-orders", params={"status": "released"})
    assert [o["number"] for o in r.json()["items"]] == [order]
    body = client.get(f"{API}/production-orders/{order}").json()
    assert [c["item_code"] for c in body["components"]] == ["BOLT", "STEEL"]
    assert [o["work_center_code"] for o in body["operations"]] == ["WC-CUT", "WC-ASM"]
    r = client.patch(f"{API}/production-orders/{order}",
                     json={"version": body["version"], "qty": "12"})
    assert r.status_code == 200 and r.json()["revision"] == 2
    r = client.post(f"{API}/production-orders/{order}/close")
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    r = client.post(f"{API}/production-orders", json={"item": "STEEL", "qty": "1",
                                                      "due_date": "2026-03-09"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "item"
    sheet = client.get(f"{API}/production-orders/{order}/cost-sheet").json()
    assert D(sheet["planned_material"]) == D(72)  # 24 kg at 2.00 + 48 bolts at 0.50
    r = client.post(f"{API}/production-orders/{order}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


@pytest.mark.parametrize("version", ["V0701", "V0600"])
def test_b2mml_round_trip_with_a_foreign_mes(gemba, client, order, version):
    r = client.get(f"{API}/production-orders/{order}/b2mml", params={"version": version})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    validate(parse(r.content), version, "schedule")  # MESA's XSD
    schedule = from_xml(r.content, RESOLVER)
    (request,) = schedule.requests
    assert (request.id, request.product, request.quantity) == (order, "FRAME", D(10))
    # The foreign MES answers in B2MML; it sends every report twice.
    for msg in three_reports(order):
        xml = to_xml(msg, version)
        for _ in range(2):
            r = client.post(f"{API}/b2mml/performance", content=xml,
                            headers={"Content-Type": "application/xml"})
            assert r.status_code == 200, r.text
    body = client.get(f"{API}/production-orders/{order}").json()
    assert (body["status"], D(body["qty_good"]), D(body["qty_scrap"])) == (
        "completed", D(8), D(2))
    sheet = client.get(f"{API}/production-orders/{order}/cost-sheet").json()
    assert D(sheet["wip"]) == D(26) and D(sheet["actual_output"]) == D(96)
    r = client.post(f"{API}/production-orders/{order}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert D(client.get(f"{API}/production-orders/{order}/cost-sheet").json()["wip"]) == 0


def test_bad_documents_are_refused_with_nothing_written(gemba, client, order):
    good = to_xml(whole_run(order), "V0701")
    root = etree.fromstring(good)
    ns = etree.QName(root).namespace
    root.find(f"{{{ns}}}DataArea").append(etree.Element(f"{{{ns}}}Bogus"))
    invalid = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    doctype = good.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY e "boom">]>', 1)
    unknown_item = good.replace(b"<MaterialDefinitionID>BOLT<", b"<MaterialDefinitionID>NUT<")
    for document in (invalid, doctype, unknown_item, b"not xml", good.replace(b"kg", b"lbs")):
        r = client.post(f"{API}/b2mml/performance", content=document,
                        headers={"Content-Type": "application/xml"})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["errors"][0]["field"]  # names the element (or the document)
    assert written(gemba, order) == (0, 0)
    r = client.post(f"{API}/b2mml/performance", content=good,
                    headers={"Content-Type": "application/xml"})
    assert r.status_code == 200 and r.json() == [
        {"order": order, "sequence": 1, "applied": True}]
    r = client.get(f"{API}/production-orders/{order}/b2mml", params={"version": "V9"})
    assert r.status_code == 422
