"""Material requirements planning (MRP): a pure-Python planner over a snapshot of items, stock,
demands and open orders. Regenerative ``plan`` and net-change ``replan`` give the same result;
the database side builds the ``PlanningInput`` and stores the ``Plan``."""
