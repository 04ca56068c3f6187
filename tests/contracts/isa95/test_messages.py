"""ISA-95 contract messages: JSON payload round trip, UTC-only times, positive quantities,
immutability, and a payload cannot be read as another message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gemba.contracts.isa95 import (
    MATERIAL_LOT_INFORMATION,
    PERSONNEL_INFORMATION,
    PRODUCTION_PERFORMANCE,
    PRODUCTION_SCHEDULE,
    PRODUCTION_STATUS,
    TOPIC_OF,
    EquipmentActual,
    MaterialActual,
    MaterialLotInformation,
    MaterialRequirement,
    MessageHeader,
    PersonnelActual,
    PersonnelInformation,
    ProductionPerformance,
    ProductionRequest,
    ProductionResponse,
    ProductionSchedule,
    ProductionStatus,
    SegmentRequirement,
    SegmentResponse,
    from_payload,
    to_payload,
)
from gemba.core.errors import ValidationFailed

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def header(message_type: str) -> MessageHeader:
    return MessageHeader(message_type=message_type, sent_at=T0, sender="gemba-erp")


def request(**changes) -> ProductionRequest:
    fields = dict(
        id="PO-000042", revision=2, product="BRACKET-A", quantity=Decimal("1000"), uom="ea",
        start_time=T0, end_time=T0 + timedelta(days=2), priority=5,
        segments=(SegmentRequirement(
            segment_id="10", description="Stamp", equipment_id="WC-PRESS",
            setup_minutes=Decimal("15"), run_minutes_per_unit=Decimal("0.25"),
            materials=(MaterialRequirement(material_definition_id="STEEL-COIL-2MM",
                                           quantity=Decimal("250.5"), uom="kg",
                                           use="Consumed", lot_id="COIL-1"),)),),
        materials=(MaterialRequirement(material_definition_id="BOX", quantity=Decimal("10"),
                                       uom="ea", use="Consumed"),),
    )
    fields.update(changes)
    return ProductionRequest(**fields)


def schedule() -> ProductionSchedule:
    return ProductionSchedule(header=header("ProductionSchedule"), id="SCH-1",
                              requests=(request(), request(id="PO-000043", state="cancelled")))


def performance() -> ProductionPerformance:
    segment = SegmentResponse(
        segment_id="10", start_time=T0, end_time=T0 + timedelta(hours=7),
        quantity_good=Decimal("988"), quantity_scrap=Decimal("12"), quantity_rework=Decimal("3"),
        scrap_reason="burr",
        materials=(
            MaterialActual(material_definition_id="BRACKET-A", quantity=Decimal("988"),
                           uom="ea", use="Produced", lot_id="LOT-1", serial_id="SN-7"),
            MaterialActual(material_definition_id="STEEL-COIL-2MM", quantity=Decimal("252.4"),
                           uom="kg", use="Consumed", lot_id="COIL-1"),
            MaterialActual(material_definition_id="BRACKET-A", quantity=Decimal("12"),
                           uom="ea", use="Scrapped"),
        ),
        equipment=(EquipmentActual(equipment_id="WC-PRESS", minutes=Decimal("450")),),
        personnel=(PersonnelActual(person_id="EMP-0042", minutes=Decimal("420.5")),),
    )
    return ProductionPerformance(
        header=header("ProductionPerformance"), id="PERF-1",
        responses=(ProductionResponse(id="RESP-1", request_id="PO-000042", request_revision=2,
                                      sequence=1, state="completed", segments=(segment,)),))


def status() -> ProductionStatus:
    return ProductionStatus(header=header("ProductionStatus"), request_id="PO-000042",
                            sequence=3, state="paused", at=T0, quantity_good=Decimal("10"),
                            quantity_scrap=Decimal("0.5"))


@pytest.mark.parametrize("make", [schedule, performance, status])
def test_payload_round_trip_through_json(make):
    message = make()
    payload = to_payload(message)
    wire = json.loads(json.dumps(payload))  # what the outbox stores and the relay sends
    assert from_payload(type(message), wire) == message


def test_payload_is_json_safe_with_exact_decimals_and_utc_iso_times():
    payload = to_payload(schedule())
    first = payload["requests"][0]
    assert first["quantity"] == "1000"
    assert first["segments"][0]["materials"][0]["quantity"] == "250.5"
    assert first["segments"][0]["run_minutes_per_unit"] == "0.25"
    assert first["end_time"] == "2026-03-04T06:00:00Z"
    assert payload["header"] == {"message_id": payload["header"]["message_id"],
                                 "message_type": "ProductionSchedule", "schema_version": 1,
                                 "sent_at": "2026-03-02T06:00:00Z", "sender": "gemba-erp"}
    big = request(quantity=Decimal("1E+3"))
    assert to_payload(big)["quantity"] == "1000"  # never exponent notation


def test_topics_name_each_message():
    expected = {ProductionSchedule: PRODUCTION_SCHEDULE,
                ProductionPerformance: PRODUCTION_PERFORMANCE,
                ProductionStatus: PRODUCTION_STATUS,
                PersonnelInformation: PERSONNEL_INFORMATION,
                MaterialLotInformation: MATERIAL_LOT_INFORMATION}
    assert expected == TOPIC_OF
    assert PERSONNEL_INFORMATION == "isa95.personnel_information"
    assert MATERIAL_LOT_INFORMATION == "isa95.material_lot_information"
    assert PRODUCTION_SCHEDULE == "isa95.production_schedule"
    assert PRODUCTION_PERFORMANCE == "isa95.production_performance"
    assert PRODUCTION_STATUS == "isa95.production_status"


def test_header_gets_a_fresh_uuid4_message_id():
    a = MessageHeader.new("ProductionStatus", "mes")
    b = MessageHeader.new("ProductionStatus", "mes")
    assert a.message_id != b.message_id
    assert len(a.message_id) == 36 and a.message_id[14] == "4"
    assert a.sent_at.tzinfo is not None and a.schema_version == 1


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 3, 2, 6, 0)  # noqa: DTZ001
    with pytest.raises(ValidationError, match="timezone-aware"):
        MessageHeader(message_type="ProductionSchedule", sent_at=naive, sender="erp")
    with pytest.raises(ValidationError, match="timezone-aware"):
        request(end_time=naive)
    payload = to_payload(status())
    payload["at"] = "2026-03-02T06:00:00"
    with pytest.raises(ValidationFailed, match="at: .*timezone-aware"):
        from_payload(ProductionStatus, payload)


def test_aware_times_are_normalised_to_utc():
    cet = timezone(timedelta(hours=1))
    req = request(start_time=datetime(2026, 3, 2, 7, 0, tzinfo=cet))
    assert req.start_time == T0 and req.start_time.utcoffset() == timedelta(0)


@pytest.mark.parametrize("build", [
    lambda: MaterialRequirement(material_definition_id="A", quantity=Decimal("-1"), uom="ea",
                                use="Consumed"),
    lambda: MaterialRequirement(material_definition_id="A", quantity=Decimal("0"), uom="ea",
                                use="Produced"),
    lambda: request(quantity=Decimal("-5")),
    lambda: MaterialActual(material_definition_id="A", quantity=Decimal("-0.1"), uom="ea",
                           use="Scrapped"),
    lambda: SegmentResponse(segment_id="10", start_time=T0, quantity_scrap=Decimal("-1")),
    lambda: EquipmentActual(equipment_id="WC", minutes=Decimal("-3")),
])
def test_negative_quantities_are_refused(build):
    with pytest.raises(ValidationError, match="greater than"):
        build()


def test_a_zero_actual_is_a_valid_report():
    assert MaterialActual(material_definition_id="A", quantity=Decimal(0), uom="ea",
                          use="Consumed").quantity == 0


def test_quantities_are_exact_decimals_with_at_most_six_places():
    with pytest.raises(ValidationError, match="decimal places"):
        request(quantity=Decimal("1.0000001"))
    with pytest.raises(ValidationError, match="finite"):
        request(quantity="NaN")


def test_messages_are_frozen_and_refuse_unknown_fields():
    message = schedule()
    with pytest.raises(ValidationError, match="frozen"):
        message.id = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        message.requests[0].quantity = Decimal(1)  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        MaterialRequirement(material_definition_id="A", quantity=1, uom="ea", use="Consumed",
                            colour="red")
    assert hash(message) == hash(schedule().model_copy(update={"header": message.header}))


def test_a_payload_cannot_be_read_as_another_message():
    with pytest.raises(ValidationFailed) as caught:
        from_payload(ProductionPerformance, to_payload(schedule()))
    fields = {issue.field for issue in caught.value.issues}
    assert {"responses", "requests"} <= fields
    wrong_type = to_payload(status())
    wrong_type["header"]["message_type"] = "ProductionSchedule"
    with pytest.raises(ValidationFailed, match="expected 'ProductionStatus'"):
        from_payload(ProductionStatus, wrong_type)


def test_consistency_rules():
    with pytest.raises(ValidationError, match="at least 1"):
        ProductionSchedule(header=header("ProductionSchedule"), id="S", requests=())
    with pytest.raises(ValidationError, match="request ids must be unique"):
        ProductionSchedule(header=header("ProductionSchedule"), id="S",
                           requests=(request(), request()))
    with pytest.raises(ValidationError, match="start_time must not be after end_time"):
        request(start_time=T0 + timedelta(days=3))
    with pytest.raises(ValidationError, match="segment ids must be unique"):
        request(segments=(SegmentRequirement(segment_id="10"), SegmentRequirement(segment_id="10")))
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        request(revision=0)
    with pytest.raises(ValidationError, match="end_time must not be before start_time"):
        SegmentResponse(segment_id="10", start_time=T0, end_time=T0 - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="sequence numbers must be unique"):
        ProductionPerformance(
            header=header("ProductionPerformance"), id="P",
            responses=[ProductionResponse(id=f"R{n}", request_id="PO-1", request_revision=1,
                                          sequence=1, state="started") for n in (1, 2)])
    with pytest.raises(ValidationError, match="Input should be 'released'"):
        ProductionResponse(id="R", request_id="PO-1", request_revision=1, sequence=1,
                           state="done")
