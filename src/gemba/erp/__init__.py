"""ERP bounded context: plans what to produce, with what, at what cost. Never imports gemba.mes."""
