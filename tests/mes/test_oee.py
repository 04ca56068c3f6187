"""OEE from execution records (ISO 22400-2), against numbers computed by hand: the worked
example of docs' KPI reference (one shift on one work unit) and a line of two work centers."""

from decimal import Decimal

import pytest

from gemba.mes.execution_event import EventKind, ExecutionEvent
from gemba.mes.oee import Completion, by_group, completions, elements
from gemba.mes.work_order import WorkOperation

D = Decimal


def close(value: Decimal | None, expected: str) -> bool:
    assert value is not None
    return abs(value - D(expected)) < D("0.000001")


def shift_example() -> list[Completion]:
    """ISO 22400 worked example 1: AUPT 410 min (390 producing + 20 setup), PRI 0.75 min,
    480 produced of which 12 scrap and 8 rework, so 460 good; reported in two completions."""
    return [Completion("WC1", D(250), D(300), D(8), D(2), D("0.75")),
            Completion("WC1", D(160), D(160), D(4), D(6), D("0.75"))]


def test_iso_example_with_setup_known():
    e = elements(shift_example(), D(450), setup_minutes=D(20))
    assert (e.aupt, e.apt, e.pq, e.gq, e.sq, e.rq) == (D(410), D(390), D(480), D(460), D(12),
                                                       D(8))
    assert e.planned_run == D(360)                       # 0.75 x 480
    assert close(e.availability, "0.866667")            # 390 / 450
    assert close(e.performance, "0.923077")             # 360 / 390
    assert close(e.quality, "0.958333")                 # 460 / 480
    assert close(e.oee, "0.766667")                     # 0.75 x 460 / 450 = 345 / 450
    assert close(e.availability * e.performance * e.quality, "0.766667")


def test_without_setup_time_is_the_aupt_convention():
    """The MES reports setup and run together: availability is AUPT/PBT, the setup shows up
    as a performance loss instead, and OEE does not change."""
    e = elements(shift_example(), D(450))
    assert close(e.availability, "0.911111")            # 410 / 450
    assert close(e.performance, "0.878049")             # 360 / 410
    assert close(e.quality, "0.958333")
    assert close(e.oee, "0.766667")


def test_a_line_sums_its_elements_and_never_averages_ratios():
    """A: 300 min, 190 good + 10 scrap at 1.2 min; B: 100 min, 50 good at 1.5 min; 480 min
    of shift each. Line: availability 400/960, performance (240 + 75)/400, quality 240/250,
    OEE 0.315 - the average of the two work centers' OEE would be 0.315625."""
    done = [Completion("A", D(300), D(190), D(10), D(0), D("1.2")),
            Completion("B", D(100), D(50), D(0), D(0), D("1.5")),
            Completion("ELSEWHERE", D(999), D(1), D(0), D(0), D(1))]
    lines = by_group(done, {"A": "LINE", "B": "LINE"}, {"LINE": D(960)})
    line = lines["LINE"]
    assert (line.pbt, line.aupt, line.planned_run, line.pq, line.gq) == (
        D(960), D(400), D(315), D(250), D(240))
    assert close(line.availability, "0.416667")
    assert close(line.performance, "0.7875")
    assert close(line.quality, "0.96")
    assert close(line.oee, "0.315")
    a = elements(done[:1], D(480))
    b = elements(done[1:2], D(480))
    assert (a.oee + b.oee) / 2 == D("0.315625")         # what averaging would claim
    assert a + b == line


def test_undefined_ratios_are_none_and_an_idle_line_scores_zero():
    idle = by_group([], lambda wc: "L", {"L": D(480)})["L"]
    assert idle.availability == 0 and idle.oee == 0
    assert idle.performance is None and idle.quality is None
    nothing = elements([], D(0))
    assert nothing.availability is None and nothing.oee is None


def test_completions_are_read_from_execution_events_of_operations():
    op = WorkOperation(seq=10, segment_id="10", work_center="WELD",
                       run_minutes_per_unit=D(40), setup_minutes=D(20))
    events = [ExecutionEvent(kind=EventKind.START, seq=10, qty=D(0), qty_scrap=D(0),
                             qty_rework=D(0), minutes=None),
              ExecutionEvent(kind=EventKind.COMPLETE, seq=10, qty=D(5), qty_scrap=D(1),
                             qty_rework=D(0), minutes=D("262.5")),
              ExecutionEvent(kind=EventKind.PAUSE, seq=10, qty=D(0), qty_scrap=D(0),
                             qty_rework=D(0), minutes=None)]
    (c,) = completions((e, op) for e in events)
    assert (c.work_center, c.minutes, c.good, c.scrap, c.planned_per_unit) == (
        "WELD", D("262.5"), D(5), D(1), D(40))
    e = elements([c], D(480))
    assert close(e.performance, str(D(240) / D("262.5")))  # 40 x 6 / 262.5
    assert close(e.oee, str(D(40) * 5 / 480))               # PRI x GQ / PBT


@pytest.mark.parametrize("minutes", [None, D(0)])
def test_a_completion_without_minutes_adds_quantity_but_no_time(minutes):
    op = WorkOperation(seq=10, segment_id="10", work_center="X", run_minutes_per_unit=D(2))
    event = ExecutionEvent(kind=EventKind.COMPLETE, seq=10, qty=D(3), qty_scrap=D(0),
                           qty_rework=D(0), minutes=minutes)
    e = elements(completions([(event, op)]), D(60))
    assert (e.aupt, e.pq, e.availability, e.performance) == (D(0), D(3), D(0), None)
    assert close(e.oee, "0.1")                            # 2 x 3 / 60
