"""Catalog master data: units of measure, items, bills of materials, routings."""
