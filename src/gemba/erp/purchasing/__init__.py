"""Purchasing: supplier items, purchase orders, goods receipts and supplier bills."""
