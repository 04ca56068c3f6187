"""Helpers shared by test modules (importable by name, unlike conftest.py)."""

from __future__ import annotations

import os
import socket
from datetime import date, timedelta
from decimal import Decimal

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def mqtt_available(host: str = "127.0.0.1", port: int = 1883) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(ok: bool, what: str) -> None:
    """Skip locally, fail under CI=true."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} is not reachable and CI=true requires it", pytrace=False)
    pytest.skip(f"{what} is not reachable")


def seed_erp_documents(client) -> None:
    """Through the REST API: a received purchase line (10 GEAR at 2.00), a late one (5 HUB
    due a week ago), 4 GEAR sold at 5.00 and invoiced, 3 more on an open order."""
    today = date.today()
    for body in ({"code": "ACME", "name": "Acme", "is_customer": True},
                 {"code": "STEEL", "name": "Steel Co", "is_supplier": True}):
        assert client.post("/api/v1/partners", json=body).status_code == 201
    for code, method in (("GEAR", "fifo"), ("HUB", "average")):
        assert client.post("/api/v1/items", json={
            "code": code, "name": code.title(), "type": "purchased", "uom": "ea",
            "costing_method": method}).status_code == 201
    # 10 GEAR at 2.00 received; 5 HUB ordered, due a week ago, not received: late.
    po = client.post("/api/v1/purchase-orders", json={
        "supplier": "STEEL", "order_date": str(today - timedelta(days=20)),
        "lines": [{"item": "GEAR", "qty": "10", "unit_price": "2"},
                  {"item": "HUB", "qty": "5", "unit_price": "7",
                   "expected_date": str(today - timedelta(days=7))}]})
    assert po.status_code == 201, po.text
    number = po.json()["number"]
    assert client.post(f"/api/v1/purchase-orders/{number}/confirm").status_code == 200
    r = client.post("/api/v1/receipts", json={"order": number, "date": str(today),
                                              "lines": [{"po_line": 1, "qty": "10"}]})
    assert r.status_code == 201, r.text
    # Sell 4 GEAR at 5.00 (invoiced), and 3 more on an open order.
    so = client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "order_date": str(today),
        "lines": [{"item": "GEAR", "qty": "4", "unit_price": "5"}]}).json()["number"]
    assert client.post(f"/api/v1/sales-orders/{so}/confirm").status_code == 200
    assert client.post("/api/v1/deliveries", json={"order": so}).status_code == 201
    assert client.post("/api/v1/invoices", json={"order": so}).status_code == 201
    other = client.post("/api/v1/sales-orders", json={
        "customer": "ACME", "order_date": str(today),
        "lines": [{"item": "GEAR", "qty": "3", "unit_price": "6"}]}).json()["number"]
    assert client.post(f"/api/v1/sales-orders/{other}/confirm").status_code == 200


def assert_books_balance(uow) -> None:
    """The ERP's invariants: the trial balance balances, the valuation equals the Inventory
    account and the sum of the moves' values, on-hand equals the ledger."""
    from gemba.erp.finance.journal import account_balance, account_balances
    from gemba.erp.inventory.stock import ledger_matches_balances, moves_value
    from gemba.erp.inventory.valuation import inventory_value

    totals = account_balances(uow)
    assert sum((d for d, _ in totals.values()), Decimal(0)) == \
        sum((c for _, c in totals.values()), Decimal(0))
    assert inventory_value(uow) == moves_value(uow) == account_balance(uow, "1300")
    assert ledger_matches_balances(uow)
