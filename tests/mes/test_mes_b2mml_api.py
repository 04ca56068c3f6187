"""The MES's B2MML door over REST: schedules in (V0701 or V0600) as work orders, all or
nothing; everything reported on a request out as one performance document valid against
MESA's XSD, with the sequences the outbox carried; bad documents are problem+json naming the
element, with nothing written."""

from __future__ import annotations

import pytest
from lxml import etree
from mes_helpers import footprint, performances, request, schedule, statuses
from sqlalchemy import func, select

from gemba.adapters.b2mml import MemoryResolver, from_xml, parse, to_xml, validate
from gemba.contracts.isa95 import ProductionPerformance
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.work_order import WorkOrder
from production_testing import D, setup_factory, whole_run

API = "/api/v1"
XML = {"Content-Type": "application/xml"}
PROBLEM = "application/problem+json"
RESOLVER = MemoryResolver(items={"FRAME", "STEEL", "BOLT"}, units={"ea", "kg"})


@pytest.fixture
def factory(gemba):
    setup_factory(gemba)  # the items and units the documents name


def post(client, document: bytes):
    return client.post(f"{API}/mes/b2mml/schedule", content=document, headers=XML)


def work_orders(gemba) -> int:
    with gemba.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(WorkOrder)) or 0)


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


@pytest.mark.parametrize("version", ["V0701", "V0600"])
def test_schedule_in_creates_then_updates_work_orders(gemba, client, factory, version):
    xml = to_xml(schedule(request("MO-T1"), request("MO-T2", qty="4")), version)
    r = post(client, xml)
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"request_id": n, "revision": 1, "outcome": "created", "work_order": n,
         "status": "received", "work_order_revision": 1} for n in ("MO-T1", "MO-T2")]
    body = client.get(f"{API}/mes/work-orders/MO-T1").json()
    assert ([op["work_center"] for op in body["operations"]], D(body["qty"])) == (
        ["WC-CUT", "WC-ASM"], D(10))
    assert [r["outcome"] for r in post(client, xml).json()] == ["ignored", "ignored"]
    r = post(client, to_xml(schedule(request("MO-T1", revision=2, qty="12")), version))
    assert r.status_code == 200 and r.json()[0]["outcome"] == "updated"
    assert D(client.get(f"{API}/mes/work-orders/MO-T1").json()["qty"]) == D(12)
    r = post(client, to_xml(schedule(request("MO-T2", revision=2, state="cancelled")),
                            version))
    assert (r.json()[0]["outcome"], r.json()[0]["status"]) == ("cancelled", "cancelled")


def test_bad_schedules_are_refused_naming_the_element_and_write_nothing(gemba, client,
                                                                       factory):
    good = to_xml(schedule(request("MO-T1")), "V0701")
    root = etree.fromstring(good)
    ns = etree.QName(root).namespace
    root.find(f"{{{ns}}}DataArea").append(etree.Element(f"{{{ns}}}Bogus"))
    cases = {
        "malformed": (good[:-40], "document", "not well-formed"),
        "doctype": (good.replace(b"?>", b'?>\n<!DOCTYPE x [<!ENTITY e "boom">]>', 1),
                    "document", "DOCTYPE"),
        "schema": (etree.tostring(root, xml_declaration=True, encoding="UTF-8"), "",
                   "Bogus"),
        "item": (good.replace(b"<MaterialDefinitionID>BOLT<", b"<MaterialDefinitionID>NUT<"),
                 "MaterialDefinitionID", "'NUT' is unknown"),
        "unit": (good.replace(b">kg<", b">lbs<"), "UnitOfMeasure", "'lbs' is unknown"),
        "performance": (to_xml(whole_run("MO-T1"), "V0701"), "document",
                        "the MES imports schedules"),
        "empty": (b"", "body", "required"),
    }
    before = work_orders(gemba), footprint(gemba)
    for name, (document, field, words) in cases.items():
        r = post(client, document)
        assert r.status_code == 422, (name, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
        problem = r.json()
        assert field in problem["errors"][0]["field"] and words in problem["detail"], (
            name, problem)
    assert (work_orders(gemba), footprint(gemba)) == before


def test_a_refused_request_refuses_the_whole_document(gemba, client, factory):
    """All or nothing: MO-T3 would be created, but MO-T1-S1 is a split's number."""
    assert post(client, to_xml(schedule(request("MO-T1")), "V0600")).status_code == 200
    run(gemba, wo_.split_work_order, "MO-T1", D(3))
    before = work_orders(gemba), footprint(gemba)
    r = post(client, to_xml(schedule(request("MO-T3"), request("MO-T1-S1")), "V0600"))
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["detail"].startswith("request MO-T1-S1 (revision 1): requests[1].id")
    assert problem["errors"][0]["field"] == "requests[1].id"
    assert (work_orders(gemba), footprint(gemba)) == before
    assert client.get(f"{API}/mes/work-orders/MO-T3").status_code == 404
    assert client.get(f"{API}/mes/rejections").json() == []  # refused to the caller, not parked


def floor(gemba) -> None:
    """MO-T1: release, cut 6 of 10 (2 scrap) with steel, split 2 off and cut those too."""
    run(gemba, wo_.release_work_order, "MO-T1")
    run(gemba, ex.start_operation, "MO-T1", 10, "ANNA")
    run(gemba, ex.consume, "MO-T1", 10, "STEEL", "L1", D(12))
    run(gemba, ex.complete_operation, "MO-T1", 10, D(6), D(2), "burr", minutes=D(30))
    run(gemba, ex.pause_operation, "MO-T1", 10, "break")
    child = run(gemba, wo_.split_work_order, "MO-T1", D(2)).number
    run(gemba, ex.start_operation, child, 10, "ANNA")
    run(gemba, ex.complete_operation, child, 10, D(2), minutes=D(10))


@pytest.mark.parametrize("version", ["V0701", "V0600"])
def test_performance_out_carries_every_report_with_its_sequence(gemba, client, factory,
                                                                version):
    assert post(client, to_xml(schedule(request("MO-T1")), version)).status_code == 200
    url = f"{API}/mes/work-orders/MO-T1/b2mml"
    r = client.get(url, params={"version": version})
    assert r.status_code == 404 and "reported nothing" in r.json()["detail"]
    floor(gemba)
    r = client.get(url, params={"version": version})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    validate(parse(r.content), version, "performance")  # MESA's XSD
    document = from_xml(r.content, RESOLVER)
    assert isinstance(document, ProductionPerformance)
    sent = sorted([(p.responses[0].sequence, p.responses[0].state, p.responses[0].segments)
                   for p in performances(gemba)]
                  + [(s.sequence, s.state, ()) for s in statuses(gemba)])
    got = [(x.sequence, x.state, x.segments) for x in document.responses]
    assert [(n, state) for n, state, _ in got] == [(n, state) for n, state, _ in sent]
    assert [n for n, _, _ in got] == list(range(1, len(got) + 1)) and len(got) >= 7
    good_scrap = [(s.segment_id, s.quantity_good, s.quantity_scrap)
                  for _, _, segments in got for s in segments if s.quantity_good
                  or s.quantity_scrap]
    assert good_scrap == [("10", D(6), D(2)), ("10", D(2), D(0))]  # the split's report too
    consumed = [(m.material_definition_id, m.lot_id, m.quantity) for _, _, segments in got
                for s in segments for m in s.materials if m.use == "Consumed"]
    assert consumed == [("STEEL", "L1", D(12))]
    assert client.get(url, params={"version": version}).content == r.content  # reproducible
    later = client.get(url, params={"version": version, "after": 4})
    assert [x.sequence for x in from_xml(later.content, RESOLVER).responses] == list(
        range(5, len(got) + 1))
    assert client.get(url, params={"after": len(got)}).status_code == 404
    assert client.get(f"{API}/mes/work-orders/MO-NONE/b2mml").status_code == 404
    r = client.get(url, params={"version": "V9"})
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)


def test_operators_read_performance_but_do_not_send_schedules(gemba, client, factory,
                                                              make_user):
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    assert post(client, to_xml(schedule(request("MO-T1")), "V0701")).status_code == 200
    floor(gemba)
    token = make_user("olga", roles=("operator",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as op:
        r = post(op, to_xml(schedule(request("MO-T2")), "V0701"))
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
        assert op.get(f"{API}/mes/work-orders/MO-T1/b2mml").status_code == 200
    assert client.get(f"{API}/mes/work-orders/MO-T2").status_code == 404
