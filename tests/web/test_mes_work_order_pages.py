"""The supervisor's work-order pages: list, WIP per operation, release / hold / priority /
cancel from the detail page; a refusal is shown, nothing changes."""

from __future__ import annotations

from gemba.mes import work_order as wo_
from mes.mes_helpers import receive


def status(gemba, number: str) -> str:
    with gemba.uow() as uow:
        return wo_.get_work_order(uow, number).status.value


def test_supervisor_releases_holds_and_prioritises_from_the_page(gemba, admin):
    receive(gemba, "MO-W1", qty="10")
    page = admin.get("/mes/work-orders")
    assert page.status_code == 200 and "MO-W1" in page.text
    detail = admin.get("/mes/work-orders/MO-W1")
    assert detail.status_code == 200 and "WC-CUT" in detail.text and "Queued" in detail.text
    r = admin.submit("/mes/work-orders/MO-W1/actions/release", {}, follow_redirects=True)
    assert r.status_code == 200 and status(gemba, "MO-W1") == "released"
    r = admin.submit("/mes/work-orders/MO-W1/actions/hold", {"reason": ""},
                     follow_redirects=True)
    assert status(gemba, "MO-W1") == "released" and "reason" in r.text.lower()
    admin.submit("/mes/work-orders/MO-W1/actions/hold", {"reason": "tool broken"},
                 follow_redirects=True)
    assert status(gemba, "MO-W1") == "held"
    admin.submit("/mes/work-orders/MO-W1/actions/unhold", {}, follow_redirects=True)
    admin.submit("/mes/work-orders/MO-W1/actions/priority", {"priority": "7"},
                 follow_redirects=True)
    with gemba.uow() as uow:
        wo = wo_.get_work_order(uow, "MO-W1")
        assert (wo.status.value, wo.priority) == ("released", 7)
    again = admin.submit("/mes/work-orders/MO-W1/actions/release", {},
                         follow_redirects=True)
    assert "only a received work order can be released" in again.text
    admin.submit("/mes/work-orders/MO-W1/actions/cancel", {}, follow_redirects=True)
    assert status(gemba, "MO-W1") == "cancelled"
