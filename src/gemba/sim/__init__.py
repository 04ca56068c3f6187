"""A discrete-event factory behind ``gemba demo``: simulated customers, planner, suppliers,
supervisor, work units and operators drive the real ERP and MES services, so every screen
shows a living plant and the books must still balance.

Simulated time is minutes after a fixed epoch (``clock.SimClock``) and every random draw
comes from ``random.Random`` streams seeded from one seed, so a run is reproducible. The
services stamp their own (real) clock on records; the simulator never reads those stamps to
decide anything, and its summary (``summary.summarize``) holds no wall-clock value.
"""
