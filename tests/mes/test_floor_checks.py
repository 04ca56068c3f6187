"""What the MES checks on the floor with the ERP's people and lots: qualifications at the
start, lots at the scan (hold, expiry, item, quantity), labour per person, backflush.

People and lots reach the MES as ISA-95 PersonnelInformation / MaterialLotInformation
messages through the outbox (the in-process relay delivers them after each commit)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gemba.contracts.isa95 import MaterialLot, MaterialLotInformation, MessageHeader
from gemba.core.errors import Conflict, ValidationFailed
from gemba.core.types import utcnow
from gemba.erp.catalog.routing import OperationIn, OperationsIn, Routing, replace_operations
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.inventory.lot import HoldIn, hold_lot, release_lot
from gemba.erp.mes_link.reference_data import publish_reference_data
from gemba.erp.personnel.employee import EmployeeIn, SkillIn, create_employee, create_skill
from gemba.erp.personnel.qualification import (
    QualificationIn,
    QualificationPatch,
    grant_qualification,
    update_qualification,
)
from gemba.erp.production.production_order import get_production_order
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.erp_link.reference_consumer import apply_lots
from gemba.mes.execution_event import EventKind, ExecutionEvent
from gemba.mes.material_lot import MesMaterialLot
from gemba.mes.personnel import find_person
from production_testing import DAY, D, new_order, setup_factory


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def mes_lot(gemba, item: str, lot: str) -> MesMaterialLot | None:
    with gemba.uow() as uow:
        row = uow.session.scalar(select(MesMaterialLot).where(MesMaterialLot.item == item,
                                                              MesMaterialLot.lot == lot))
        if row is not None:
            uow.session.expunge(row)
        return row


def events(gemba, kind: EventKind) -> int:
    with gemba.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(ExecutionEvent).where(
            ExecutionEvent.kind == kind)) or 0


@pytest.fixture
def floor(gemba):
    """The factory, welding required on Cut, a released work order of 10 FRAME."""
    setup_factory(gemba)
    with gemba.uow() as uow:
        create_skill(uow, SkillIn(code="SAW", name="Saw operator"))
        routing = uow.session.scalar(select(Routing))
        replace_operations(uow, routing.number, OperationsIn(version=routing.version, operations=[
            OperationIn(seq=10, name="Cut", work_center="WC-CUT", setup_min=D(10),
                        run_min_per_unit=D(3), skill="SAW",
                        instructions="Cut 2 kg per frame.\nDeburr."),
            OperationIn(seq=20, name="Assemble", work_center="WC-ASM", setup_min=D(5),
                        run_min_per_unit=D(6))]))
        create_employee(uow, EmployeeIn(code="BORIS", name="Boris", site_code="S1"))
        uow.commit()
    number = new_order(gemba, release=True)
    run(gemba, wo_.release_work_order, number)
    return number


def test_people_and_lots_reach_the_mes(gemba, floor):
    with gemba.uow() as uow:
        anna = find_person(uow, "ANNA")
        assert anna is not None and anna.active and anna.badge_id == "ANNA"
        op = wo_.get_work_order(uow, floor).operation(10)
        assert op.skills == ["SAW"] and op.instructions == "Cut 2 kg per frame.\nDeburr."
        assert wo_.get_work_order(uow, floor).operation(20).skills == []
    steel = mes_lot(gemba, "STEEL", "L1")
    assert steel is not None and (steel.quantity, steel.blocked) == (D(30), False)


def test_starting_without_the_qualification_is_refused_and_writes_nothing(gemba, floor):
    with pytest.raises(ValidationFailed) as err:
        run(gemba, ex.start_operation, floor, 10, "ANNA")
    assert err.value.issues[0].field == "operator"
    assert err.value.issues[0].rule == "qualification"
    assert "ANNA does not hold qualification SAW" in err.value.message
    with pytest.raises(ValidationFailed, match="not a known active operator"):
        run(gemba, ex.start_operation, floor, 10, "NOBODY")
    assert events(gemba, EventKind.START) == 0
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, floor).operation(10).status.value == "pending"


def test_an_expired_qualification_blocks_and_a_renewed_one_lets_start(gemba, floor):
    run(gemba, grant_qualification, "ANNA",
        QualificationIn(skill="SAW", valid_until=utcnow().date() - timedelta(days=1)))
    with pytest.raises(ValidationFailed, match="ANNA's qualification SAW expired on"):
        run(gemba, ex.start_operation, floor, 10, "ANNA")
    run(gemba, update_qualification, "ANNA", "SAW",
        QualificationPatch(valid_until=utcnow().date() + timedelta(days=30)))
    op = run(gemba, ex.start_operation, floor, 10, "ANNA")
    assert op.status.value == "running"


def test_held_expired_wrong_and_exhausted_lots_are_refused(gemba, floor):
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    run(gemba, ex.start_operation, floor, 10, "ANNA")
    run(gemba, hold_lot, "STEEL", "L1", HoldIn(reason="supplier recall"))
    assert mes_lot(gemba, "STEEL", "L1").blocked
    with pytest.raises(ValidationFailed, match=r"lot L1 of STEEL is on hold \(supplier recall\)"):
        run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(5))
    run(gemba, release_lot, "STEEL", "L1")
    with gemba.uow() as uow:  # an old lot of STEEL, past its expiry
        post_moves(uow, [MoveIn("STEEL", D(10), "SUPPLIER", "WH/STOCK", lot="OLD",
                                unit_cost=D(2), expiry_date=date(2026, 1, 31))],
                   doc_type="receipt", doc_ref="GR-OLD", day=DAY)
        uow.commit()
    with pytest.raises(ValidationFailed, match="lot OLD of STEEL expired on 2026-01-31"):
        run(gemba, ex.consume, floor, 10, "STEEL", "OLD", D(1))
    with pytest.raises(ValidationFailed, match="lot L1 is of item STEEL, not BOLT"):
        run(gemba, ex.consume, floor, 10, "BOLT", "L1", D(1))
    with pytest.raises(ValidationFailed, match="lot L9 of STEEL is unknown"):
        run(gemba, ex.consume, floor, 10, "STEEL", "L9", D(1))
    with pytest.raises(ValidationFailed, match="STEEL is lot-controlled"):
        run(gemba, ex.consume, floor, 10, "STEEL", None, D(1))
    with pytest.raises(ValidationFailed, match="lot L1 of STEEL has 30 kg left, less than the 31"):
        run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(31))
    assert events(gemba, EventKind.CONSUME) == 0
    run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(21))
    # The ERP applied the consumption and reported the lot's new stock: 9 left.
    lot = mes_lot(gemba, "STEEL", "L1")
    assert (lot.quantity, lot.consumed) == (D(9), D(0))
    with pytest.raises(ValidationFailed, match="has 9 kg left"):
        run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(10))


def test_an_older_lot_report_does_not_overwrite_a_newer_one(gemba, floor):
    old = utcnow() - timedelta(hours=1)
    msg = MaterialLotInformation(
        header=MessageHeader.new("MaterialLotInformation", "test-erp"),
        lots=(MaterialLot(id="L1", material_definition_id="STEEL", quantity=D(500), uom="kg",
                          status="blocked", as_of=old),))
    assert run(gemba, apply_lots, msg) == 0
    lot = mes_lot(gemba, "STEEL", "L1")
    assert (lot.quantity, lot.blocked) == (D(30), False)


def test_labour_of_everyone_clocked_on_is_reported_and_costed(gemba, floor):
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    run(gemba, ex.start_operation, floor, 10, "ANNA")
    with pytest.raises(ValidationFailed, match="BORIS does not hold qualification SAW"):
        run(gemba, ex.clock_on, floor, 10, "BORIS")
    run(gemba, grant_qualification, "BORIS", QualificationIn(skill="SAW"))
    run(gemba, ex.clock_on, floor, 10, "BORIS")
    with pytest.raises(Conflict, match="BORIS is clocked on operation 10"):
        run(gemba, ex.clock_on, floor, 10, "BORIS")
    run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(20))
    run(gemba, ex.complete_operation, floor, 10, D(10), minutes=D(30))
    with gemba.uow() as uow:
        order = get_production_order(uow, floor)
        assert order.labour_minutes == D(60)  # ANNA 30 + BORIS 30 (BORIS has no rate)
        assert order.labour_cost == D(20)  # ANNA at 40.00 an hour
        assert "BORIS" in order.warnings
    with pytest.raises(Conflict, match="BORIS is not clocked on"):
        run(gemba, ex.clock_off, floor, 10, "BORIS")  # the finished operation clocked all off


def test_backflush_consumes_by_the_bom_less_what_was_scanned(gemba, floor):
    run(gemba, grant_qualification, "ANNA", QualificationIn(skill="SAW"))
    run(gemba, ex.start_operation, floor, 10, "ANNA")
    run(gemba, ex.consume, floor, 10, "STEEL", "L1", D(3))
    run(gemba, ex.complete_operation, floor, 10, D(4), backflush=True, minutes=D(10))
    # 4 of 10 done: 8 kg STEEL (3 scanned, 5 backflushed from L1) and 16 BOLT (no lots).
    with gemba.uow() as uow:
        got = sorted((e.item, e.lot, e.qty, e.reason) for e in uow.session.scalars(
            select(ExecutionEvent).where(ExecutionEvent.kind == EventKind.CONSUME)))
    assert got == [("BOLT", None, D(16), "backflush"), ("STEEL", "L1", D(3), None),
                   ("STEEL", "L1", D(5), "backflush")]
    with gemba.uow() as uow:  # 20 of the 22 kg left in L1 found rusty and scrapped in the ERP
        post_moves(uow, [MoveIn("STEEL", D(20), "WH/STOCK", "SCRAP", lot="L1")],
                   doc_type="scrap", doc_ref="SC-1", day=DAY)
        uow.commit()
    with pytest.raises(ValidationFailed, match="backflush needs 12 kg of STEEL; its usable "
                                               "lots hold only 2"):
        run(gemba, ex.complete_operation, floor, 10, D(6), backflush=True, minutes=D(1))
    run(gemba, hold_lot, "STEEL", "L1", HoldIn(reason="check"))
    with pytest.raises(ValidationFailed, match="usable lots hold only 0"):
        run(gemba, ex.complete_operation, floor, 10, D(6), backflush=True, minutes=D(1))


def test_a_full_sync_sends_every_person_and_stocked_lot(gemba, floor):
    with gemba.uow() as uow:
        assert publish_reference_data(uow) == (2, 1)
        uow.commit()


def test_a_removed_employee_can_no_longer_work_and_a_routing_names_unknown_skills(gemba, floor):
    from gemba.erp.personnel.employee import delete_employee

    run(gemba, grant_qualification, "BORIS", QualificationIn(skill="SAW"))
    run(gemba, delete_employee, "BORIS")
    with gemba.uow() as uow:
        assert find_person(uow, "BORIS").active is False
    with pytest.raises(ValidationFailed, match="BORIS is not a known active operator"):
        run(gemba, ex.start_operation, floor, 10, "BORIS")
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        routing = uow.session.scalar(select(Routing))
        replace_operations(uow, routing.number, OperationsIn(version=routing.version, operations=[
            OperationIn(seq=10, name="Cut", work_center="WC-CUT", skill="LASER")]))
    assert err.value.issues[0].field == "operations[0].skill"
    assert err.value.issues[0].rule == "unknown_skill"
