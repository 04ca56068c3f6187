"""Production posting rules: materials and output through the stock ledger, conversion cost
absorbed into WIP, the order closed with its variance; WIP ends at zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from gemba.core.errors import ValidationFailed
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.finance.journal import account_balance, account_balances
from gemba.erp.finance.production_posting import (
    absorb_conversion_cost,
    close_order_variance,
    wip_balance,
)
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.valuation import inventory_value

DAY = date(2026, 3, 2)


def test_order_cost_flows_through_wip_and_closes_to_zero(gemba):
    with gemba.uow() as uow:
        create_item(uow, ItemIn(code="TUBE", name="Tube", type="purchased", uom="ea",
                                costing_method="average"))
        create_item(uow, ItemIn(code="FRAME", name="Frame", type="manufactured", uom="ea",
                                standard_cost=D("30")))
        post_moves(uow, [MoveIn("TUBE", D(10), "SUPPLIER", "WH/STOCK", unit_cost=D(5))],
                   doc_type="receipt", doc_ref="GR-1", day=DAY)
        # Issue 8 tubes (40.00) to order WO-1, absorb labour 12 and overhead 6.
        post_moves(uow, [MoveIn("TUBE", D(8), "WH/STOCK", "PRODUCTION")],
                   doc_type="production", doc_ref="WO-1", day=DAY)
        absorb_conversion_cost(uow, "WO-1", day=DAY, labour=D(12), overhead=D(6))
        assert wip_balance(uow, "WO-1") == D(58)
        # 2 frames received at standard 30 = 60: 2.00 favourable.
        post_moves(uow, [MoveIn("FRAME", D(2), "PRODUCTION", "WH/STOCK", unit_cost=D(30))],
                   doc_type="production", doc_ref="WO-1", day=DAY)
        assert wip_balance(uow, "WO-1") == D(-2)
        close_order_variance(uow, "WO-1", day=DAY)
        uow.commit()
    with gemba.uow() as uow:
        assert wip_balance(uow, "WO-1") == 0
        assert account_balance(uow, "1400") == 0
        assert account_balance(uow, "5200") == D(-2)
        assert account_balance(uow, "2300") == D(-12) and account_balance(uow, "2400") == D(-6)
        assert inventory_value(uow) == account_balance(uow, "1300") == D(70)  # 2 tubes + 2 frames
        totals = account_balances(uow)
        assert sum(d for d, _ in totals.values()) == sum(c for _, c in totals.values())
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        absorb_conversion_cost(uow, "WO-1", day=DAY, labour=D(-1))
    assert err.value.issues[0].field == "labour"
