"""Cross-cutting ERP read models: the dashboard figures."""
