"""PersonnelInformation and MaterialLotInformation: the ERP's people and lots for the MES."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gemba.contracts.isa95 import (
    MaterialLot,
    MaterialLotInformation,
    MessageHeader,
    Person,
    PersonnelInformation,
    PersonQualification,
    from_payload,
    to_payload,
)
from gemba.core.errors import ValidationFailed

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def people(*persons: Person) -> PersonnelInformation:
    return PersonnelInformation(header=MessageHeader.new("PersonnelInformation", "erp", T0),
                                persons=persons)


def test_personnel_information_round_trips_through_its_payload():
    msg = people(Person(id="E100", name="Ana", badge_id="B-77", as_of=T0, qualifications=(
        PersonQualification(personnel_class_id="WELD", valid_until=date(2027, 1, 31)),)))
    payload = to_payload(msg)
    assert payload["persons"][0]["qualifications"][0] == {"personnel_class_id": "WELD",
                                                          "valid_until": "2027-01-31"}
    assert from_payload(PersonnelInformation, payload) == msg


def test_a_person_twice_or_a_naive_time_is_refused():
    ana = Person(id="E100", name="Ana", as_of=T0)
    with pytest.raises(ValidationError, match="person ids must be unique"):
        people(ana, ana)
    with pytest.raises(ValidationError, match="timezone-aware"):
        Person(id="E1", name="X", as_of=datetime(2026, 12, 1, 8, 0))  # noqa: DTZ001


def test_material_lot_information_names_the_wrong_field():
    lot = MaterialLot(id="L1", material_definition_id="STEEL", quantity=Decimal("9.5"),
                      uom="kg", status="blocked", status_reason="recall",
                      expiry_date=date(2027, 3, 1), as_of=T0)
    msg = MaterialLotInformation(header=MessageHeader.new("MaterialLotInformation", "erp", T0),
                                 lots=(lot,))
    payload = to_payload(msg)
    assert payload["lots"][0]["quantity"] == "9.5"
    assert from_payload(MaterialLotInformation, payload) == msg
    payload["lots"][0]["quantity"] = "-1"
    payload["lots"][0]["status"] = "quarantined"
    with pytest.raises(ValidationFailed) as err:
        from_payload(MaterialLotInformation, payload)
    assert {"lots.0.quantity", "lots.0.status"} <= {i.field for i in err.value.issues}
    with pytest.raises(ValidationError, match="lots must be unique"):
        MaterialLotInformation(header=msg.header, lots=(lot, lot))
