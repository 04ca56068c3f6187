"""The people on the floor: skills, employees with their qualifications (one expired on
purpose), labour rates and shifts.

Qualification dates are set from the real calendar, because the MES checks them against the
real date when an operator starts work: a simulated month in the past must not expire them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gemba.core.db.uow import UnitOfWork
from gemba.core.types import utcnow
from gemba.erp.personnel.employee import EmployeeIn, SkillIn, create_employee, create_skill
from gemba.erp.personnel.labour_rate import LabourRateIn, add_labour_rate
from gemba.erp.personnel.qualification import QualificationIn, grant_qualification
from gemba.erp.personnel.shift_assignment import ShiftAssignmentIn, assign_shift

SITE = "PLANT1"
SHIFT_CALENDAR = "CAL-2S"
SKILLS = [("WELD", "TIG welding certificate"), ("COAT", "Powder coating operator"),
          ("HV", "E-drive electrical safety")]
EXPIRED = -10  # days a qualification expired ago


@dataclass(frozen=True)
class Person:
    code: str
    name: str
    shift: str  # EARLY or LATE of CAL-2S
    hourly_rate: Decimal
    skills: tuple[tuple[str, int], ...] = ()  # (skill, days valid from today; <0 expired)


D = Decimal
# Badge = employee code. Carla Vidal's welding certificate has expired: the terminal (and the
# simulated floor) refuse her at the welding cell until it is renewed.
PEOPLE = [
    Person("E100", "Ana Costa", "EARLY", D("38.00"), (("WELD", 365),)),
    Person("E101", "Ben Okafor", "EARLY", D("36.00")),
    Person("E102", "Carla Vidal", "LATE", D("38.00"), (("WELD", EXPIRED),)),
    Person("E103", "David Novak", "EARLY", D("40.00"), (("WELD", 300),)),
    Person("E104", "Elif Yilmaz", "EARLY", D("37.00"), (("COAT", 400),)),
    Person("E105", "Frank Berger", "EARLY", D("35.00")),
    Person("E106", "Grace Kim", "EARLY", D("42.00"), (("HV", 500),)),
    Person("E107", "Hugo Martin", "EARLY", D("36.00")),
    Person("E108", "Ines Duarte", "EARLY", D("36.00"), (("COAT", 200),)),
    Person("E109", "Jonas Weber", "EARLY", D("39.00"), (("HV", 250), ("WELD", 180))),
    Person("E110", "Katarzyna Nowak", "EARLY", D("35.00")),
    Person("E111", "Luca Rossi", "LATE", D("40.00"), (("WELD", 330),)),
    Person("E112", "Mia Schulz", "LATE", D("36.00")),
    Person("E113", "Noah Fischer", "LATE", D("36.00"), (("HV", 365),)),
    Person("E114", "Olga Petrova", "LATE", D("38.00"), (("WELD", 420),)),
    Person("E115", "Pavel Horak", "EARLY", D("37.00")),
]


def create_skills(uow: UnitOfWork) -> None:
    for code, name in SKILLS:
        create_skill(uow, SkillIn(code=code, name=name))


def hire(uow: UnitOfWork, today: date) -> None:
    """Employees of site PLANT1 with a rate from a year back and their shift from today."""
    real_today = utcnow().date()
    since = min(today, real_today) - timedelta(days=365)
    for p in PEOPLE:
        create_employee(uow, EmployeeIn(code=p.code, name=p.name, site_code=SITE))
        add_labour_rate(uow, p.code, LabourRateIn(valid_from=since, hourly_rate=p.hourly_rate))
        for skill, days in p.skills:
            grant_qualification(uow, p.code, QualificationIn(
                skill=skill, valid_until=real_today + timedelta(days=days)))
        assign_shift(uow, p.code, ShiftAssignmentIn(calendar=SHIFT_CALENDAR, shift_code=p.shift,
                                                    valid_from=since))
