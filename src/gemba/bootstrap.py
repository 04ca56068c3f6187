"""Composition root: builds engine, session factory, event bus and relay from settings.

Front doors (API, web, CLI) call ``bootstrap()`` once and pass ``Gemba.uow(actor)`` to services.
Handlers are registered here with real imports, never by dotted strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gemba.core.auth.actor import SYSTEM, Actor
from gemba.core.config import Settings, load_settings
from gemba.core.dataload.registry import Registry
from gemba.core.db.engine import make_engine, make_session_factory
from gemba.core.db.migrate import require_migrated
from gemba.core.db.uow import UnitOfWork
from gemba.core.events.bus import InProcessBus
from gemba.core.events.outbox import Relay, Transport


def import_all_models() -> None:
    """Import every module that defines tables, so the metadata is complete."""
    import gemba.core.audit.models
    import gemba.core.audit.recorder  # registers the flush listeners that write the trail
    import gemba.core.auth.models
    import gemba.core.db.sequence
    import gemba.core.events.models
    import gemba.erp.catalog.bom
    import gemba.erp.catalog.item
    import gemba.erp.catalog.routing
    import gemba.erp.catalog.uom
    import gemba.erp.equipment.calendar
    import gemba.erp.equipment.equipment
    import gemba.erp.finance.account
    import gemba.erp.finance.journal
    import gemba.erp.finance.open_item
    import gemba.erp.finance.payment
    import gemba.erp.finance.period
    import gemba.erp.inventory.ledger
    import gemba.erp.inventory.location
    import gemba.erp.inventory.lot
    import gemba.erp.inventory.reservation
    import gemba.erp.inventory.valuation
    import gemba.erp.mes_link.consumer
    import gemba.erp.mes_link.performance
    import gemba.erp.mes_link.reference_data  # publishes people and lots to the MES
    import gemba.erp.partners.partner
    import gemba.erp.personnel.attendance
    import gemba.erp.personnel.employee
    import gemba.erp.planning.changes  # records what net-change MRP must re-plan
    import gemba.erp.planning.forecast
    import gemba.erp.planning.imported
    import gemba.erp.planning.store
    import gemba.erp.production.production_order
    import gemba.erp.purchasing.bill
    import gemba.erp.purchasing.purchase_order
    import gemba.erp.purchasing.receipt
    import gemba.erp.purchasing.supplier_item
    import gemba.erp.sales.credit_note
    import gemba.erp.sales.delivery
    import gemba.erp.sales.invoice
    import gemba.erp.sales.price_list
    import gemba.erp.sales.returns
    import gemba.erp.sales.sales_order
    import gemba.mes.erp_link.schedule_consumer
    import gemba.mes.execution_event
    import gemba.mes.labour
    import gemba.mes.material_lot
    import gemba.mes.personnel
    import gemba.mes.work_order  # noqa: F401


@dataclass
class Gemba:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: InProcessBus
    relay: Relay
    transport: Transport
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    _background: list[Callable[[], None]] = field(default_factory=list)

    def uow(self, actor: Actor = SYSTEM, reason: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor, reason, self._after_commit)

    def start_background(self) -> None:
        """With a broker: relay the outbox off the request path and consume subscriptions.

        Embedded mode needs nothing here (the relay runs after each commit)."""
        if self.settings.embedded_broker or self._background:
            return
        from gemba.adapters.mqtt.consumer import start_consumers
        from gemba.adapters.mqtt.runner import RelayRunner

        runner = RelayRunner(self.relay, lock_name=self.settings.database_url).start()
        self._after_commit.append(runner.wake)
        consumers = start_consumers(self.settings.mqtt_url, self.session_factory,
                                    self.bus.subscriptions)
        self._background.append(runner.stop)
        self._background.extend(c.stop for c in consumers)

    def close(self) -> None:
        for stop in self._background:
            stop()
        self._background.clear()
        close_transport = getattr(self.transport, "close", None)
        if close_transport is not None:
            close_transport()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    check_migrated: bool = True,
    transport: Transport | None = None,
) -> Gemba:
    settings = settings or load_settings()
    import_all_models()
    engine = make_engine(settings.database_url)
    if check_migrated:
        require_migrated(engine, settings.database_url)
    factory = make_session_factory(engine)
    bus = InProcessBus(factory)
    from gemba.erp.mes_link import consumer

    consumer.register(bus)  # MES reports reach the ERP over the bus or MQTT alike
    from gemba.mes.erp_link import schedule_consumer

    schedule_consumer.register(bus)  # ERP schedules reach the MES the same way
    from gemba.mes.erp_link import reference_consumer

    reference_consumer.register(bus)  # and the people and lots it checks on the floor
    embedded = transport is None and settings.embedded_broker
    if transport is None and not settings.embedded_broker:
        from gemba.adapters.mqtt.transport import MqttTransport  # production: via the broker

        transport = MqttTransport(settings.mqtt_url)
    relay = Relay(factory, transport or bus)
    app = Gemba(settings, engine, factory, bus, relay, transport or bus)
    if embedded:
        # Embedded mode: relay right after each commit, in this process.
        app._after_commit.append(relay.as_after_commit())
    return app


def data_files() -> Registry:
    """Every CSV file ``gemba load``/``gemba dump`` understands, in load order."""
    from gemba.erp.catalog import bom_csv, item_csv, routing_csv
    from gemba.erp.equipment import work_center_csv
    from gemba.erp.inventory import stock_csv
    from gemba.erp.planning import demand_csv, supply_csv

    registry = Registry()
    for spec in (item_csv.SPEC, bom_csv.SPEC, work_center_csv.SPEC, routing_csv.SPEC,
                 stock_csv.SPEC, demand_csv.SPEC, supply_csv.SPEC):
        registry.register(spec)
    return registry
