"""A small factory for the ERP side of the closed loop (importable by name from any test).

FRAME (manufactured, lot-tracked, standard 12.00) = 2 kg STEEL (lot-tracked, average) + one
KIT (phantom: 4 BOLT, standard 0.50); routing 10 Cut on WC-CUT, 20 Assemble on WC-ASM.
Stock: 30 kg STEEL lot L1 at 2.00, 100 BOLT. ANNA costs 40.00 an hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from gemba.contracts.isa95 import (
    EquipmentActual,
    MaterialActual,
    MessageHeader,
    PersonnelActual,
    ProductionPerformance,
    ProductionResponse,
    SegmentResponse,
)
from gemba.erp.catalog.bom import BomIn, BomLineIn, create_bom
from gemba.erp.catalog.item import ItemIn, create_item
from gemba.erp.catalog.routing import OperationIn, RoutingIn, create_routing
from gemba.erp.equipment.hierarchy import ensure_site, ensure_work_center
from gemba.erp.inventory.ledger import MoveIn, post_moves
from gemba.erp.personnel.employee import EmployeeIn, create_employee
from gemba.erp.personnel.labour_rate import LabourRateIn, add_labour_rate
from gemba.erp.production.production_order import ProductionOrderIn, create_production_order
from gemba_testing import assert_books_balance  # noqa: F401 - re-exported for the loop tests

D = Decimal
DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def setup_factory(gemba) -> None:
    with gemba.uow() as uow:
        ensure_site(uow, "S1")
        ensure_work_center(uow, "WC-CUT", "Saw", "S1", D(8))
        ensure_work_center(uow, "WC-ASM", "Assembly", "S1", D(8))
        create_item(uow, ItemIn(code="STEEL", name="Steel", type="purchased", uom="kg",
                                tracking="lot", costing_method="average"))
        create_item(uow, ItemIn(code="BOLT", name="Bolt", type="purchased", uom="ea",
                                standard_cost=D("0.5")))
        create_item(uow, ItemIn(code="KIT", name="Bolt kit", type="phantom", uom="ea"))
        create_item(uow, ItemIn(code="FRAME", name="Frame", type="manufactured", uom="ea",
                                tracking="lot", standard_cost=D(12)))
        create_bom(uow, BomIn(item="KIT", revision="A",
                              lines=[BomLineIn(component="BOLT", qty_per=D(4))]))
        create_bom(uow, BomIn(item="FRAME", revision="A",
                              lines=[BomLineIn(component="STEEL", qty_per=D(2)),
                                     BomLineIn(component="KIT", qty_per=D(1))]))
        create_routing(uow, RoutingIn(item="FRAME", revision="A", operations=[
            OperationIn(seq=10, name="Cut", work_center="WC-CUT", setup_min=D(10),
                        run_min_per_unit=D(3)),
            OperationIn(seq=20, name="Assemble", work_center="WC-ASM", setup_min=D(5),
                        run_min_per_unit=D(6))]))
        post_moves(uow, [MoveIn("STEEL", D(30), "SUPPLIER", "WH/STOCK", lot="L1",
                                unit_cost=D(2)),
                         MoveIn("BOLT", D(100), "SUPPLIER", "WH/STOCK", unit_cost=D("0.5"))],
                   doc_type="receipt", doc_ref="GR-T1", day=DAY)
        create_employee(uow, EmployeeIn(code="ANNA", name="Anna", site_code="S1"))
        add_labour_rate(uow, "ANNA", LabourRateIn(valid_from=date(2026, 1, 1),
                                                  hourly_rate=D(40)))
        uow.commit()


def new_order(gemba, qty: str = "10", release: bool = False) -> str:
    from gemba.erp.production.production_order import release_production_order

    with gemba.uow() as uow:
        order = create_production_order(uow, ProductionOrderIn(
            item="FRAME", qty=D(qty), due_date=DAY + timedelta(days=7), start_date=DAY))
        if release:
            release_production_order(uow, order.number)
        uow.commit()
        return order.number


def consumed(item: str, qty: str, lot: str | None = None, uom: str | None = None
             ) -> MaterialActual:
    return MaterialActual(material_definition_id=item, quantity=D(qty),
                          uom=uom or ("kg" if item == "STEEL" else "ea"), use="Consumed",
                          lot_id=lot)


def produced(qty: str, lot: str = "FL-1") -> MaterialActual:
    return MaterialActual(material_definition_id="FRAME", quantity=D(qty), uom="ea",
                          use="Produced", lot_id=lot)


def scrapped(qty: str) -> MaterialActual:
    return MaterialActual(material_definition_id="FRAME", quantity=D(qty), uom="ea",
                          use="Scrapped")


def response(order: str, sequence: int, state: str, materials: Sequence[MaterialActual] = (),
             labour_min: str = "0", machine_min: str = "0", person: str = "ANNA",
             good: str = "0", scrap: str = "0") -> ProductionResponse:
    segment = SegmentResponse(
        segment_id="20", start_time=T0 + timedelta(hours=sequence),
        end_time=T0 + timedelta(hours=sequence, minutes=50), quantity_good=D(good),
        quantity_scrap=D(scrap), materials=tuple(materials),
        equipment=(EquipmentActual(equipment_id="WC-ASM", minutes=D(machine_min)),)
        if D(machine_min) else (),
        personnel=(PersonnelActual(person_id=person, minutes=D(labour_min)),)
        if D(labour_min) else ())
    return ProductionResponse(id=f"RESP-{order}-{sequence}", request_id=order,
                              request_revision=1, sequence=sequence, state=state,
                              segments=(segment,))


def performance(*responses: ProductionResponse, message_id: str | None = None
                ) -> ProductionPerformance:
    header = MessageHeader(message_type="ProductionPerformance", sent_at=T0 + timedelta(hours=9),
                           sender="test-mes",
                           **({"message_id": message_id} if message_id else {}))
    return ProductionPerformance(header=header, id=f"PERF-{header.message_id[:8]}",
                                 responses=tuple(responses))


def whole_run(order: str) -> ProductionPerformance:
    """One message: 21 kg STEEL (lot L1) and 40 BOLT consumed, 8 FRAME made, 2 scrapped,
    ANNA worked 90 minutes, and the order is completed."""
    return performance(response(
        order, 1, "completed",
        [consumed("STEEL", "21", "L1"), consumed("BOLT", "40"), produced("8"), scrapped("2")],
        labour_min="90", machine_min="120", good="8", scrap="2"))


def three_reports(order: str) -> list[ProductionPerformance]:
    """The same run as :func:`whole_run` reported in three increments."""
    return [
        performance(response(order, 1, "started", [consumed("STEEL", "10", "L1"),
                                                   consumed("BOLT", "20")], labour_min="45")),
        performance(response(order, 2, "started", [consumed("STEEL", "11", "L1"),
                                                   consumed("BOLT", "20"), produced("5")],
                             labour_min="45", machine_min="120", good="5")),
        performance(response(order, 3, "completed", [produced("3"), scrapped("2")],
                             good="3", scrap="2")),
    ]
