"""The demo e-bike maker beyond its CSV files: what ``gemba load`` has no file for.

The CSV files next to this package hold items, BOMs, work centers, routings and opening
stock. This package adds, through the same services the UI uses, the plant structure (lines,
calendars, alternative work centers, the qualification an operation needs), the people
(skills, qualifications, labour rates, shifts) and the partners (suppliers with their items
and lead times, customers with their price lists). ``profile`` says how they behave in the
factory simulator.
"""

from __future__ import annotations

from datetime import date

from gemba.core.db.uow import UnitOfWork
from gemba.demo.company import partners, people, plant


def create_skills(uow: UnitOfWork) -> None:
    """Skills first: routings name them."""
    people.create_skills(uow)


def build_company(uow: UnitOfWork, today: date) -> None:
    """Everything after the CSV files were loaded, in the caller's transaction."""
    plant.build_plant(uow, today)
    people.hire(uow, today)
    partners.build_partners(uow, today)
