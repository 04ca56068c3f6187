"""REST API of finance: accounts, manual journal entries and reversals, fiscal periods and the
reports; every refusal is problem+json naming the field and writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.open_item import OpenItemKind, add_open_item
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.partners.partner import PartnerIn, create_partner

PROBLEM = "application/problem+json"


def problem(r, status: int, field: str | None = None, rule: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    if field is not None:
        assert (body["errors"][0]["field"], body["errors"][0]["rule"]) == (field, rule), body
    return body


def entry(day: str, *lines: tuple[str, str, str], memo: str = "Test") -> dict:
    return {"date": day, "memo": memo,
            "lines": [{"account": a, "debit": d, "credit": c} for a, d, c in lines]}


RENT = entry("2025-03-14", ("6100", "250", "0"), ("1000", "0", "250"), memo="Rent")


def test_accounts(client):
    assets = client.get("/api/v1/accounts", params={"type": "asset"}).json()
    assert "1300" in {a["code"] for a in assets["items"]}
    assert all(a["type"] == "asset" for a in assets["items"])
    r = client.post("/api/v1/accounts", json={"code": "1600", "name": "Vehicles",
                                              "type": "asset"})
    assert r.status_code == 201 and r.json()["active"] is True
    assert client.get("/api/v1/accounts/1600").json()["name"] == "Vehicles"
    problem(client.post("/api/v1/accounts", json={"code": "1600", "name": "Dup",
                                                  "type": "asset"}), 409)
    problem(client.post("/api/v1/accounts", json={"code": "1700", "name": "X",
                                                  "type": "spending"}), 422, "type", "enum")
    problem(client.get("/api/v1/accounts/0000"), 404)


def test_manual_entries_and_reversal(client):
    r = client.post("/api/v1/journal-entries", json=RENT)
    assert r.status_code == 201, r.text
    body = r.json()
    number = body["number"]
    assert body["journal"] == "GEN" and body["period"] == "2025-03"
    assert isinstance(body["total"], str) and D(body["total"]) == 250  # Decimals: strings
    assert [(x["account_code"], D(x["debit"]), D(x["credit"])) for x in body["lines"]] == [
        ("6100", 250, 0), ("1000", 0, 250)]
    assert client.get(f"/api/v1/journal-entries/{number}").json()["lines"] == body["lines"]

    def count() -> int:
        return client.get("/api/v1/journal-entries").json()["total"]

    problem(client.post("/api/v1/journal-entries", json=entry(
        "2025-03-14", ("6100", "250", "0"), ("1000", "0", "249.99"))), 422, "lines",
        "balanced")
    problem(client.post("/api/v1/journal-entries", json=entry(
        "2025-03-14", ("6100", "5", "5"), ("1000", "0", "0"))), 422, "lines[0].credit",
        "one_side")
    problem(client.post("/api/v1/journal-entries", json=entry(
        "2025-03-14", ("6100", "5", "0"), ("9999", "0", "5"))), 422, "lines[1].account",
        "exists")
    problem(client.post("/api/v1/journal-entries", json=entry(
        "2025-03-14", ("6100", "-5", "0"), ("1000", "0", "-5"))), 422, "lines[0].debit",
        "greater_than_equal")
    problem(client.post("/api/v1/journal-entries", json=entry(
        "2025-03-14", ("6100", "5", "0"))), 422, "lines", "too_short")
    problem(client.post("/api/v1/journal-entries", json={**RENT, "date": "14/03/2025"}),
            422, "date", "date_from_datetime_parsing")
    problem(client.post("/api/v1/journal-entries", json={**RENT, "journal": "XYZ"}),
            422, "journal", "exists")
    assert count() == 1

    listed = client.get("/api/v1/journal-entries", params={"source_type": "manual"}).json()
    assert [e["number"] for e in listed["items"]] == [number]
    problem(client.get("/api/v1/journal-entries", params={"colour": "red"}), 422, "colour",
            "unknown_filter")

    rev = client.post(f"/api/v1/journal-entries/{number}/reverse",
                      json={"date": "2025-03-20", "reason": "wrong month"})
    assert rev.status_code == 201, rev.text
    assert rev.json()["reversal_of"] == number
    assert [(x["account_code"], D(x["debit"])) for x in rev.json()["lines"]] == [
        ("6100", 0), ("1000", 250)]
    assert client.get(f"/api/v1/journal-entries/{number}").json()["reversed_by"] == \
        rev.json()["number"]
    problem(client.post(f"/api/v1/journal-entries/{number}/reverse",
                        json={"reason": "again"}), 409)
    problem(client.post(f"/api/v1/journal-entries/{number}/reverse", json={}), 422,
            "reason", "missing")
    problem(client.post("/api/v1/journal-entries/JE-999999/reverse", json={"reason": "x"}),
            404)
    problem(client.get("/api/v1/journal-entries/JE-999999"), 404)
    assert count() == 2


def test_fiscal_periods(client):
    assert client.post("/api/v1/journal-entries", json=RENT).status_code == 201
    assert client.post("/api/v1/journal-entries", json={**RENT, "date": "2025-04-02"}) \
        .status_code == 201
    periods = client.get("/api/v1/fiscal-periods").json()
    assert [(p["code"], p["status"]) for p in periods] == [("2025-03", "open"),
                                                           ("2025-04", "open")]
    problem(client.post("/api/v1/fiscal-periods/2025-04/close"), 409)
    problem(client.post("/api/v1/fiscal-periods/1999-01/close"), 404)
    closed = client.post("/api/v1/fiscal-periods/2025-03/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == "admin"
    problem(client.post("/api/v1/fiscal-periods/2025-03/close"), 409)
    before = client.get("/api/v1/journal-entries").json()["total"]
    problem(client.post("/api/v1/journal-entries", json={**RENT, "date": "2025-03-31"}),
            422, "date", "period_open")
    number = client.get("/api/v1/journal-entries").json()["items"][-1]["number"]
    problem(client.post(f"/api/v1/journal-entries/{number}/reverse",
                        json={"date": "2025-03-31", "reason": "late"}), 422, "date",
            "period_open")
    assert client.get("/api/v1/journal-entries").json()["total"] == before


@pytest.fixture
def business(gemba):
    """Stock of GEAR 10 x 3.00 received (GRNI), a customer invoice open 45 days past due."""
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="GEAR", name="Gear", type="purchased", uom="ea",
                                costing_method="fifo", standard_cost=D("3")))
        post_moves(uow, [MoveIn("GEAR", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D("3"))],
                   doc_type="receipt", doc_ref="GR-1", day=date(2025, 1, 10))
        acme = create_partner(uow, PartnerIn(code="ACME", name="Acme", is_customer=True))
        add_open_item(uow, kind=OpenItemKind.RECEIVABLE, partner_id=acme.id,
                      doc_type="invoice", doc_ref="INV-1", doc_date=date(2025, 1, 1),
                      due_date=date(2025, 3, 31) - timedelta(days=45), amount=D("120"))
        uow.commit()
    return gemba


def test_reports(client, business):
    client.post("/api/v1/journal-entries", json=entry(
        "2025-01-20", ("1100", "120", "0"), ("4000", "0", "120"), memo="Invoice INV-1"))
    client.post("/api/v1/journal-entries", json=RENT)
    tb = client.get("/api/v1/reports/trial-balance").json()
    assert tb["balanced"] is True and D(tb["total_debit"]) == D("400")
    assert {r["code"]: D(r["balance"]) for r in tb["rows"]}["1300"] == D("30")
    jan = client.get("/api/v1/reports/trial-balance", params={"end": "2025-01-31"}).json()
    assert D(jan["total_debit"]) == D("150")
    pl = client.get("/api/v1/reports/profit-and-loss",
                    params={"start": "2025-01-01", "end": "2025-03-31"}).json()
    assert D(pl["income"]["total"]) == 120 and D(pl["expenses"]["total"]) == 250
    assert D(pl["net_income"]) == -130
    problem(client.get("/api/v1/reports/profit-and-loss",
                       params={"start": "2025-03-01", "end": "2025-01-01"}), 422, "end",
            "not_before_start")
    problem(client.get("/api/v1/reports/profit-and-loss", params={"end": "2025-01-01"}),
            422, "start", "missing")
    bs = client.get("/api/v1/reports/balance-sheet", params={"end": "2025-03-31"}).json()
    assert bs["balanced"] is True and D(bs["earnings"]) == -130
    assert D(bs["assets"]["total"]) == D("-100")  # 30 stock + 120 AR - 250 bank
    problem(client.get("/api/v1/reports/balance-sheet", params={"end": "soon"}), 422, "end",
            "date_from_datetime_parsing")
    ar = client.get("/api/v1/reports/aging",
                    params={"kind": "receivable", "date": "2025-03-31"}).json()
    assert ar["rows"][0]["partner_code"] == "ACME"
    assert D(ar["rows"][0]["buckets"]["31-60"]) == 120 and D(ar["total"]) == 120
    assert ar["rows"][0]["documents"][0]["days_past_due"] == 45
    assert D(ar["account_balance"]) == 120 and D(ar["difference"]) == 0
    ap = client.get("/api/v1/reports/aging", params={"kind": "payable"}).json()
    assert ap["rows"] == [] and ap["account_code"] == "2000"
    problem(client.get("/api/v1/reports/aging", params={"kind": "owed"}), 422, "kind", "enum")
    problem(client.get("/api/v1/reports/aging", params={"kind": "payable",
                                                        "date": "2025-13-01"}),
            422, "date", "date_from_datetime_parsing")
    rec = client.get("/api/v1/reports/inventory-reconciliation").json()
    assert rec["reconciled"] is True and D(rec["valuation_total"]) == D("30")
    assert D(rec["account_balance"]) == D(rec["moves_total"]) == D("30")
    assert rec["lines"][0]["item"] == "GEAR"


def test_reports_need_finance_read(gemba, make_user):
    from fastapi.testclient import TestClient

    from gemba.api.app import create_app

    token = make_user("bob", ("buyer",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        problem(c.get("/api/v1/reports/trial-balance"), 403)
        problem(c.post("/api/v1/journal-entries", json=RENT), 403)
    token = make_user("acc", ("accountant",))
    with TestClient(create_app(gemba), headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get("/api/v1/reports/inventory-reconciliation").status_code == 200
        assert c.post("/api/v1/journal-entries", json=RENT).status_code == 201
