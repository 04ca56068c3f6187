"""Double-entry finance: chart of accounts, journals, fiscal periods, open items, payments."""
