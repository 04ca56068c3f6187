"""The simulated participants. Each is one small module with one ``SimActor`` class; a new
capability joins the plant as one more entry in ``ACTORS`` (order matters only for who gets
the first turn when two act in the same simulated minute)."""

from __future__ import annotations

from gemba.sim.actors.customers import Customers
from gemba.sim.actors.finance import Finance
from gemba.sim.actors.floor import Floor
from gemba.sim.actors.planner import Planner
from gemba.sim.actors.shipping import Shipping
from gemba.sim.actors.supervisor import Supervisor
from gemba.sim.actors.suppliers import Suppliers

ACTORS = (Planner, Supervisor, Floor, Customers, Suppliers, Shipping, Finance)

__all__ = ["ACTORS", "Customers", "Finance", "Floor", "Planner", "Shipping", "Suppliers",
           "Supervisor"]
