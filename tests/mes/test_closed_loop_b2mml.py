"""THE closed loop on B2MML files: the same story as test_closed_loop.py (sales order ->
production order -> MES -> ERP -> close, delivery, invoice), but the ERP and the MES exchange
ONLY XML files, each checked against MESA's official XSD: the ERP exports the schedule, the
MES imports it; operators run every operation; the MES exports its performance, the ERP
imports it. Once through the CLI in V0701, once through REST in V0600.

How the bus is kept out: one database holds both contexts, so the application under test is
bootstrapped with a transport of its own (``Withheld``) that its relay calls after every
commit, as in embedded mode. Schedule, performance and status messages are recorded there and
dropped: the relay marks them sent, no consumer ever sees them. Anything else (reference data)
goes on to the in-process bus as usual. The CLI bootstraps its own embedded relay, which finds
nothing pending, because every commit here was relayed (withheld) at once. At the end
``core_inbox`` proves no consumer handled one of those topics, and the MES had no work order
until the schedule file was imported.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_closed_loop import AFTER_FLOOR, close_and_ship, erp_state, sell, shop_floor
from typer.testing import CliRunner

from gemba.adapters.b2mml import MemoryResolver, detect, from_xml, parse, validate
from gemba.api.app import create_app
from gemba.bootstrap import Gemba, bootstrap
from gemba.cli.main import app as cli
from gemba.contracts.isa95 import (
    PRODUCTION_PERFORMANCE,
    PRODUCTION_SCHEDULE,
    PRODUCTION_STATUS,
    ProductionPerformance,
    ProductionStatus,
    from_payload,
)
from gemba.core.audit.recorder import history
from gemba.core.events.bus import InProcessBus
from gemba.core.events.envelope import Envelope
from gemba.core.events.models import InboxMessage
from gemba.erp.production.production_order import OrderStatus, get_production_order
from gemba.mes import execution as ex
from gemba.mes import work_order as wo_
from gemba.mes.work_order import WorkOrderStatus
from production_testing import D, new_order, setup_factory

API = "/api/v1"
XML = {"Content-Type": "application/xml"}
LOOP_TOPICS = frozenset({PRODUCTION_SCHEDULE, PRODUCTION_PERFORMANCE, PRODUCTION_STATUS})
RESOLVER = MemoryResolver(items={"FRAME", "STEEL", "BOLT"}, units={"ea", "kg"})
runner = CliRunner()


class Withheld:
    """The relay's transport: the closed-loop messages stop here, the rest go on."""

    def __init__(self) -> None:
        self.bus: InProcessBus | None = None
        self.held: list[Envelope] = []

    def send(self, envelope: Envelope) -> None:
        if envelope.topic in LOOP_TOPICS:
            self.held.append(envelope)
        elif self.bus is not None:
            self.bus.send(envelope)

    def reports(self, request_id: str) -> list[tuple[int, str, list[Any]]]:
        """(sequence, state, [(segment, good, scrap)]) of every report the MES sent."""
        out = []
        for env in self.held:
            if env.topic == PRODUCTION_STATUS:
                status = from_payload(ProductionStatus, env.payload)
                if status.request_id == request_id:
                    out.append((status.sequence, status.state, []))
            elif env.topic == PRODUCTION_PERFORMANCE:
                out.extend(summary(from_payload(ProductionPerformance, env.payload)))
        return sorted(out)


def summary(message: ProductionPerformance) -> list[tuple[int, str, list[Any]]]:
    return sorted((r.sequence, r.state, [(s.segment_id, s.quantity_good, s.quantity_scrap)
                                         for s in r.segments]) for r in message.responses)


@pytest.fixture
def files_only(gemba, make_user, monkeypatch, tmp_path) -> Iterator[tuple[Gemba, Withheld, str]]:
    token = make_user()  # first, while the outbox is empty
    for name, value in (("GEMBA_DATABASE_URL", gemba.settings.database_url),
                        ("GEMBA_VAR_DIR", str(tmp_path / "var")),
                        ("GEMBA_CONFIG", str(tmp_path / "absent.toml"))):
        monkeypatch.setenv(name, value)  # the CLI's own bootstrap finds the same database
    transport = Withheld()
    app = bootstrap(gemba.settings, transport=transport)
    transport.bus = app.bus
    app._after_commit.append(app.relay.as_after_commit())  # relay after commit, as embedded
    try:
        yield app, transport, token
    finally:
        app.close()


class Cli:
    """The files travel through ``gemba b2mml``."""

    def invoke(self, *args: str) -> str:
        r = runner.invoke(cli, ["b2mml", *args])
        assert r.exit_code == 0, r.output
        return r.output

    def schedule_out(self, order: str, version: str, path: Path) -> None:
        self.invoke("export", order, "--version", version, "--out", str(path))

    def performance_out(self, order: str, version: str, path: Path) -> None:
        self.invoke("export", order, "--side", "mes", "--version", version, "-o", str(path))

    def schedule_in(self, path: Path) -> str:
        return self.invoke("import", str(path))

    def performance_in(self, path: Path) -> str:
        return self.invoke("import", str(path))


class Rest:
    """The files travel through the REST API (bodies read from and written to files)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def _get(self, url: str, version: str, path: Path) -> None:
        r = self.client.get(url, params={"version": version})
        assert r.status_code == 200 and r.headers["content-type"].startswith(
            "application/xml"), r.text
        path.write_bytes(r.content)

    def _post(self, url: str, path: Path) -> str:
        r = self.client.post(url, content=path.read_bytes(),
                             headers={**XML, "X-Change-Reason": f"B2MML {path.name}"})
        assert r.status_code == 200, r.text
        return r.text

    def schedule_out(self, order: str, version: str, path: Path) -> None:
        self._get(f"{API}/production-orders/{order}/b2mml", version, path)

    def performance_out(self, order: str, version: str, path: Path) -> None:
        self._get(f"{API}/mes/work-orders/{order}/b2mml", version, path)

    def schedule_in(self, path: Path) -> str:
        return self._post(f"{API}/mes/b2mml/schedule", path)

    def performance_in(self, path: Path) -> str:
        return self._post(f"{API}/b2mml/performance", path)


def loop_inbox_rows(app: Gemba) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(InboxMessage).where(
            InboxMessage.topic.in_(LOOP_TOPICS))) or 0)


def checked(path: Path, version: str, kind: str) -> None:
    """The file is the expected message, valid against MESA's XSD."""
    assert detect(path.read_bytes()) == (version, kind)
    validate(parse(path.read_bytes()), version, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(("version", "door"), [("V0701", "cli"), ("V0600", "rest")])
def test_closed_loop_on_b2mml_files(files_only, tmp_path, version, door):
    app, withheld, token = files_only
    with TestClient(create_app(app), headers={"Authorization": f"Bearer {token}"}) as client:
        io = Cli() if door == "cli" else Rest(client)
        setup_factory(app)
        so = sell(app)
        number = new_order(app, release=True)
        assert [e.topic for e in withheld.held] == [PRODUCTION_SCHEDULE]  # withheld
        with app.uow() as uow:
            assert wo_.find_work_order(uow, number) is None  # the bus delivered nothing

        # ERP -> schedule file -> MES
        schedule = tmp_path / "schedule.xml"
        io.schedule_out(number, version, schedule)
        checked(schedule, version, "schedule")
        answer = io.schedule_in(schedule)
        assert number in answer and "created" in answer
        with app.uow() as uow:
            wo = wo_.get_work_order(uow, number)
            assert (wo.status, wo.qty, wo.revision, [op.work_center for op in wo.operations]
                    ) == (WorkOrderStatus.RECEIVED, D(10), 1, ["WC-CUT", "WC-ASM"])
            assert sorted((m.item, m.qty) for m in wo.materials) == [("BOLT", D(40)),
                                                                     ("STEEL", D(20))]

        # The floor: consumption, scrap, labour on every operation; the ERP hears nothing.
        shop_floor(app, number)
        untouched = erp_state(app, number)
        assert untouched["order"][:3] == (OrderStatus.RELEASED, D(0), D(0))
        assert (untouched["wip"], untouched["frame"], untouched["steel"]) == (0, 0, D(30))

        # MES -> performance file -> ERP
        performance = tmp_path / "performance.xml"
        io.performance_out(number, version, performance)
        checked(performance, version, "performance")
        document = from_xml(performance.read_bytes(), RESOLVER)
        assert isinstance(document, ProductionPerformance)
        reports = withheld.reports(number)
        assert len(reports) >= 7 and summary(document) == reports  # same sequences, states
        io.performance_in(performance)
        assert erp_state(app, number) == AFTER_FLOOR
        again = io.performance_in(performance)  # a repeated file changes nothing
        assert ("0 report(s) applied" in again) if door == "cli" else (
            '"applied":true' not in again)
        assert erp_state(app, number) == AFTER_FLOOR

        with app.uow() as uow:
            assert wo_.get_work_order(uow, number).status == WorkOrderStatus.COMPLETED
            g = ex.genealogy(uow, number)
            assert [(i.item, i.lot) for i in g.inputs] == [("BOLT", None), ("STEEL", "L1")]
            assert [(o.item, o.lot, o.qty) for o in g.outputs] == [("FRAME", "FL-1", D(8))]
            assert get_production_order(uow, number).warning_list == []

        final = close_and_ship(app, number, so)  # books balance, WIP cleared to variance
        assert final["frame"] == 0 and final["so"] in ("delivered", "invoiced", "closed")
        assert final["revenue"] == D(-240) and final["rejections"] == (0, 0)

        with app.uow() as uow:
            wo = wo_.get_work_order(uow, number)
            po = get_production_order(uow, number)
            mes_trail = history(uow.session, "mes_work_orders", wo.id)
            erp_trail = history(uow.session, "erp_production_orders", po.id)
            created = [e for e in mes_trail if e.action == "create" and e.record_type ==
                       "mes_work_orders"]
            assert len(created) == 1 and schedule.name in (created[0].reason or "")
            assert any((e.new_values or {}).get("status") == "completed" for e in mes_trail)
            assert any(performance.name in (e.reason or "") and (e.new_values or {}).get(
                "status") == "completed" for e in erp_trail)
            assert any((e.new_values or {}).get("status") == "closed" for e in erp_trail)
            assert {e.actor for e in erp_trail} >= {"system"}
    assert loop_inbox_rows(app) == 0  # no schedule, performance or status went by the bus
    assert {e.topic for e in withheld.held} == LOOP_TOPICS


@pytest.mark.parametrize("first", ["bus", "file"])
def test_file_and_bus_both_deliver_the_same_reports(files_only, tmp_path, first):
    """A MES that reports over the bus AND in a file: the ERP applies each (order, sequence)
    once, whichever arrives first, and ends where the bus-only loop ends."""
    app, withheld, _token = files_only
    io = Cli()
    setup_factory(app)
    so = sell(app)
    number = new_order(app, release=True)
    schedule = tmp_path / "schedule.xml"
    io.schedule_out(number, "V0701", schedule)
    io.schedule_in(schedule)
    shop_floor(app, number)
    performance = tmp_path / "performance.xml"
    io.performance_out(number, "V0701", performance)
    bus = [e for e in withheld.held if e.topic != PRODUCTION_SCHEDULE] * 2
    random.Random(7).shuffle(bus)
    if first == "file":
        assert "0 already known" in io.performance_in(performance)
    for env in [withheld.held[0], *bus]:  # the schedule again too: the MES ignores it
        app.bus.send(env)
    if first == "bus":
        assert erp_state(app, number) == AFTER_FLOOR
        assert "0 report(s) applied" in io.performance_in(performance)
    assert erp_state(app, number) == AFTER_FLOOR
    final = close_and_ship(app, number, so)
    assert final["frame"] == 0 and final["revenue"] == D(-240)
    assert final["rejections"] == (0, 0)
