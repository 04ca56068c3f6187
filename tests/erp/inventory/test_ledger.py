"""The stock ledger through its services: moves, lots, serials, reversals, refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text

from gemba.core.errors import Conflict, ValidationFailed
from gemba.erp.finance.journal import JournalEntry, account_balance
from gemba.erp.finance.period import close_period, ensure_period
from gemba.erp.inventory.ledger import MoveIn, StockMove, post_moves, reverse_moves
from gemba.erp.inventory.location import LocationIn, create_location
from gemba.erp.inventory.lot import HoldIn, get_lot, hold_lot
from gemba.erp.inventory.operations import (
    AdjustmentIn,
    CountIn,
    CountLineIn,
    ScrapIn,
    TransferIn,
    adjust,
    count,
    scrap,
    transfer,
)
from gemba.erp.inventory.reservation import reserve
from gemba.erp.inventory.stock import on_hand, stock_lines
from gemba.erp.inventory.valuation import inventory_value
from gemba_testing import assert_books_balance

TODAY = date.today()


def receive(uow, item, qty, cost="2.00", lot=None, ref="GR", **kw):
    return post_moves(uow, [MoveIn(item, D(qty), "SUPPLIER", "WH/STOCK", lot=lot,
                                   unit_cost=D(cost), **kw)], doc_type="receipt", doc_ref=ref)


def counts(gemba) -> tuple[int, int]:
    with gemba.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(StockMove)),
                uow.session.scalar(select(func.count()).select_from(JournalEntry)))


def assert_invariants(gemba) -> None:
    with gemba.uow() as uow:
        assert_books_balance(uow)
        assert all(s.on_hand >= 0 and 0 <= s.reserved <= s.on_hand
                   for s in stock_lines(uow, include_zero=True))


def test_negative_stock_is_refused_and_nothing_is_written(gemba, stock_items):
    with gemba.uow() as uow:
        receive(uow, "WIDGET", 10)
        uow.commit()
    before = counts(gemba)
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        post_moves(uow, [MoveIn("WIDGET", D(4), "WH/STOCK", "CUSTOMER"),
                         MoveIn("WIDGET", D(7), "WH/STOCK", "CUSTOMER")],
                   doc_type="delivery", doc_ref="D1")
    assert err.value.issues[0].rule == "enough_stock"
    assert "10 available" in err.value.message and "11 needed" in err.value.message
    assert counts(gemba) == before
    assert_invariants(gemba)


def test_reserved_stock_cannot_be_taken_by_an_unreserved_move(gemba, stock_items):
    with gemba.uow() as uow:
        receive(uow, "WIDGET", 10)
        reserve(uow, "WIDGET", D(8), "SO-1/1")
        uow.commit()
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        post_moves(uow, [MoveIn("WIDGET", D(3), "WH/STOCK", "CUSTOMER")],
                   doc_type="delivery", doc_ref="D2")
    assert "8 reserved" in err.value.message


def test_lot_on_hold_or_expired_cannot_be_delivered_but_can_be_moved(gemba, stock_items):
    with gemba.uow() as uow:
        create_location(uow, LocationIn(code="WH/QC", name="Quarantine", warehouse="WH"))
        receive(uow, "PAINT", 5, lot="P-HELD")
        receive(uow, "PAINT", 5, lot="P-OLD", ref="GR2",
                expiry_date=TODAY - timedelta(days=1))
        hold_lot(uow, "PAINT", "P-HELD", HoldIn(reason="viscosity out of spec"))
        uow.commit()
    before = counts(gemba)
    for lot, rule in (("P-HELD", "not_on_hold"), ("P-OLD", "not_expired")):
        with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
            post_moves(uow, [MoveIn("PAINT", D(1), "WH/STOCK", "CUSTOMER", lot=lot)],
                       doc_type="delivery", doc_ref="D3")
        assert err.value.issues[0].field == "moves[0].lot"
        assert err.value.issues[0].rule == rule
    assert counts(gemba) == before
    with gemba.uow() as uow:
        transfer(uow, TransferIn(item="PAINT", qty=D(5), from_location="WH/STOCK",
                                 to_location="WH/QC", lot="P-HELD"))
        uow.commit()
        assert on_hand(uow, "PAINT", "WH/QC") == 5
        assert get_lot(uow, "PAINT", "P-HELD").expiry_date == TODAY + timedelta(days=30)
    assert_invariants(gemba)


def test_serials_are_unique_per_item_and_moved_one_by_one(gemba, stock_items):
    with gemba.uow() as uow:
        receive(uow, "MOTOR", 1, cost="80", lot="SN-1")
        uow.commit()
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        receive(uow, "MOTOR", 1, cost="80", lot="SN-1", ref="GR2")
    assert err.value.issues[0].rule == "unique_serial"
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        post_moves(uow, [MoveIn("MOTOR", D(1), "SUPPLIER", "WH/STOCK", lot="SN-2"),
                         MoveIn("MOTOR", D(1), "SUPPLIER", "WH/STOCK", lot="SN-2")],
                   doc_type="receipt", doc_ref="GR3")
    assert err.value.issues[0].rule in ("unique_serial", "unique_per_item")
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        receive(uow, "MOTOR", 2, cost="80", lot="SN-3", ref="GR4")
    assert err.value.issues[0].rule == "serial_is_one"
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        receive(uow, "MOTOR", 1, cost="80", ref="GR5")
    assert err.value.issues[0].field == "moves[0].lot"
    assert err.value.issues[0].rule == "required"
    assert_invariants(gemba)


def test_reversal_restores_stock_and_value_once(gemba, stock_items):
    with gemba.uow() as uow:
        receive(uow, "GEAR", 10, cost="3.00", ref="GR-9")
        uow.commit()
    with gemba.uow() as uow:
        reverse_moves(uow, "GR-9", reason="wrong item")
        uow.commit()
        assert on_hand(uow, "GEAR") == 0
        assert account_balance(uow, "2100") == 0
    with gemba.uow() as uow, pytest.raises(Conflict):
        reverse_moves(uow, "GR-9", reason="again")
    assert_invariants(gemba)


def test_operations_transfer_adjust_count_scrap(gemba, stock_items):
    with gemba.uow() as uow:
        create_location(uow, LocationIn(code="WH/LINE", name="Line side", warehouse="WH"))
        receive(uow, "BOLT", 100, cost="0.12")
        transfer(uow, TransferIn(item="BOLT", qty=D(30), from_location="WH/STOCK",
                                 to_location="WH/LINE"))
        adjust(uow, AdjustmentIn(item="BOLT", location="WH/STOCK", qty=D(-5),
                                 reason="found damaged"))
        ref, moves = count(uow, CountIn(location="WH/LINE", lines=[
            CountLineIn(item="BOLT", counted_qty=D(28))]))
        scrap(uow, ScrapIn(item="BOLT", location="WH/STOCK", qty=D(5), reason="rust"))
        uow.commit()
    with gemba.uow() as uow:
        assert on_hand(uow, "BOLT", "WH/STOCK") == 60
        assert on_hand(uow, "BOLT", "WH/LINE") == 28
        assert account_balance(uow, "5400") == D("0.50")          # 5 x standard 0.10
        assert account_balance(uow, "5300") == D("0.70")          # 5 + 2 x 0.10
        assert account_balance(uow, "5100") == D("2.00")  # paid 100 x 0.02 over standard
        assert inventory_value(uow) == D("8.80")
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        adjust(uow, AdjustmentIn(item="BOLT", location="CUSTOMER", qty=D(1), reason="x"))
    assert err.value.issues[0].rule == "internal"
    assert_invariants(gemba)


def test_a_closed_period_refuses_stock_postings(gemba, stock_items):
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    with gemba.uow() as uow:
        ensure_period(uow, last_month)
        close_period(uow, f"{last_month.year:04d}-{last_month.month:02d}")
        uow.commit()
    before = counts(gemba)
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        post_moves(uow, [MoveIn("WIDGET", D(1), "SUPPLIER", "WH/STOCK", unit_cost=D(1))],
                   doc_type="receipt", doc_ref="LATE", day=last_month)
    assert err.value.issues[0].rule == "period_open"
    assert counts(gemba) == before


def test_the_ledger_is_append_only(gemba, stock_items):
    with gemba.uow() as uow:
        receive(uow, "WIDGET", 1)
        uow.commit()
    for sql in ("UPDATE erp_stock_moves SET qty = 2", "DELETE FROM erp_stock_moves"):
        with gemba.uow() as uow, pytest.raises(Exception, match="append-only"):
            uow.session.execute(text(sql))
