"""Inventory: locations, lots and serials, the append-only stock ledger, balances, valuation."""
