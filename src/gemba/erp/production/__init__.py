"""Production orders: what the ERP asks the shop floor (any MES) to make, and what it cost."""
