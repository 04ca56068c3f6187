"""Work orders from ISA-95 schedules: upsert by request id, revision ordering, cancellation,
release, hold, split, priorities and dispatch lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mes_helpers import DUE, D, receive, request, schedule, send, statuses
from sqlalchemy import select

from gemba.core.audit.recorder import history
from gemba.core.auth.actor import Actor
from gemba.core.auth.permissions import Role
from gemba.core.errors import Conflict, PermissionDenied, ValidationFailed
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.erp_link.schedule_consumer import MesRejection
from gemba.mes.work_order import OperationStatus, WorkOrderStatus

W = WorkOrderStatus


def get(gemba, number: str):
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, number)
        return (wo.status, wo.revision, wo.qty, wo.priority,
                [(op.seq, op.work_center) for op in wo.operations],
                [(m.item, m.qty) for m in wo.materials])


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def test_a_schedule_becomes_a_received_work_order(gemba):
    receive(gemba)
    status, revision, qty, _, ops, materials = get(gemba, "MO-T1")
    assert (status, revision, qty) == (W.RECEIVED, 1, D(10))
    assert ops == [(10, "WC-CUT"), (20, "WC-ASM")]
    assert materials == [("STEEL", D(20)), ("BOLT", D(40))]
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, "MO-T1")
        assert wo.due == DUE and wo.request_id == "MO-T1"
        trail = history(uow.session, "mes_work_orders", wo.id)
        assert {e.record_type for e in trail} >= {"mes_work_orders", "mes_work_operations",
                                                 "mes_work_materials"}


def test_newer_revisions_update_older_ones_are_ignored(gemba):
    send(gemba, schedule(request(revision=2, qty="12", priority=5,
                                 steps=(("10", "WC-CUT"), ("20", "WC-ASM"), ("30", "WC-PACK")))))
    send(gemba, schedule(request(revision=1, qty="10")))  # late: ignored
    send(gemba, schedule(request(revision=2, qty="99")))  # equal: ignored
    status, revision, qty, priority, ops, materials = get(gemba, "MO-T1")
    assert (status, revision, qty, priority) == (W.RECEIVED, 2, D(12), 5)
    assert [s for s, _ in ops] == [10, 20, 30]
    # once the floor started, a newer revision changes quantity, due and priority only
    run(gemba, wo_.release_work_order, "MO-T1")
    run(gemba, ex.start_operation, "MO-T1", 10, "ANNA")
    send(gemba, schedule(request(revision=3, qty="15", priority=7, due=DUE + timedelta(days=1),
                                 steps=(("10", "WC-X"),))))
    status, revision, qty, priority, ops, _ = get(gemba, "MO-T1")
    assert (status, revision, qty, priority) == (W.IN_PROGRESS, 3, D(15), 7)
    assert ops == [(10, "WC-CUT"), (20, "WC-ASM"), (30, "WC-PACK")]


def test_a_cancelled_request_cancels_or_holds(gemba):
    receive(gemba, "MO-A")
    receive(gemba, "MO-B")
    run(gemba, wo_.release_work_order, "MO-B")
    run(gemba, ex.start_operation, "MO-B", 10, "ANNA")
    send(gemba, schedule(request("MO-A", 2, state="cancelled"),
                         request("MO-B", 2, state="cancelled")))
    assert get(gemba, "MO-A")[0] == W.CANCELLED
    with gemba.uow() as uow:
        b = wo_.get_work_order(uow, "MO-B")
        assert b.status == W.HELD and "cancelled revision 2 after work started" in b.note
    # out of order: the cancellation overtakes the request itself
    send(gemba, schedule(request("MO-C", 2, state="cancelled")))
    send(gemba, schedule(request("MO-C", 1)))
    assert get(gemba, "MO-C")[:2] == (W.CANCELLED, 2)


def test_refused_messages_are_kept_and_do_not_block(gemba):
    receive(gemba, "MO-A")
    run(gemba, wo_.release_work_order, "MO-A")
    run(gemba, wo_.split_work_order, "MO-A", D(4))
    send(gemba, {"not": "a schedule"},
         schedule(request("MO-A", 2, qty="3")),   # less than the 4 split off
         schedule(request("MO-D")))
    assert get(gemba, "MO-D")[0] == W.RECEIVED
    assert get(gemba, "MO-A")[1:3] == (1, D(6))
    with gemba.uow() as uow:
        malformed, too_small = uow.session.scalars(select(MesRejection.error)
                                                   .order_by(MesRejection.id)).all()
    assert malformed.startswith("ProductionSchedule payload")
    assert "requests[0].quantity" in too_small


def test_release_hold_unhold_cancel_and_priority(gemba):
    receive(gemba, steps=())  # a request without segments
    with gemba.uow(Actor(None, "op", frozenset({Role.OPERATOR}))) as uow, \
            pytest.raises(PermissionDenied):
        wo_.release_work_order(uow, "MO-T1")
    with gemba.uow() as uow, pytest.raises(Conflict):  # received: not yet on the floor
        ex.start_operation(uow, "MO-T1", 10, "ANNA")
    run(gemba, wo_.release_work_order, "MO-T1")
    assert get(gemba, "MO-T1")[4] == [(10, None)]
    assert [s.state for s in statuses(gemba)] == ["released"]
    with gemba.uow() as uow, pytest.raises(Conflict):
        wo_.release_work_order(uow, "MO-T1")
    run(gemba, wo_.hold_work_order, "MO-T1", "material check")
    with gemba.uow() as uow, pytest.raises(Conflict, match="held"):
        ex.start_operation(uow, "MO-T1", 10, "ANNA")
    run(gemba, wo_.unhold_work_order, "MO-T1")
    run(gemba, wo_.set_priority, "MO-T1", 9)
    assert get(gemba, "MO-T1")[0::3] == (W.RELEASED, 9)
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        wo_.set_priority(uow, "MO-T1", 5000)
    assert err.value.issues[0].field == "priority"
    run(gemba, ex.start_operation, "MO-T1", 10, "ANNA")
    with gemba.uow() as uow, pytest.raises(Conflict, match="work reported"):
        wo_.cancel_work_order(uow, "MO-T1")
    receive(gemba, "MO-E")
    run(gemba, wo_.cancel_work_order, "MO-E")
    assert get(gemba, "MO-E")[0] == W.CANCELLED
    assert statuses(gemba)[-1].state == "cancelled"  # every work order of MO-E: the ERP is told


def test_split_moves_unstarted_quantity_to_a_child(gemba):
    receive(gemba, qty="12", materials=(("STEEL", "24", "kg"),))
    run(gemba, wo_.release_work_order, "MO-T1")
    with gemba.uow() as uow, pytest.raises(ValidationFailed) as err:
        wo_.split_work_order(uow, "MO-T1", D(12))
    assert (err.value.issues[0].field, err.value.issues[0].rule) == ("qty", "unstarted")
    child = run(gemba, wo_.split_work_order, "MO-T1", D(4)).number
    assert child == "MO-T1-S1"
    assert get(gemba, "MO-T1")[2::3] == (D(8), [("STEEL", D(16))])
    status, _, qty, _, ops, materials = get(gemba, child)
    assert (status, qty, materials) == (W.RELEASED, D(4), [("STEEL", D(8))])
    assert ops == [(10, "WC-CUT"), (20, "WC-ASM")]
    # completed or running quantity is not split off
    run(gemba, ex.start_operation, "MO-T1", 10, "ANNA")
    run(gemba, ex.complete_operation, "MO-T1", 10, D(3), minutes=D(1))
    with gemba.uow() as uow, pytest.raises(ValidationFailed, match="0 of 8 is unstarted"):
        wo_.split_work_order(uow, "MO-T1", D(1))
    run(gemba, ex.pause_operation, "MO-T1", 10, "break")
    second = run(gemba, wo_.split_work_order, "MO-T1", D(5))
    assert (second.number, second.qty) == ("MO-T1-S2", D(5))
    assert get(gemba, "MO-T1")[2] == D(3)
    with gemba.uow() as uow:
        assert wo_.get_work_order(uow, "MO-T1").operations[0].status == OperationStatus.PAUSED


def test_dispatch_lists_follow_priority_then_due_date(gemba):
    for number, priority, days in (("MO-1", 0, 1), ("MO-2", 5, 3), ("MO-3", 0, 0),
                                   ("MO-4", 9, 0)):
        receive(gemba, number, priority=priority, due=DUE + timedelta(days=days))
        if number != "MO-4":  # MO-4 stays received: not dispatched
            run(gemba, wo_.release_work_order, number)
    with gemba.uow() as uow:
        assert [e.number for e in wo_.dispatch_list(uow, "WC-CUT")] == ["MO-2", "MO-3", "MO-1"]
        assert wo_.dispatch_list(uow, "WC-ASM") == []
    run(gemba, ex.start_operation, "MO-3", 10, "ANNA")
    run(gemba, ex.complete_operation, "MO-3", 10, D(10), minutes=D(30))
    run(gemba, wo_.hold_work_order, "MO-2", "quality")
    with gemba.uow() as uow:
        assert [e.number for e in wo_.dispatch_list(uow, "WC-CUT")] == ["MO-1"]
        assert [(e.number, e.operation.seq) for e in wo_.dispatch_list(uow, "WC-ASM")] == [
            ("MO-3", 20)]
