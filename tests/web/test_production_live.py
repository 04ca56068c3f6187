"""Production orders' live status: the change token and snapshot read by a poller, and the
server-sent event stream the list and detail pages follow (an event only when an order
changes, comment heartbeats in between, login required, over before it starts when refused).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
import pytest
from sqlalchemy import select

from gemba.contracts.isa95 import MessageHeader, ProductionStatus
from gemba.core.auth.models import User
from gemba.erp.mes_link.performance import apply_performance, apply_status
from gemba.erp.production import live_status as ls
from gemba.erp.production.production_order import (
    OrderStatus,
    cancel_production_order,
    close_production_order,
    get_production_order,
)
from gemba.web.pages.production import LiveFeed, LiveTiming, live_events
from production_testing import (
    D,
    consumed,
    new_order,
    performance,
    produced,
    response,
    scrapped,
    setup_factory,
    whole_run,
)

FAST = LiveTiming(poll_seconds=0.05, heartbeat_seconds=0.3)


def run(gemba, fn, *args, **kw):
    with gemba.uow() as uow:
        out = fn(uow, *args, **kw)
        uow.commit()
        return out


def status_message(order: str, sequence: int, state: str) -> ProductionStatus:
    return ProductionStatus(
        header=MessageHeader(message_type="ProductionStatus", sender="test-mes",
                             sent_at=datetime(2026, 3, 2, 9, tzinfo=UTC)),
        request_id=order, sequence=sequence, state=state,
        at=datetime(2026, 3, 2, 9, tzinfo=UTC))


def token(gemba, numbers=None) -> str:
    with gemba.uow() as uow:
        return ls.change_token(uow, numbers)


def snapshot(gemba, numbers=None) -> dict[str, ls.OrderLive]:
    with gemba.uow() as uow:
        return {o.number: o for o in ls.live_snapshot(uow, numbers)}


# --- the read service -----------------------------------------------------------------------


def test_token_moves_with_every_mes_report_and_snapshot_follows(gemba):
    setup_factory(gemba)
    a = new_order(gemba, release=True)
    b = new_order(gemba, release=True)
    t0 = token(gemba, [a])
    assert token(gemba, [a]) == t0  # stable while nothing happens
    s = snapshot(gemba, [a])[a]
    assert (s.status, s.qty_good, s.progress_pct, s.mes_state) == (
        OrderStatus.RELEASED, D(0), D(0), None)

    run(gemba, apply_status, status_message(a, 1, "started"))
    t1 = token(gemba, [a])
    assert t1 != t0
    s = snapshot(gemba, [a])[a]
    assert (s.status, s.mes_state) == (OrderStatus.IN_PROGRESS, "started")

    # A report that changes nothing on the order (already in progress) still moves the token:
    # the page shows the MES's last state.
    run(gemba, apply_status, status_message(a, 2, "paused"))
    t2 = token(gemba, [a])
    assert t2 != t1 and snapshot(gemba, [a])[a].mes_state == "paused"

    run(gemba, apply_performance, performance(response(
        a, 3, "started", [consumed("STEEL", "10", "L1")], labour_min="30")))
    assert token(gemba, [a]) != t2
    t3 = token(gemba, [a])
    run(gemba, apply_status, status_message(b, 1, "started"))  # another order
    assert token(gemba, [a]) == t3
    assert set(snapshot(gemba, [a, b, "MO-NONE"])) == {a, b}  # unknown numbers left out

    run(gemba, apply_performance, performance(response(
        a, 4, "completed", [consumed("STEEL", "11", "L1"), produced("8"), scrapped("2")],
        good="8", scrap="2")))
    s = snapshot(gemba, [a])[a]
    assert (s.status, s.qty_good, s.qty_scrap, s.progress_pct, s.mes_state) == (
        OrderStatus.COMPLETED, D(8), D(2), D("80.0"), "completed")
    assert s.mes_at is not None and s.mes_at.tzinfo is not None


def test_open_orders_token_sees_new_and_leaving_orders(gemba):
    setup_factory(gemba)
    a = new_order(gemba, release=True)
    b = new_order(gemba)  # planned
    assert set(snapshot(gemba)) == {a, b}
    t0 = token(gemba)
    c = new_order(gemba)
    t1 = token(gemba)
    assert t1 != t0 and set(snapshot(gemba)) == {a, b, c}
    run(gemba, cancel_production_order, b)  # leaves the open orders
    t2 = token(gemba)
    assert t2 != t1 and set(snapshot(gemba)) == {a, c}
    run(gemba, apply_performance, whole_run(a))
    run(gemba, close_production_order, a)
    assert token(gemba) != t2 and set(snapshot(gemba)) == {c}


def test_poll_reads_the_snapshot_only_when_the_token_moved(gemba):
    setup_factory(gemba)
    a = new_order(gemba, release=True)
    with gemba.uow() as uow:
        t0, orders = ls.poll(uow, [a], None)
        assert orders is not None and [o.number for o in orders] == [a]
        assert ls.poll(uow, [a], t0) == (t0, None)
    run(gemba, apply_status, status_message(a, 1, "started"))
    with gemba.uow() as uow:
        t1, orders = ls.poll(uow, [a], t0)
    assert t1 != t0 and orders is not None and orders[0].status == OrderStatus.IN_PROGRESS


def test_too_many_orders_and_no_permission_are_refused(gemba, add_user):
    from gemba.core.auth.services import actor_for_user_id
    from gemba.core.errors import PermissionDenied, ValidationFailed

    with gemba.uow() as uow, pytest.raises(ValidationFailed) as exc:
        ls.change_token(uow, [f"MO-{n}" for n in range(ls.MAX_ORDERS + 1)])
    assert exc.value.issues[0].field == "orders"
    add_user("mike", roles=("maintenance",))
    with gemba.uow() as uow:
        uid = uow.session.scalar(select(User.id).where(User.username == "mike"))
        mike = actor_for_user_id(uow, uid)
    with gemba.uow(mike) as uow, pytest.raises(PermissionDenied):
        ls.live_snapshot(uow, None)


# --- the event stream -------------------------------------------------------------------------


@dataclass
class Sse:
    """Server-sent events as a browser's EventSource parses them (comments kept apart)."""

    events: list[dict[str, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: str | None = None
    _current: dict[str, str] = field(default_factory=dict)

    def feed(self, line: str) -> dict[str, str] | None:
        if line == "":
            event, self._current = self._current, {}
            if "data" in event:
                self.events.append(event)
                return event
            return None
        if line.startswith(":"):
            self.comments.append(line[1:].strip())
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "retry":
            self.retry = value
        elif name == "data":
            self._current["data"] = (self._current["data"] + "\n" + value
                                     if "data" in self._current else value)
        else:
            self._current[name] = value
        return None


def next_event(lines: Iterator[str], sse: Sse, seconds: float = 10) -> dict[str, str]:
    """The next event; heartbeats keep the lines coming, so the deadline is checked."""
    deadline = time.monotonic() + seconds
    for line in lines:
        event = sse.feed(line)
        if event is not None:
            return event
        if time.monotonic() > deadline:
            break
    pytest.fail(f"no event within {seconds} s")


def quiet_for(lines: Iterator[str], sse: Sse, seconds: float) -> None:
    """Read for ``seconds`` and insist no event came (only heartbeats)."""
    deadline = time.monotonic() + seconds
    for line in lines:
        assert sse.feed(line) is None, f"unexpected event: {sse.events[-1]}"
        if time.monotonic() > deadline:
            return


def test_stream_pushes_an_event_after_an_mes_report(gemba, admin):
    setup_factory(gemba)
    a = new_order(gemba, release=True)
    other = new_order(gemba, release=True)
    admin.app.state.production_live_timing = FAST
    started = time.monotonic()
    with admin.stream("GET", f"/erp/production-orders/live?orders={a}") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        lines = r.iter_lines()
        sse = Sse()
        first = next_event(lines, sse)  # the state on connect: the page may be older
        assert first["event"] == "orders" and first["id"] == token(gemba, [a])
        assert f'id="po-live-{a}-status"' in first["data"] and 'hx-swap-oob="true"' in first[
            "data"]
        assert 'data-status="released"' in first["data"] and other not in first["data"]
        assert sse.retry == "3000"

        quiet_for(lines, sse, 0.8)  # nothing changes: heartbeats only
        assert "heartbeat" in sse.comments

        run(gemba, apply_status, status_message(other, 1, "started"))  # not followed
        quiet_for(lines, sse, 0.5)

        reported = time.monotonic()
        run(gemba, apply_performance, whole_run(a))
        event = next_event(lines, sse)
        latency = time.monotonic() - reported
        assert event["id"] == token(gemba, [a])
        data = event["data"]
        assert 'data-status="completed"' in data and ">completed<" in data
        assert f'id="po-live-{a}-good"' in data and ">8<" in data and ">2<" in data
        assert 'value="80"' in data and '<span class="pct">80</span>' in data
        assert "MES: completed" in data and "live-updated" in data
        assert f"po-live-{a}-version" not in data  # the list shows no version
        assert latency < 2, latency
    assert time.monotonic() - started < 30  # closing the stream did not hang


def test_stream_resumes_from_last_event_id_without_resending(gemba, admin):
    setup_factory(gemba)
    a = new_order(gemba, release=True)
    admin.app.state.production_live_timing = FAST
    current = token(gemba, [a])
    with admin.stream("GET", f"/erp/production-orders/live?orders={a}&view=detail",
                      headers={"Last-Event-ID": current}) as r:
        lines = r.iter_lines()
        sse = Sse()
        quiet_for(lines, sse, 0.5)  # the client is up to date: no initial event
        run(gemba, apply_status, status_message(a, 1, "started"))
        event = next_event(lines, sse)
        assert 'data-status="in_progress"' in event["data"] and "MES: started" in event["data"]
        # only the order's changed values are highlighted
        assert 'live-status status-in_progress live-updated' in event["data"]
        assert 'class="live-good live-updated"' not in event["data"]
        with gemba.uow() as uow:
            version = get_production_order(uow, a).version
        assert f'<span id="po-live-{a}-version" class="live-version live-updated"' \
            f' hx-swap-oob="true">{version}</span>' in event["data"]  # the detail page's


def test_stream_requires_login_and_permission(gemba, web, add_user):
    r = web.get("/erp/production-orders/live", follow_redirects=False,
                headers={"Accept": "text/event-stream"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    add_user("mike", roles=("maintenance",))
    assert web.login("mike").status_code == 303
    r = web.get("/erp/production-orders/live", follow_redirects=False)
    assert r.status_code == 403 and "text/event-stream" not in r.headers["content-type"]


def test_stream_refuses_too_many_orders_before_streaming(admin):
    orders = ",".join(f"MO-{n}" for n in range(150))
    r = admin.get(f"/erp/production-orders/live?orders={orders}")
    assert r.status_code == 422 and "at most 100" in r.text


def _feed(gemba, numbers, username: str = "alice") -> LiveFeed:
    from gemba.core.auth.services import actor_for_user_id

    with gemba.uow() as uow:
        uid = uow.session.scalar(select(User.id).where(User.username == username))
        return LiveFeed(gemba, actor_for_user_id(uow, uid), uid, numbers)


def test_generator_ends_when_the_client_disconnects(gemba, add_user):
    setup_factory(gemba)
    add_user()
    a = new_order(gemba, release=True)
    polls = 0

    async def disconnected() -> bool:
        nonlocal polls
        polls += 1
        return polls > 3  # the client goes away after three polls

    async def collect() -> list[str]:
        return [chunk async for chunk in live_events(_feed(gemba, [a]), None, FAST,
                                                     disconnected)]

    chunks = anyio.run(collect)
    assert chunks[0] == "retry: 3000\n\n"
    assert len([c for c in chunks if c.startswith("id: ")]) == 1  # the state on connect
    assert polls == 4


def test_stream_of_a_deactivated_user_ends_at_the_heartbeat(gemba, add_user):
    setup_factory(gemba)
    add_user()
    a = new_order(gemba, release=True)
    feed = _feed(gemba, [a])

    async def never() -> bool:
        return False

    async def collect() -> list[str]:
        out = []
        with anyio.fail_after(10):
            async for chunk in live_events(feed, None, FAST, never):
                out.append(chunk)
                if len(out) == 2:  # retry + the state on connect: now the person leaves
                    await anyio.to_thread.run_sync(_deactivate, gemba, "alice")
        return out

    chunks = anyio.run(collect)
    assert len(chunks) == 2  # ended at the heartbeat, no comment sent


def _deactivate(gemba, username: str) -> None:
    with gemba.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        user.active = False
        uow.commit()
