"""Killing the process between the MES commit and the relay loses no message.

A child process (crash_after_commit.py) bootstraps Gemba against the test's database, reports
an operator completion, commits, and is killed with SIGKILL when the after-commit relay is
called: the completion is committed and its ProductionPerformance sits unsent in the outbox.
Any later relay (here this process's) delivers it, and the ERP applies it exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from gemba.bootstrap import Gemba
from gemba.contracts.isa95 import PRODUCTION_PERFORMANCE, ProductionPerformance, from_payload
from gemba.core.events.models import InboxMessage, OutboxMessage
from gemba.erp.finance.production_posting import wip_balance
from gemba.erp.inventory.stock import on_hand
from gemba.erp.mes_link.consumer import CONSUMER as ERP_CONSUMER
from gemba.erp.mes_link.performance import applied_responses
from gemba.erp.production.production_order import get_production_order
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.execution_event import EventKind, ExecutionEvent
from production_testing import D, new_order, setup_factory

CHILD = Path(__file__).with_name("crash_after_commit.py")


def run(gemba: Gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def ready_at_last_operation(gemba: Gemba) -> str:
    """A released order of 10 FRAME, cut (10 good), assembly started with output lot FL-1."""
    setup_factory(gemba)
    number = new_order(gemba, qty="10", release=True)  # the schedule reaches the MES
    run(gemba, wo_.release_work_order, number)
    run(gemba, ex.start_operation, number, 10, "ANNA")
    run(gemba, ex.complete_operation, number, 10, D(10), minutes=D(20))
    run(gemba, ex.start_operation, number, 20, "ANNA")
    run(gemba, ex.produce, number, 20, "FL-1")
    return number


def erp_state(gemba: Gemba, number: str) -> dict[str, Any]:
    with gemba.uow() as uow:
        o = get_production_order(uow, number)
        return {"order": (o.status.value, o.qty_good, o.qty_scrap, o.labour_minutes,
                          o.labour_cost),
                "frame": on_hand(uow, "FRAME"), "wip": wip_balance(uow, number),
                "applied": [(a.sequence, a.message_id) for a in applied_responses(uow, number)]}


def pending(gemba: Gemba) -> list[OutboxMessage]:
    with gemba.session_factory() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.published_at.is_(None))
                         .order_by(OutboxMessage.id)).all()
        s.expunge_all()
        return list(rows)


def completions(gemba: Gemba, number: str, seq: int) -> list[tuple[Any, ...]]:
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, number)
        return [(e.qty, e.minutes) for e in uow.session.scalars(
            select(ExecutionEvent).where(ExecutionEvent.work_order_id == wo.id,
                                         ExecutionEvent.kind == EventKind.COMPLETE,
                                         ExecutionEvent.seq == seq)
            .order_by(ExecutionEvent.id))]


def handled_by_erp(gemba: Gemba, message_id: str) -> int:
    with gemba.session_factory() as s:
        return len(s.scalars(select(InboxMessage.id).where(
            InboxMessage.consumer == ERP_CONSUMER, InboxMessage.message_id == message_id))
            .all())


def complete_and_die(gemba: Gemba, number: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GEMBA_DATABASE_URL": gemba.settings.database_url,
           "GEMBA_VAR_DIR": str(gemba.settings.var_dir),
           "GEMBA_SECRET_KEY": gemba.settings.secret_key, "GEMBA_MQTT_URL": "embedded",
           "GEMBA_CONFIG": str(tmp_path / "absent.toml")}
    return subprocess.run([sys.executable, str(CHILD), number, "20", "4", "30"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_killed_between_commit_and_relay_loses_nothing(gemba, tmp_path):
    number = ready_at_last_operation(gemba)
    assert pending(gemba) == []  # everything so far was relayed after its commit
    before = erp_state(gemba, number)
    assert before["order"][:4] == ("in_progress", D(0), D(0), D(20))
    assert before["frame"] == 0

    child = complete_and_die(gemba, number, tmp_path)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "COMMITTED"

    # The MES committed the completion ...
    assert completions(gemba, number, 20) == [(D(4), D(30))]
    with gemba.uow() as uow:
        op = wo_.get_work_order(uow, number).operation(20)
        assert (op.qty_good, op.status.value) == (D(4), "running")
    # ... and its performance report waits in the outbox, unsent ...
    rows = pending(gemba)
    assert [(r.topic, r.attempts) for r in rows] == [(PRODUCTION_PERFORMANCE, 0)]
    report = from_payload(ProductionPerformance, rows[0].payload)
    (response,) = report.responses
    (segment,) = response.segments
    assert (response.request_id, segment.segment_id, segment.quantity_good) == (number, "20",
                                                                                 D(4))
    assert [(m.material_definition_id, m.use, m.quantity, m.lot_id)
            for m in segment.materials] == [("FRAME", "Produced", D(4), "FL-1")]
    # ... and the ERP has not seen it.
    assert erp_state(gemba, number) == before
    assert handled_by_erp(gemba, rows[0].message_id) == 0

    # Any later relay sends it (a second pass sends the lot stock the ERP published while
    # applying it); the ERP applies exactly that report.
    assert gemba.relay.relay_pending() == 1
    assert gemba.relay.relay_pending() == 1  # MaterialLotInformation for lot L1
    assert pending(gemba) == []
    after = erp_state(gemba, number)
    # 4 FRAME at standard 12.00 out of WIP; 30 minutes of ANNA at 40.00/h absorbed into it.
    assert after["order"] == ("in_progress", D(4), D(0), D(50), before["order"][4] + D(20))
    assert after["frame"] == D(4)
    assert after["wip"] == before["wip"] + D(20) - D(48)
    assert after["applied"] == [*before["applied"],
                                (response.sequence, report.header.message_id)]
    assert handled_by_erp(gemba, rows[0].message_id) == 1

    # Relaying again changes nothing: nothing is pending, and a redelivery of the same row
    # (as after a crash between sending and marking it sent) is absorbed by the inbox.
    assert gemba.relay.relay_pending() == 0
    with gemba.session_factory() as s, s.begin():
        s.execute(update(OutboxMessage).where(OutboxMessage.id == rows[0].id)
                  .values(published_at=None))
    assert gemba.relay.relay_pending() == 1
    assert erp_state(gemba, number) == after
    assert handled_by_erp(gemba, rows[0].message_id) == 1
    assert completions(gemba, number, 20) == [(D(4), D(30))]
