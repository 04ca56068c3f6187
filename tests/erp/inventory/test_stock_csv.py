"""stock.csv through the all-or-nothing loader: opening balances, locations created,
costs defaulted, errors named by file, line and column with nothing written, and a dump that
loads back as a no-op."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import func, select

from gemba.bootstrap import data_files
from gemba.core.dataload.loader import dump_directory, load_directory
from gemba.erp.finance.journal import account_balance
from gemba.erp.inventory.ledger import StockMove
from gemba.erp.inventory.location import Location, Warehouse
from gemba.erp.inventory.stock import ledger_matches_balances, on_hand
from gemba.erp.inventory.valuation import inventory_value

ITEMS = ("code,name,type,uom,tracking,standard_cost,costing_method\n"
         "BOLT,Bolt,purchased,ea,none,0.10,standard\n"
         "PAINT,Paint,purchased,kg,lot,5.00,average\n"
         "SVC,Service,service,ea,none,0,standard\n")


def _files(d: Path, stock: str) -> Path:
    d.mkdir(exist_ok=True)
    (d / "items.csv").write_text(ITEMS, encoding="utf-8")
    (d / "stock.csv").write_text(stock, encoding="utf-8")
    return d


def _load(gemba, d: Path):
    with gemba.uow() as uow:
        return load_directory(uow, data_files(), d)


def _moves(gemba) -> int:
    with gemba.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(StockMove)) or 0)


def test_opening_stock_loads_creates_locations_and_round_trips(gemba, tmp_path):
    d = _files(tmp_path / "in", "item_code,location,qty,lot,unit_cost\n"
               "BOLT,WH/STOCK,1000,,\n"
               "PAINT,WH2/RACK-A,12.5,P-1,4.80\n")
    result = _load(gemba, d)
    assert result.ok, result.errors
    with gemba.uow() as uow:
        assert on_hand(uow, "BOLT", "WH/STOCK") == 1000
        assert on_hand(uow, "PAINT", "WH2/RACK-A") == D("12.5")
        assert uow.session.scalar(select(Warehouse.code).where(Warehouse.code == "WH2"))
        assert uow.session.scalar(select(Location.kind).where(Location.code == "WH2/RACK-A")) \
            == "internal"
        # BOLT at its standard 0.10 (default cost), PAINT at 4.80 (moving average).
        assert inventory_value(uow) == D("160.00") == account_balance(uow, "1300")
        assert account_balance(uow, "3900") == D("-160.00")
        dump_directory(uow, data_files(), tmp_path / "out")
    moves = _moves(gemba)
    assert _load(gemba, tmp_path / "out").ok  # the dump states what is there: no change
    assert _moves(gemba) == moves
    # Stating a new quantity posts the difference only.
    _files(tmp_path / "in", "item_code,location,qty\nBOLT,WH/STOCK,900\n")
    assert _load(gemba, tmp_path / "in").ok
    with gemba.uow() as uow:
        assert on_hand(uow, "BOLT", "WH/STOCK") == 900
        assert ledger_matches_balances(uow)
        assert inventory_value(uow) == account_balance(uow, "1300")


def test_bad_rows_are_all_reported_and_nothing_is_written(gemba, tmp_path):
    d = _files(tmp_path / "in", "item_code,location,qty,lot,unit_cost\n"
               "BOLT,WH/STOCK,10,,\n"
               "NOPE,WH/STOCK,1,,\n"
               "BOLT,WH/B,-3,,\n"
               "PAINT,WH/STOCK,2,,\n"
               "BOLT,WH/STOCK,4,,\n"
               "SVC,WH/STOCK,1,,\n"
               "BOLT,CUSTOMER,1,,\n"
               "BOLT,WH/C,1,,abc\n"
               "BOLT,WH/D,1.5,,\n")
    result = _load(gemba, d)
    assert not result.ok
    found = {(e.line, e.column) for e in result.errors}
    assert found == {(3, "item_code"), (4, "qty"), (5, "lot"), (6, "qty"), (7, "item_code"),
                     (8, "location"), (9, "unit_cost"), (10, "qty")}, result.errors
    messages = {e.line: e.message for e in result.errors}
    assert "already on line 2" in messages[6] and "decimals" in messages[10]
    assert _moves(gemba) == 0
    with gemba.uow() as uow:
        assert uow.session.scalar(select(Location.id).where(Location.code == "WH/B")) is None
