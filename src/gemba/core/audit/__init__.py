"""Append-only, hash-chained audit trail of every change to a business record."""
