"""docs/examples/fifo-and-moving-average.md, posted through the ledger, every figure checked."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.journal import account_balance, account_balances
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.stock import on_hand
from gemba.erp.inventory.valuation import inventory_value

# method -> (COGS, ending inventory, purchase price variance)
EXPECTED = {
    "fifo": (D("325.00"), D("125.00"), D("0")),
    "average": (D("337.50"), D("112.50"), D("0")),
    "standard": (D("300.00"), D("100.00"), D("50.00")),
}


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_buy_two_lots_sell_150(gemba, method):
    cogs, ending, ppv = EXPECTED[method]
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="CHAIN", name="Chain", type="purchased", uom="ea",
                                costing_method=method, standard_cost=D("2.00")))
        post_moves(uow, [MoveIn("CHAIN", D(100), "SUPPLIER", "WH/STOCK", unit_cost=D("2.00"))],
                   doc_type="receipt", doc_ref="GR-1")
        post_moves(uow, [MoveIn("CHAIN", D(100), "SUPPLIER", "WH/STOCK", unit_cost=D("2.50"))],
                   doc_type="receipt", doc_ref="GR-2")
        (sale,) = post_moves(uow, [MoveIn("CHAIN", D(150), "WH/STOCK", "CUSTOMER")],
                             doc_type="delivery", doc_ref="DEL-1")
        uow.commit()
    with gemba.uow() as uow:
        assert -sale.value == cogs
        assert account_balance(uow, "5000") == cogs
        assert inventory_value(uow) == ending == account_balance(uow, "1300")
        assert account_balance(uow, "5100") == ppv
        assert account_balance(uow, "2100") == D("-450.00")  # GRNI owed at purchase price
        assert on_hand(uow, "CHAIN") == 50
        totals = account_balances(uow)
        assert sum(d for d, _ in totals.values()) == sum(c for _, c in totals.values())
