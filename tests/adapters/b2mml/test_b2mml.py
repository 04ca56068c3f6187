"""B2MML adapter: export validates against MESA's XSDs and imports back equal (V0600 and
V0701, schedule and performance); official-shaped examples import; hostile documents are
refused without expanding or fetching anything; import is all-or-nothing, naming the
element."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from gemba.adapters import b2mml
from gemba.adapters.b2mml import (
    ATTRIBUTION,
    B2mmlError,
    MemoryResolver,
    detect,
    from_xml,
    parse,
    secure,
    to_xml,
    v0600,
    v0701,
    validate,
)
from gemba.contracts.isa95 import (
    EquipmentActual,
    MaterialActual,
    MaterialRequirement,
    MessageHeader,
    PersonnelActual,
    PersonnelRequirement,
    ProductionPerformance,
    ProductionRequest,
    ProductionResponse,
    ProductionSchedule,
    SegmentRequirement,
    SegmentResponse,
)
from gemba.core.errors import ValidationFailed

DATA = Path(__file__).parent / "data"
NS = {"V0600": "http://www.mesa.org/xml/B2MML-V0600", "V0701": "http://www.mesa.org/xml/B2MML"}
MODULES = {"V0600": v0600, "V0701": v0701}
VERSIONS = ["V0600", "V0701"]
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
RESOLVER = MemoryResolver(items={"BRACKET-A", "STEEL-COIL-2MM", "PAINT-RED", "BOLT-M6"},
                          units={"ea", "kg", "l"})


def example(name: str) -> bytes:
    return (DATA / name).read_bytes()


def schedule() -> ProductionSchedule:
    """Two requests: one with operations, own materials, revision 3; one cancelled and bare.
    Produced before consumed in every list (V0600's schema order)."""
    stamp = SegmentRequirement(
        segment_id="10", description="Stamp bracket", equipment_id="WC-PRESS",
        instructions="Check the coil lot.\nStamp, then deburr.",
        personnel=(PersonnelRequirement(personnel_class_id="PRESS"),
                   PersonnelRequirement(personnel_class_id="FORKLIFT")),
        setup_minutes=Decimal("15"), run_minutes_per_unit=Decimal("0.25"),
        materials=(MaterialRequirement(material_definition_id="STEEL-COIL-2MM",
                                       quantity=Decimal("250.5"), uom="kg", use="Consumed",
                                       lot_id="COIL-88123"),))
    paint = SegmentRequirement(
        segment_id="20", equipment_id="WC-PAINT",
        personnel=(PersonnelRequirement(personnel_class_id="PAINTER"),),
        materials=(MaterialRequirement(material_definition_id="BRACKET-A", quantity=Decimal(1000),
                                       uom="ea", use="Produced"),
                   MaterialRequirement(material_definition_id="PAINT-RED",
                                       quantity=Decimal("12.125"), uom="l", use="Consumed")))
    first = ProductionRequest(
        id="PO-000042", revision=3, product="BRACKET-A", quantity=Decimal(1000), uom="ea",
        start_time=T0, end_time=T0 + timedelta(days=2, hours=8), priority=7,
        segments=(stamp, paint),
        materials=(MaterialRequirement(material_definition_id="BOLT-M6", quantity=Decimal(4000),
                                       uom="ea", use="Consumed"),))
    second = ProductionRequest(id="PO-000043", revision=1, product="STEEL-COIL-2MM",
                               quantity=Decimal("2.5"), uom="kg", end_time=T0 + timedelta(days=5),
                               state="cancelled")
    return ProductionSchedule(
        header=MessageHeader(message_id="MSG-1", message_type="ProductionSchedule", sent_at=T0,
                             sender="gemba-erp"),
        id="SCH-2026-W10", requests=(first, second))


def performance() -> ProductionPerformance:
    """A finished segment with every kind of actual, one still running, and a cancelled
    response without segments. Scrapped, produced, consumed: V0600's schema order."""
    done = SegmentResponse(
        segment_id="10", start_time=T0 + timedelta(minutes=2),
        end_time=T0 + timedelta(hours=7, minutes=55, microseconds=250000),
        quantity_good=Decimal(988), quantity_scrap=Decimal(12), quantity_rework=Decimal(3),
        scrap_reason="burr on edge",
        materials=(
            MaterialActual(material_definition_id="BRACKET-A", quantity=Decimal(12), uom="ea",
                           use="Scrapped", lot_id="LOT-1"),
            MaterialActual(material_definition_id="BRACKET-A", quantity=Decimal(988), uom="ea",
                           use="Produced", lot_id="LOT-1", serial_id="SN-0001"),
            MaterialActual(material_definition_id="STEEL-COIL-2MM", quantity=Decimal("252.4"),
                           uom="kg", use="Consumed", lot_id="COIL-88123"),
        ),
        equipment=(EquipmentActual(equipment_id="WC-PRESS", minutes=Decimal("450")),
                   EquipmentActual(equipment_id="UNKNOWN-TOOL-7", minutes=Decimal("12.5"))),
        personnel=(PersonnelActual(person_id="EMP-0042", minutes=Decimal("473")),))
    running = SegmentResponse(segment_id="20", start_time=T0 + timedelta(hours=8),
                              quantity_good=Decimal(100))
    return ProductionPerformance(
        header=MessageHeader(message_id="MSG-2", message_type="ProductionPerformance",
                             sent_at=T0 + timedelta(hours=9), sender="gemba-mes"),
        id="PERF-1",
        responses=(
            ProductionResponse(id="RESP-PO-000042", request_id="PO-000042", request_revision=3,
                               sequence=4, state="started", segments=(done, running)),
            ProductionResponse(id="RESP-PO-000043", request_id="PO-000043", request_revision=1,
                               sequence=1, state="cancelled"),
        ))


def edited(data: bytes, change) -> bytes:
    """The document after ``change(root, q)`` where ``q("Name")`` qualifies a name."""
    root = etree.fromstring(data)
    ns = etree.QName(root).namespace

    def q(name: str) -> str:
        return f"{{{ns}}}{name}"

    change(root, q)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def refused(call, *args) -> B2mmlError:
    with pytest.raises(B2mmlError) as caught:
        call(*args)
    return caught.value


# -- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_schedule_export_validates_and_imports_back_equal(version):
    module = MODULES[version]
    xml = module.schedule_to_xml(schedule())
    root = parse(xml)
    validate(root, version, "schedule")  # against MESA's official XSD
    assert etree.QName(root).namespace == NS[version]
    assert detect(xml) == (version, "schedule")
    assert module.schedule_from_xml(xml, RESOLVER) == schedule()


@pytest.mark.parametrize("version", VERSIONS)
def test_performance_export_validates_and_imports_back_equal(version):
    module = MODULES[version]
    xml = module.performance_to_xml(performance())
    validate(parse(xml), version, "performance")
    assert detect(xml) == (version, "performance")
    assert module.performance_from_xml(xml, RESOLVER) == performance()


def test_v0701_export_uses_the_schema_spellings():
    response = performance().responses[0]
    finished = performance().model_copy(update={"responses": (
        response.model_copy(update={"segments": response.segments[:1]}),)})
    xml = v0701.performance_to_xml(finished)  # every segment ended: the performance did too
    assert b"<Endtime>2026-03-02T13:55:00.250000Z</Endtime>" in xml  # the schema's spelling
    assert v0701.performance_from_xml(xml, RESOLVER) == finished
    schedule_xml = v0701.schedule_to_xml(schedule())
    assert b"<OperationsType>Production</OperationsType>" in schedule_xml
    assert b"<MaterialUse>Produced</MaterialUse>" in schedule_xml
    assert b"<RequestState>Cancelled</RequestState>" in schedule_xml


def test_v0600_export_uses_produced_and_consumed_elements():
    xml = v0600.schedule_to_xml(schedule())
    assert b"<ProductProductionRuleID>BRACKET-A</ProductProductionRuleID>" in xml
    assert b"<MaterialProducedRequirement>" in xml and b"<MaterialConsumedRequirement>" in xml
    assert b'<RequestState OtherValue="Cancelled">Other</RequestState>' in xml
    perf = v0600.performance_to_xml(performance())
    assert b"<MaterialProducedActual>" in perf and b"<MaterialConsumedActual>" in perf
    assert b'<MaterialUse OtherValue="Scrapped">Other</MaterialUse>' in perf


def test_front_door_dispatch_reads_and_writes_either_version():
    for version in VERSIONS:
        assert from_xml(to_xml(schedule(), version), RESOLVER) == schedule()
        assert from_xml(to_xml(performance(), version), RESOLVER) == performance()


def test_a_segment_named_like_its_request_cannot_be_exported():
    bad = schedule().requests[0].model_copy(
        update={"segments": (SegmentRequirement(segment_id="PO-000042"),)})
    message = schedule().model_copy(update={"requests": (bad,)})
    for module in MODULES.values():
        assert "request id" in refused(module.schedule_to_xml, message).message


# -- the official-shaped examples ---------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("v0600-ProcessProductionSchedule.xml", ("V0600", "schedule")),
    ("v0600-ProcessProductionPerformance.xml", ("V0600", "performance")),
    ("v0701-ProcessOperationsSchedule.xml", ("V0701", "schedule")),
    ("v0701-ProcessOperationsPerformance.xml", ("V0701", "performance")),
])
def test_detect_tells_version_and_kind(name, expected):
    assert detect(example(name)) == expected


@pytest.mark.parametrize("name", ["v0600-ProcessProductionSchedule.xml",
                                  "v0701-ProcessOperationsSchedule.xml"])
def test_example_schedules_import(name):
    message = from_xml(example(name), RESOLVER)
    assert isinstance(message, ProductionSchedule)
    assert message.id == "SCH-2024-W10"
    assert message.header.message_id == "BOD-0001" and message.header.sender == "ERP"
    assert message.header.sent_at == datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
    (req,) = message.requests
    assert (req.id, req.revision, req.product, req.quantity, req.uom) == (
        "WO-1001", 1, "BRACKET-A", Decimal(1000), "ea")  # EA matched Gemba's ea
    assert req.end_time == datetime(2024, 3, 4, 14, 0, tzinfo=UTC)  # the due date
    assert (req.priority, req.state, req.materials) == (5, "active", ())
    (segment,) = req.segments
    assert (segment.segment_id, segment.equipment_id) == ("WO-1001-10", "PRESS-01")
    assert [(m.material_definition_id, m.quantity, m.uom, m.use) for m in segment.materials] == [
        ("BRACKET-A", Decimal(1000), "ea", "Produced"),
        ("STEEL-COIL-2MM", Decimal(250), "kg", "Consumed")]


def test_example_v0600_performance_imports():
    message = from_xml(example("v0600-ProcessProductionPerformance.xml"), RESOLVER)
    assert isinstance(message, ProductionPerformance)
    assert (message.id, message.header.message_id) == ("PERF-WO-1001", "BOD-0002")
    (response,) = message.responses
    assert (response.id, response.request_id, response.request_revision, response.sequence,
            response.state) == ("RESP-WO-1001", "WO-1001", 1, 1, "completed")
    (segment,) = response.segments
    assert segment.segment_id == "WO-1001-10-R1"
    assert segment.quantity_good == 988  # sum of produced material
    assert segment.quantity_scrap == 12  # ProductionData ScrapQuantity
    assert segment.equipment == (EquipmentActual(equipment_id="PRESS-01", minutes=Decimal(450)),)
    assert segment.personnel == (PersonnelActual(person_id="EMP-0042"),)
    assert [(m.material_definition_id, m.lot_id, m.quantity, m.uom, m.use)
            for m in segment.materials] == [
        ("BRACKET-A", "LOT-240304-01", Decimal(988), "ea", "Produced"),
        ("STEEL-COIL-2MM", "COIL-88123", Decimal("252.4"), "kg", "Consumed")]


def test_example_v0701_performance_imports_with_a_stable_message_id():
    data = example("v0701-ProcessOperationsPerformance.xml")
    message = v0701.performance_from_xml(data, RESOLVER)
    (response,) = message.responses
    (segment,) = response.segments
    assert segment.segment_id == "WO-1001-10"  # its SegmentRequirementID
    assert (segment.quantity_good, segment.quantity_scrap) == (988, 0)
    assert response.state == "completed"
    # No BODID: the id is derived from the bytes, so a redelivery is the same message.
    assert v0701.performance_from_xml(data, RESOLVER).header.message_id == \
        message.header.message_id


def test_unknown_segment_and_equipment_ids_are_kept_as_references():
    data = edited(example("v0600-ProcessProductionSchedule.xml"), lambda root, q: (
        root.find(f".//{q('EquipmentRequirement')}/{q('EquipmentID')}").__setattr__(
            "text", "NOT-IN-GEMBA"),
        root.find(f".//{q('SegmentRequirement')}/{q('ID')}").__setattr__("text", "OP-UNKNOWN")))
    (segment,) = v0600.schedule_from_xml(data, RESOLVER).requests[0].segments
    assert (segment.segment_id, segment.equipment_id) == ("OP-UNKNOWN", "NOT-IN-GEMBA")


def test_without_product_id_the_item_is_the_produced_material():
    data = edited(example("v0701-ProcessOperationsSchedule.xml"), lambda root, q: (
        (el := root.find(f".//{q('OperationsRequest')}/{q('OperationsDefinitionID')}"))
        .getparent().remove(el)))
    (req,) = v0701.schedule_from_xml(data, RESOLVER).requests
    assert (req.product, req.quantity, req.uom) == ("BRACKET-A", Decimal(1000), "ea")


# -- lenient on form ----------------------------------------------------------------------

PREFIXED = """<?xml version="1.0" encoding="UTF-8"?>
<!-- a partner's export, hand-edited -->
<mesa:ProcessProductionSchedule xmlns:mesa="http://www.mesa.org/xml/B2MML-V0600"
    releaseID="V0600">
  <mesa:ApplicationArea>
    <mesa:CreationDateTime>2024-03-04T07:00:00+01:00</mesa:CreationDateTime>
  </mesa:ApplicationArea>
  <mesa:DataArea>
    <mesa:Process/>
    <!-- one schedule -->
    <mesa:ProductionSchedule>
      <mesa:ID>SCH-X</mesa:ID>
      <mesa:ProductionRequest>
        <mesa:ID>WO-7</mesa:ID>
        <!-- the item -->
        <mesa:ProductProductionRuleID>BRACKET-A</mesa:ProductProductionRuleID>
        <mesa:EndTime>2024-03-05T14:00:00Z</mesa:EndTime>
        <mesa:SegmentRequirement>
          <mesa:ID>WO-7-10</mesa:ID>
          <mesa:MaterialProducedRequirement>
            <mesa:MaterialDefinitionID>BRACKET-A</mesa:MaterialDefinitionID>
            <mesa:Quantity>
              <mesa:QuantityString> 40 </mesa:QuantityString>
              <mesa:UnitOfMeasure>EA</mesa:UnitOfMeasure>
            </mesa:Quantity>
          </mesa:MaterialProducedRequirement>
        </mesa:SegmentRequirement>
      </mesa:ProductionRequest>
    </mesa:ProductionSchedule>
  </mesa:DataArea>
</mesa:ProcessProductionSchedule>
"""


def test_prefix_comments_bom_and_crlf_are_accepted():
    data = codecs.BOM_UTF8 + PREFIXED.replace("\n", "\r\n").encode("utf-8")
    assert detect(data) == ("V0600", "schedule")
    message = v0600.schedule_from_xml(data, RESOLVER)
    (req,) = message.requests
    assert (req.id, req.product, req.quantity, req.uom) == ("WO-7", "BRACKET-A", 40, "ea")
    assert message.header.sent_at == datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
    assert message.header.sender == "unknown"


# -- hostile documents --------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ProcessProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600" releaseID="V0600">
  <ApplicationArea><CreationDateTime>&lol9;</CreationDateTime></ApplicationArea>
</ProcessProductionSchedule>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ProcessProductionSchedule [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ProcessProductionSchedule xmlns="http://www.mesa.org/xml/B2MML-V0600" releaseID="V0600">
  <ApplicationArea><CreationDateTime>&xxe;</CreationDateTime></ApplicationArea>
</ProcessProductionSchedule>
"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE ProcessProductionSchedule>
""" + example("v0600-ProcessProductionSchedule.xml").split(b"?>", 1)[1]


def encoded(data: bytes, encoding: str) -> bytes:
    return data.decode().replace('"?>', f'" encoding="{encoding.upper()}"?>', 1).encode(encoding)


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, PLAIN_DOCTYPE, encoded(XXE, "utf-16"),
                                  encoded(XXE, "utf-16-be"), encoded(XXE, "utf-32")],
                         ids=["billion-laughs", "xxe-file", "plain-doctype", "utf-16",
                              "utf-16-be", "utf-32"])
def test_a_doctype_is_refused_before_anything_is_expanded_or_fetched(data):
    for call in (parse, detect, lambda d: v0600.schedule_from_xml(d, RESOLVER),
                 lambda d: from_xml(d, RESOLVER)):
        error = refused(call, data)
        assert "DOCTYPE" in error.message
        assert "root:" not in error.message and "lollol" not in error.message


def test_the_parser_itself_neither_expands_nor_fetches_entities():
    """Defence in depth: even past the DOCTYPE refusal, the parser leaves entities alone."""
    xxe = etree.fromstring(XXE, secure._parser())
    assert "root:" not in etree.tostring(xxe).decode()
    try:  # libxml2 either leaves the references unexpanded or stops at its amplification cap
        bomb = etree.fromstring(BILLION_LAUGHS, secure._parser())
    except etree.XMLSyntaxError as exc:
        assert "amplification" in str(exc)
    else:
        assert len(etree.tostring(bomb)) < 10_000


def test_malformed_and_oversized_documents_are_refused(monkeypatch):
    assert "not well-formed" in refused(parse, b"<ProcessProductionSchedule>").message
    assert "empty" in refused(parse, b"  ").message
    monkeypatch.setattr(secure, "MAX_BYTES", 100)
    assert "larger than" in refused(parse, example("v0600-ProcessProductionSchedule.xml")).message


# -- all or nothing, naming the element ---------------------------------------------------

def two_requests(root, q):
    """Append a copy of the example's request as WO-1002: ProductionRequest[2]."""
    schedule_el = root.find(f".//{q('ProductionSchedule')}")
    first_request = schedule_el.find(q("ProductionRequest"))
    second = etree.fromstring(etree.tostring(first_request))
    second.find(q("ID")).text = "WO-1002"
    first_request.addnext(second)
    return second


def test_a_non_numeric_quantity_refuses_the_whole_message_naming_the_element():
    def change(root, q):
        second = two_requests(root, q)
        second.find(f".//{q('MaterialConsumedRequirement')}/{q('Quantity')}/"
                    f"{q('QuantityString')}").text = "12,5"

    error = refused(v0600.schedule_from_xml,
                    edited(example("v0600-ProcessProductionSchedule.xml"), change), RESOLVER)
    assert error.element_path == ("ProductionRequest[2]/SegmentRequirement[1]/"
                                  "MaterialConsumedRequirement[1]/Quantity/QuantityString")
    assert "'12,5' is not a number" in error.message
    assert isinstance(error, ValidationFailed) and error.status == 422
    assert error.issues[0].field == error.element_path


def test_an_unknown_item_refuses_the_whole_message_naming_the_element():
    def change(root, q):
        two_requests(root, q).find(
            f".//{q('MaterialConsumedRequirement')}/{q('MaterialDefinitionID')}").text = "NOPE"

    error = refused(v0600.schedule_from_xml,
                    edited(example("v0600-ProcessProductionSchedule.xml"), change), RESOLVER)
    assert error.element_path == ("ProductionRequest[2]/SegmentRequirement[1]/"
                                  "MaterialConsumedRequirement[1]/MaterialDefinitionID")
    assert "item 'NOPE' is unknown" in error.message


def test_an_unknown_product_or_unit_is_refused_in_v0701():
    data = example("v0701-ProcessOperationsSchedule.xml")
    error = refused(v0701.schedule_from_xml, edited(data, lambda root, q: root.find(
        f".//{q('OperationsRequest')}/{q('OperationsDefinitionID')}").__setattr__(
            "text", "GHOST")), RESOLVER)
    assert error.element_path == "OperationsRequest[1]/OperationsDefinitionID"
    error = refused(v0701.schedule_from_xml, edited(data, lambda root, q: root.find(
        f".//{q('UnitOfMeasure')}").__setattr__("text", "BOX")), RESOLVER)
    assert error.element_path == ("OperationsRequest[1]/SegmentRequirement[1]/"
                                  "MaterialRequirement[1]/Quantity/UnitOfMeasure")
    assert "unit 'BOX' is unknown" in error.message


@pytest.mark.parametrize(("text", "problem"), [("0", "greater than 0"), ("-3", "greater than 0"),
                                               ("1.0000001", "decimal places"),
                                               ("NaN", "not a finite number")])
def test_requirement_quantities_must_be_positive_exact_numbers(text, problem):
    data = edited(example("v0701-ProcessOperationsSchedule.xml"), lambda root, q: root.find(
        f".//{q('QuantityString')}").__setattr__("text", text))
    error = refused(v0701.schedule_from_xml, data, RESOLVER)
    assert problem in error.message
    assert error.element_path.endswith("MaterialRequirement[1]/Quantity/QuantityString")


def test_a_time_without_zone_is_refused():
    data = edited(example("v0600-ProcessProductionSchedule.xml"), lambda root, q: root.find(
        f".//{q('CreationDateTime')}").__setattr__("text", "2024-03-04T06:00:00"))
    error = refused(v0600.schedule_from_xml, data, RESOLVER)
    assert error.element_path == "ApplicationArea/CreationDateTime"
    assert "no time zone" in error.message


def test_a_missing_due_date_or_state_is_named():
    data = edited(example("v0600-ProcessProductionSchedule.xml"), lambda root, q: (
        (el := root.find(f".//{q('ProductionRequest')}/{q('EndTime')}")).getparent().remove(el)))
    assert refused(v0600.schedule_from_xml, data, RESOLVER).element_path == \
        "ProductionRequest[1]/EndTime"
    data = edited(example("v0701-ProcessOperationsPerformance.xml"), lambda root, q: (
        (el := root.find(f".//{q('OperationsResponse')}/{q('ResponseState')}"))
        .getparent().remove(el)))
    assert refused(v0701.performance_from_xml, data, RESOLVER).element_path == \
        "OperationsResponse[1]/ResponseState"


def test_an_unknown_item_in_a_performance_is_refused():
    data = edited(example("v0701-ProcessOperationsPerformance.xml"), lambda root, q: root.findall(
        f".//{q('MaterialActual')}")[1].find(q("MaterialDefinitionID")).__setattr__("text", "X"))
    error = refused(v0701.performance_from_xml, data, RESOLVER)
    assert error.element_path == ("OperationsResponse[1]/SegmentResponse[1]/MaterialActual[2]/"
                                  "MaterialDefinitionID")


# -- schema validation --------------------------------------------------------------------

def test_wrong_element_order_is_refused_with_the_xsd_error():
    def change(root, q):
        req = root.find(f".//{q('ProductionRequest')}")
        req.insert(1, req.find(q("Priority")))  # Priority before ProductProductionRuleID

    error = refused(v0600.schedule_from_xml,
                    edited(example("v0600-ProcessProductionSchedule.xml"), change), RESOLVER)
    assert "does not match the B2MML V0600 schedule schema" in error.message
    assert "line " in error.message and "This element is not expected" in error.message
    assert error.element_path == "ProductionRequest[1]/ProductProductionRuleID"


def test_an_unknown_element_is_refused_with_the_xsd_error():
    def change(root, q):
        etree.SubElement(root.find(f".//{q('SegmentRequirement')}"), q("Colour")).text = "red"

    data = edited(example("v0701-ProcessOperationsSchedule.xml"), change)
    error = refused(v0701.schedule_from_xml, data, RESOLVER)
    assert "Colour" in error.message and "line " in error.message
    assert error.element_path == "OperationsRequest[1]/SegmentRequirement[1]/Colour"
    with pytest.raises(B2mmlError, match="Colour"):
        validate(parse(data), "V0701", "schedule")


def test_the_wrong_version_or_kind_or_message_is_refused():
    v0701_schedule = example("v0701-ProcessOperationsSchedule.xml")
    assert "expected a V0600 schedule" in refused(
        v0600.schedule_from_xml, v0701_schedule, RESOLVER).message
    assert "expected a V0701 performance" in refused(
        v0701.performance_from_xml, v0701_schedule, RESOLVER).message
    assert "not B2MML" in refused(detect, b"<Order xmlns='urn:other'/>").message
    ack = b"<AcknowledgeProductionSchedule xmlns='http://www.mesa.org/xml/B2MML-V0600'/>"
    assert "not a message Gemba imports" in refused(detect, ack).message


def test_only_production_operations_are_imported():
    data = edited(example("v0701-ProcessOperationsSchedule.xml"), lambda root, q: root.find(
        f".//{q('OperationsSchedule')}/{q('OperationsType')}").__setattr__("text", "Maintenance"))
    assert "only Production" in refused(v0701.schedule_from_xml, data, RESOLVER).message


def as_sync(action_code: str):
    def change(root, q):
        root.tag = q("SyncProductionSchedule")
        data_area = root.find(q("DataArea"))
        data_area.remove(data_area.find(q("Process")))
        verb = etree.Element(q("Sync"))
        etree.SubElement(etree.SubElement(verb, q("ActionCriteria")), q("ActionExpression"),
                         actionCode=action_code).text = "/ProductionSchedule"
        data_area.insert(0, verb)
    return change


def test_sync_imports_but_a_delete_is_refused():
    data = example("v0600-ProcessProductionSchedule.xml")
    added = v0600.schedule_from_xml(edited(data, as_sync("Add")), RESOLVER)
    assert added.requests[0].id == "WO-1001"
    error = refused(v0600.schedule_from_xml, edited(data, as_sync("Delete")), RESOLVER)
    assert "Delete is not supported" in error.message


# -- packaging ----------------------------------------------------------------------------

def test_attribution_ships_with_the_schemas():
    statement = ("The Business To Manufacturing Markup Language (B2MML) is used courtesy of "
                 "MESA International.")
    assert statement == ATTRIBUTION
    root = Path(__file__).resolve().parents[3]
    assert statement in (root / "NOTICE").read_text()
    xsd = Path(b2mml.__file__).parent / "xsd"
    assert (xsd / "LICENSE").is_file()
    assert len(list((xsd / "v0600").glob("*.xsd"))) == 38
    assert len(list((xsd / "v0701").glob("*.xsd"))) == 39
