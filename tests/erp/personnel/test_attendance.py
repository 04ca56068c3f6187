"""Attendance: clocking in and out, refusals, corrections, hours and labour cost, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from gemba.core.audit.models import AuditEntry
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, PermissionDenied, ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.equipment.hierarchy import ensure_site
from gemba.erp.personnel.attendance import (
    Attendance,
    AttendanceSource,
    attendance_for,
    attendance_summary,
    clock_in,
    clock_out,
    hours_worked,
    labour_cost,
    record_attendance,
    who_is_in,
)
from gemba.erp.personnel.employee import EmployeeIn, create_employee, delete_employee
from gemba.erp.personnel.labour_rate import LabourRateIn, add_labour_rate


def actor(role: Role, sites: set[str] | None = None) -> Actor:
    return Actor(user_id=None, username=role.value, roles=frozenset({role}),
                 site_codes=frozenset(sites) if sites is not None else None)


OPERATOR = actor(Role.OPERATOR)
VIEWER = actor(Role.VIEWER)
ACCOUNTANT = actor(Role.ACCOUNTANT)
SUPERVISOR_S1 = actor(Role.SUPERVISOR, {"S1"})


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 6) -> datetime:
    return datetime(2024, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def staff(gemba):
    """Anna (S1; 30.00/h from 2024-01-01, 36.00/h from 2024-06-03), Bert (S1, inactive),
    Carl (S2, no labour rate)."""
    with gemba.uow() as uow:
        ensure_site(uow, "S1")
        ensure_site(uow, "S2")
        create_employee(uow, EmployeeIn(code="ANNA", name="Anna", site_code="S1"))
        create_employee(uow, EmployeeIn(code="BERT", name="Bert", site_code="S1", active=False))
        create_employee(uow, EmployeeIn(code="CARL", name="Carl", site_code="S2"))
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 1, 1),
                                                  hourly_rate=Decimal("30.00")))
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2024, 6, 3),
                                                  hourly_rate=Decimal("36.00")))
        uow.commit()
    return gemba


def test_clock_in_and_out(staff):
    with staff.uow(OPERATOR) as uow:
        rec = clock_in(uow, "ANNA", at(3, 6))
        uow.commit()
    assert (rec.work_date, rec.source, rec.clock_out) == (date(2024, 6, 3),
                                                          AttendanceSource.TERMINAL, None)
    with staff.uow() as uow:
        assert [(p.employee_code, p.since) for p in who_is_in(uow)] == [("ANNA", at(3, 6))]
    with staff.uow(OPERATOR) as uow, pytest.raises(Conflict, match="already clocked in"):
        clock_in(uow, "ANNA", at(3, 7))
    with staff.uow(OPERATOR) as uow:
        done = clock_out(uow, "ANNA", at(3, 14, 30))
        uow.commit()
    assert done.hours == Decimal("8.50")
    with staff.uow() as uow:
        assert who_is_in(uow) == []
        [stored] = attendance_for(uow, "ANNA", date(2024, 6, 3), date(2024, 6, 3))
        assert (stored.clock_in, stored.clock_out) == (at(3, 6), at(3, 14, 30))
        assert stored.clock_in.tzinfo is not None
    with staff.uow(OPERATOR) as uow, pytest.raises(Conflict, match="not clocked in"):
        clock_out(uow, "ANNA", at(3, 15))
    with staff.uow(OPERATOR) as uow:  # default "now", badge reader
        rec = clock_in(uow, "ANNA", source="badge")
        assert rec.source == AttendanceSource.BADGE
        assert abs(rec.clock_in - utcnow()) < timedelta(minutes=1)
        assert rec.work_date == rec.clock_in.date()


def test_work_date_is_the_utc_date_of_the_clock_in(staff):
    berlin = timezone(timedelta(hours=2))
    with staff.uow() as uow:
        rec = clock_in(uow, "ANNA", datetime(2024, 6, 4, 1, 0, tzinfo=berlin))
        assert rec.clock_in == at(3, 23) and rec.work_date == date(2024, 6, 3)
        clock_out(uow, "ANNA", at(4, 7))  # a night shift counts on the day it began
        uow.commit()
    with staff.uow() as uow:
        assert hours_worked(uow, "ANNA", date(2024, 6, 3), date(2024, 6, 3)) == Decimal("8.00")
        assert hours_worked(uow, "ANNA", date(2024, 6, 4), date(2024, 6, 4)) == Decimal("0.00")


def test_refusals(staff):
    with staff.uow() as uow:
        with pytest.raises(Conflict, match="inactive"):
            clock_in(uow, "BERT", at(3, 6))
        for bad in (datetime(2024, 6, 3, 6, 0), utcnow() + timedelta(hours=1)):  # noqa: DTZ001
            with pytest.raises(ValidationFailed) as err:
                clock_in(uow, "ANNA", bad)
            assert err.value.issues[0].field == "at"
        with pytest.raises(ValidationFailed) as err:
            clock_in(uow, "NOBODY", at(3, 6))
        assert err.value.issues[0].field == "employee"
        with pytest.raises(ValidationFailed) as err:
            clock_in(uow, "ANNA", at(3, 6), source="carrier pigeon")
        assert err.value.issues[0].field == "source"
        clock_in(uow, "ANNA", at(3, 6))
        for bad in (at(3, 6), at(3, 5)):
            with pytest.raises(ValidationFailed) as err:
                clock_out(uow, "ANNA", bad)
            assert (err.value.issues[0].field, err.value.issues[0].rule) == ("at",
                                                                             "after_clock_in")
        with pytest.raises(ValidationFailed) as err:
            clock_out(uow, "ANNA", datetime(2024, 6, 3, 14, 0))  # noqa: DTZ001
        assert err.value.issues[0].field == "at"
        clock_out(uow, "ANNA", at(3, 14))
        with pytest.raises(Conflict, match="until 2024-06-03 14:00:00 UTC"):
            clock_in(uow, "ANNA", at(3, 13))  # inside the stay just closed
        with pytest.raises(ValidationFailed):
            attendance_for(uow, "ANNA", date(2024, 6, 3), date(2024, 6, 2))
        with pytest.raises(ValidationFailed):
            attendance_for(uow, "ANNA", date(2023, 1, 1), date(2024, 6, 2))
        uow.commit()
    with staff.uow(SUPERVISOR_S1) as uow:  # Carl works at S2: unknown to an S1 supervisor
        with pytest.raises(ValidationFailed) as err:
            clock_in(uow, "CARL", at(3, 6))
        assert err.value.issues[0].field == "employee"


def test_hours_and_labour_cost_with_a_rate_change_mid_range(staff):
    with staff.uow() as uow:
        for start, end in ((at(31, 6, month=5), at(31, 14, month=5)),  # 8 h at 30.00
                           (at(3, 6), at(3, 13, 30)),                    # 7.5 h at 36.00
                           (at(4, 22), at(5, 6)),                        # 8 h at 36.00
                           (at(6, 6), at(6, 6, 20))):                    # 0.33 h at 36.00
            clock_in(uow, "ANNA", start)
            clock_out(uow, "ANNA", end)
        clock_in(uow, "ANNA", at(7, 6))  # still open: neither timed nor costed
        uow.commit()
    with staff.uow(ACCOUNTANT) as uow:
        first, last = date(2024, 5, 31), date(2024, 6, 7)
        assert hours_worked(uow, "ANNA", first, last) == Decimal("23.83")
        assert labour_cost(uow, "ANNA", first, last) == Decimal("809.88")  # 240+270+288+11.88
        summary = attendance_summary(uow, "ANNA", first, last)
        assert [(line.hours, line.hourly_rate, line.cost) for line in summary.lines] == [
            (Decimal("8.00"), Decimal("30"), Decimal("240.00")),
            (Decimal("7.50"), Decimal("36"), Decimal("270.00")),
            (Decimal("8.00"), Decimal("36"), Decimal("288.00")),
            (Decimal("0.33"), Decimal("36"), Decimal("11.88"))]
        assert (summary.hours, summary.labour_cost, summary.open_records) == (
            Decimal("23.83"), Decimal("809.88"), 1)
        assert len(attendance_for(uow, "ANNA", first, last)) == 5
        assert labour_cost(uow, "ANNA", date(2024, 6, 1), date(2024, 6, 3)) == Decimal("270.00")
        assert labour_cost(uow, "ANNA", date(2024, 6, 8), date(2024, 6, 9)) == Decimal(0)
    with staff.uow() as uow:
        clock_in(uow, "CARL", at(3, 6))
        clock_out(uow, "CARL", at(3, 7))
        with pytest.raises(Conflict, match="no labour rate in force on 2024-06-03"):
            labour_cost(uow, "CARL", date(2024, 6, 1), date(2024, 6, 30))
        assert hours_worked(uow, "CARL", date(2024, 6, 1), date(2024, 6, 30)) == Decimal("1.00")


def test_manual_correction(staff):
    with staff.uow(SUPERVISOR_S1) as uow:
        rec = record_attendance(uow, "ANNA", at(3, 6), at(3, 14), "terminal was broken")
        uow.commit()
    assert (rec.source, rec.note, rec.hours) == (AttendanceSource.MANUAL,
                                                 "terminal was broken", Decimal("8.00"))
    with staff.uow(SUPERVISOR_S1) as uow:
        reasons = uow.session.scalars(select(AuditEntry.reason).where(
            AuditEntry.record_type == "erp_attendance")).all()
        assert reasons == ["attendance correction: terminal was broken"]
        with pytest.raises(Conflict, match="overlaps"):
            record_attendance(uow, "ANNA", at(3, 13), at(3, 15), "late shift")
        with pytest.raises(Conflict, match="overlaps"):
            record_attendance(uow, "ANNA", at(3, 5), at(3, 20), "whole day")
        record_attendance(uow, "ANNA", at(3, 14), at(3, 16), "touching is fine")
        clock_in(uow, "ANNA", at(4, 6))
        with pytest.raises(Conflict, match="still open"):
            record_attendance(uow, "ANNA", at(4, 8), at(4, 9), "inside the open stay")
        with pytest.raises(ValidationFailed) as err:
            record_attendance(uow, "ANNA", at(2, 6), at(2, 14), "   ")
        assert err.value.issues[0].field == "note"
        with pytest.raises(ValidationFailed) as err:
            record_attendance(uow, "ANNA", at(2, 14), at(2, 6), "backwards")
        assert err.value.issues[0].field == "clock_out"
        with pytest.raises(ValidationFailed) as err:
            record_attendance(uow, "ANNA", datetime(2024, 6, 2, 6),  # noqa: DTZ001
                              at(2, 14), "naive")
        assert err.value.issues[0].field == "clock_in"
        uow.commit()
    with staff.uow() as uow:
        assert len(attendance_for(uow, "ANNA", date(2024, 6, 1), date(2024, 6, 30))) == 3


def test_permissions(staff):
    with staff.uow(VIEWER) as uow:
        for call in (lambda: clock_in(uow, "ANNA", at(3, 6)),
                     lambda: clock_out(uow, "ANNA", at(3, 7)),
                     lambda: who_is_in(uow),
                     lambda: attendance_for(uow, "ANNA", date(2024, 6, 1), date(2024, 6, 2)),
                     lambda: labour_cost(uow, "ANNA", date(2024, 6, 1), date(2024, 6, 2)),
                     lambda: record_attendance(uow, "ANNA", at(3, 6), at(3, 7), "x")):
            with pytest.raises(PermissionDenied):
                call()
    with staff.uow(OPERATOR) as uow:  # clocks people in and out, reads nothing
        clock_in(uow, "ANNA", at(3, 6))
        clock_out(uow, "ANNA", at(3, 7))
        with pytest.raises(PermissionDenied):
            who_is_in(uow)
        with pytest.raises(PermissionDenied):
            record_attendance(uow, "ANNA", at(2, 6), at(2, 7), "x")
    with staff.uow(ACCOUNTANT) as uow:  # reads and costs, clocks nobody
        assert who_is_in(uow) == []
        with pytest.raises(PermissionDenied):
            clock_in(uow, "ANNA", at(3, 6))


def test_the_database_refuses_a_second_open_record(staff):
    """The partial unique index, even past the service's own check."""
    with staff.uow() as uow:
        first = clock_in(uow, "ANNA", at(3, 6))
        uow.session.add(Attendance(employee_id=first.employee_id, clock_in=at(3, 7),
                                   work_date=date(2024, 6, 3),
                                   source=AttendanceSource.TERMINAL))
        with pytest.raises(Conflict, match="unique"):
            uow.flush()
    with staff.uow() as uow:  # closed records do not count
        clock_in(uow, "ANNA", at(3, 6))
        clock_out(uow, "ANNA", at(3, 7))
        clock_in(uow, "ANNA", at(3, 8))
        clock_out(uow, "ANNA", at(3, 9))
        uow.commit()
    with staff.uow() as uow:
        assert len(attendance_for(uow, "ANNA", date(2024, 6, 3), date(2024, 6, 3))) == 2


def test_eight_terminals_clocking_in_the_same_employee_at_once(staff):
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    done: list[int] = []
    refused: list[Conflict] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            with staff.uow(OPERATOR) as uow:
                rec = clock_in(uow, "ANNA", at(3, 6, second=i))
                uow.commit()
                done.append(rec.id)
        except Conflict as exc:
            refused.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(done) == 1 and len(refused) == threads_n - 1
    assert all("already clocked in" in exc.message for exc in refused)
    with staff.uow() as uow:
        rows = uow.session.scalars(select(Attendance)).all()
        assert [(r.id, r.clock_out) for r in rows] == [(done[0], None)]
        assert [p.employee_code for p in who_is_in(uow)] == ["ANNA"]


def test_an_employee_with_attendance_is_not_deleted(staff):
    with staff.uow() as uow:
        clock_in(uow, "ANNA", at(3, 6))
        uow.commit()
    with staff.uow() as uow, pytest.raises(Conflict):
        delete_employee(uow, "ANNA")
