"""Running operations: the rules (a refusal writes nothing), WIP per operation, genealogy, and
one ProductionPerformance per completion or consumption, with increasing sequences."""

from __future__ import annotations

from decimal import Decimal

import pytest
from mes_helpers import D, footprint, outbox, performances, receive

from gemba.core.errors import Conflict, ValidationFailed
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.execution import LotQty
from gemba.mes.work_order import OperationStatus, WorkOrderStatus

ZERO = Decimal(0)


@pytest.fixture
def released(gemba) -> str:
    receive(gemba, qty="10")
    run(gemba, wo_.release_work_order, "MO-T1")
    return "MO-T1"


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def refused(gemba, error, fn, *args, **kw):
    """The call fails with ``error`` and leaves no event and no message behind."""
    before = footprint(gemba)
    with gemba.uow() as uow, pytest.raises(error) as err:
        fn(uow, *args, **kw)
        uow.commit()
    assert footprint(gemba) == before
    return err.value


def issue(exc) -> tuple[str, str]:
    return exc.issues[0].field, exc.issues[0].rule


def test_rules_refuse_and_write_nothing(gemba, released):
    n = released
    assert issue(refused(gemba, ValidationFailed, ex.start_operation, n, 10, " ")) == (
        "operator", "required")
    run(gemba, ex.start_operation, n, 10, "ANNA")
    refused(gemba, Conflict, ex.start_operation, n, 10, "ANNA")  # no double start
    refused(gemba, Conflict, ex.complete_operation, n, 20, D(1))  # op 20 not started
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 10, D(11))) == (
        "good", "released_qty")
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 10, D(8), D(3),
                         "burr")) == ("good", "released_qty")
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 10, D(5),
                         D(1))) == ("scrap_reason", "required")
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 10, D(-1))) == (
        "good", "ge_zero")
    assert issue(refused(gemba, ValidationFailed, ex.consume, n, 10, "COPPER", "L9",
                         D(1))) == ("item", "required_material")
    assert issue(refused(gemba, ValidationFailed, ex.consume, n, 10, "STEEL", "L1",
                         D(0))) == ("qty", "gt_zero")
    assert issue(refused(gemba, ValidationFailed, ex.produce, n, 10, "FL-1")) == (
        "seq", "last_operation")
    assert issue(refused(gemba, ValidationFailed, ex.pause_operation, n, 10, "")) == (
        "reason", "required")
    run(gemba, ex.complete_operation, n, 10, D(6), minutes=D(20))
    run(gemba, ex.start_operation, n, 20, "BEN")
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 20, D(7))) == (
        "good", "predecessor_good")  # op 10 made only 6
    assert issue(refused(gemba, ValidationFailed, ex.complete_operation, n, 20, D(5), D(2),
                         "dent")) == ("scrap", "predecessor_good")
    run(gemba, wo_.hold_work_order, n, "quality check")
    refused(gemba, Conflict, ex.complete_operation, n, 20, D(1))
    refused(gemba, Conflict, ex.consume, n, 20, "BOLT", None, D(4))
    run(gemba, ex.pause_operation, n, 20, "waiting for quality")  # pausing a held order is fine
    refused(gemba, Conflict, ex.resume_operation, n, 20)


def test_wip_and_genealogy_from_the_event_log(gemba, released):
    n = released
    run(gemba, ex.start_operation, n, 10, "ANNA")
    run(gemba, ex.consume, n, 10, "STEEL", "L1", D(12))
    run(gemba, ex.consume, n, 10, "STEEL", "L2", D(8))
    run(gemba, ex.complete_operation, n, 10, D(6), D(1), "burr", rework=D(1), minutes=D(30))
    with gemba.uow() as uow:
        assert [(w.seq, w.queued, w.in_process, w.completed, w.scrapped, w.rework)
                for w in ex.wip(uow, n)] == [
            (10, ZERO, D(3), D(6), D(1), D(1)),  # 10 arrived, 7 done, 3 on the machine
            (20, D(6), ZERO, ZERO, ZERO, ZERO)]   # 6 good pieces wait at op 20
    run(gemba, ex.complete_operation, n, 10, D(3), minutes=D(15))  # op 10 done
    run(gemba, ex.start_operation, n, 20, "BEN")
    run(gemba, ex.consume, n, 20, "BOLT", None, D(36))
    run(gemba, ex.produce, n, 20, "FL-1")
    run(gemba, ex.complete_operation, n, 20, D(5), minutes=D(25))
    run(gemba, ex.produce, n, 20, "FL-2")
    with gemba.uow() as uow:
        assert [(w.status, w.queued, w.in_process, w.completed, w.scrapped)
                for w in ex.wip(uow, n)] == [
            ("done", ZERO, ZERO, D(9), D(1)), ("running", ZERO, D(4), D(5), ZERO)]
    run(gemba, ex.complete_operation, n, 20, D(3), D(1), "dent", minutes=D(20))
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, n)
        assert (wo.status, wo.qty_good, wo.qty_scrap) == (WorkOrderStatus.COMPLETED, D(8), D(2))
        assert [op.status for op in wo.operations] == [OperationStatus.DONE] * 2
        assert all(w.queued == w.in_process == 0 for w in ex.wip(uow, n))
        g = ex.genealogy(uow, n)
    assert g.inputs == [LotQty("BOLT", None, D(36)), LotQty("STEEL", "L1", D(12)),
                        LotQty("STEEL", "L2", D(8))]
    assert g.outputs == [LotQty("FRAME", "FL-1", D(5)), LotQty("FRAME", "FL-2", D(3))]
    refused(gemba, Conflict, ex.complete_operation, n, 20, D(1))  # done


def test_each_completion_or_consumption_reports_one_increment(gemba, released):
    n = released
    run(gemba, ex.start_operation, n, 10, "ANNA")
    run(gemba, ex.consume, n, 10, "STEEL", "L1", D(20))
    run(gemba, ex.complete_operation, n, 10, D(9), D(1), "burr", minutes=D(40))
    run(gemba, ex.start_operation, n, 20, "BEN")
    run(gemba, ex.produce, n, 20, "FL-1")
    run(gemba, ex.complete_operation, n, 20, D(4), minutes=D(10))
    run(gemba, ex.pause_operation, n, 20, "lunch")
    run(gemba, ex.resume_operation, n, 20)
    run(gemba, ex.complete_operation, n, 20, D(4), D(1), "dent", rework=D(0), minutes=D(12))
    perf = performances(gemba)
    assert len(perf) == 4  # 1 consumption + 3 completions
    responses = [p.responses[0] for p in perf]
    assert all(len(p.responses) == 1 for p in perf)
    assert {r.request_id for r in responses} == {n}
    assert [r.state for r in responses] == ["started", "started", "started", "completed"]
    # one sequence per request, shared with the status messages, strictly increasing
    seqs = [p["sequence"] if "sequence" in p else p["responses"][0]["sequence"]
            for _, p in outbox(gemba) if "sequence" in p or "responses" in p]
    assert seqs == list(range(1, len(seqs) + 1))
    consumed, cut, first, last = (r.segments[0] for r in responses)
    assert [(m.material_definition_id, m.quantity, m.use, m.lot_id)
            for m in consumed.materials] == [("STEEL", D(20), "Consumed", "L1")]
    assert (cut.segment_id, cut.quantity_good, cut.quantity_scrap, cut.scrap_reason) == (
        "10", D(9), D(1), "burr")
    assert [(m.material_definition_id, m.quantity, m.use) for m in cut.materials] == [
        ("FRAME", D(1), "Scrapped")]  # op 10 makes no product yet
    assert [(p.person_id, p.minutes) for p in cut.personnel] == [("ANNA", D(40))]
    assert [(e.equipment_id, e.minutes) for e in cut.equipment] == [("WC-CUT", D(40))]
    assert [(m.quantity, m.use, m.lot_id) for m in first.materials] == [
        (D(4), "Produced", "FL-1")]
    assert [(m.quantity, m.use) for m in last.materials] == [
        (D(4), "Produced"), (D(1), "Scrapped")]
    assert [(p.person_id, p.minutes) for p in last.personnel] == [("BEN", D(12))]


def test_minutes_default_to_the_running_time(gemba, released):
    n = released
    run(gemba, ex.start_operation, n, 10, "ANNA")
    run(gemba, ex.pause_operation, n, 10, "setup question")
    run(gemba, ex.resume_operation, n, 10)
    run(gemba, ex.complete_operation, n, 10, D(10))
    minutes = performances(gemba)[-1].responses[0].segments[0].personnel[0].minutes
    assert D(0) <= minutes < D(1)  # the test ran in well under a minute


def test_a_split_reports_to_the_same_request(gemba, released):
    n = released
    child = run(gemba, wo_.split_work_order, n, D(4)).number
    run(gemba, ex.start_operation, child, 10, "ANNA")
    run(gemba, ex.complete_operation, child, 10, D(4), minutes=D(5))
    run(gemba, ex.start_operation, n, 10, "ANNA")
    run(gemba, ex.complete_operation, n, 10, D(6), minutes=D(5))
    run(gemba, ex.start_operation, child, 20, "ANNA")
    run(gemba, ex.complete_operation, child, 20, D(4), minutes=D(5))
    responses = [p.responses[0] for p in performances(gemba)]
    assert {r.request_id for r in responses} == {n}
    assert [r.sequence for r in responses] == sorted({r.sequence for r in responses})
    assert responses[-1].state == "started"  # the parent is still running
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, child).status == WorkOrderStatus.COMPLETED


def test_the_event_log_is_append_only(gemba, released):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    from gemba.mes.execution_event import ExecutionEvent

    run(gemba, ex.start_operation, released, 10, "ANNA")
    for stmt in (update(ExecutionEvent).values(operator="MALLORY"), delete(ExecutionEvent)):
        with gemba.uow() as uow, pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(stmt)
    with gemba.uow() as uow:
        assert {e.operator for e in uow.session.query(ExecutionEvent)} >= {"ANNA"}
