"""Labour rates: an employee's cost per hour from a date on; costing takes the rate in force
on the work date (the latest ``valid_from`` not after it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from gemba.core.auth.permissions import Permission
from gemba.core.commands import Command, NonNegMoney
from gemba.core.db.uow import UnitOfWork
from gemba.core.errors import Conflict, NotFound
from gemba.erp.personnel.employee import Employee, LabourRate, employee_for_write


class LabourRateIn(Command):
    valid_from: date
    hourly_rate: NonNegMoney


def add_labour_rate(uow: UnitOfWork, employee_code: str, data: LabourRateIn) -> Employee:
    emp = employee_for_write(uow, employee_code)
    if any(r.valid_from == data.valid_from for r in emp.labour_rates):
        raise Conflict(f"employee {employee_code!r} already has a rate from {data.valid_from}")
    emp.labour_rates.append(LabourRate(valid_from=data.valid_from,
                                       hourly_rate=data.hourly_rate))
    uow.flush()
    uow.session.expire(emp, ["labour_rates"])  # reload in date order
    return emp


def remove_labour_rate(uow: UnitOfWork, employee_code: str, valid_from: date) -> Employee:
    emp = employee_for_write(uow, employee_code)
    match = next((r for r in emp.labour_rates if r.valid_from == valid_from), None)
    if match is None:
        raise NotFound(f"employee {employee_code!r} has no rate from {valid_from}")
    emp.labour_rates.remove(match)
    uow.flush()
    return emp


def labour_rate_on(uow: UnitOfWork, employee_code: str, day: date) -> Decimal | None:
    """The hourly rate in force on ``day``; None before the first rate. One query: every MES
    report with labour asks this for each person on it."""
    uow.actor.require(Permission.PERSONNEL_READ)
    rate = (select(LabourRate.hourly_rate)
            .where(LabourRate.employee_id == Employee.id, LabourRate.valid_from <= day)
            .order_by(LabourRate.valid_from.desc()).limit(1).scalar_subquery())
    row = uow.session.execute(select(Employee.site_code, rate)
                              .where(Employee.code == employee_code)).first()
    if row is None or not uow.actor.can_see_site(row[0]):
        raise NotFound(f"employee {employee_code!r} does not exist")
    return row[1]
