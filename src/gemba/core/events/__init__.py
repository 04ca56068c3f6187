"""Transactional outbox, relay and idempotent inbox: the channel of the ERP-MES loop."""
