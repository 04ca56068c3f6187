"""B2MML V0701 (ISA-95 2018): a production schedule is a ``ProcessOperationsSchedule`` with
``OperationsType`` Production, performance a ``ProcessOperationsPerformance``.

Gemba's encoding, readable by any B2MML system:
* each request is an ``OperationsRequest`` (``Version`` = revision, ``OperationsDefinitionID``
  = item, ``EndTime`` = due) whose first ``SegmentRequirement`` has the request's ID and
  holds the produced item and quantity plus the request's own materials; the operations are
  its ``SegmentRequirementChild`` elements;
* each response is an ``OperationsResponse`` (``Version`` = sequence,
  ``OperationsRequestID/@schemeVersionID`` = request revision); good, scrap and rework
  quantities are ``SegmentData`` records; scrapped material is ``MaterialUse`` Other with
  ``OtherValue="Scrapped"``.
"""

from __future__ import annotations

from gemba.adapters.b2mml._mapping import (
    MINUTES,
    RESPONSE_STATE_OUT,
    build,
    check_request_out,
    descriptions_in,
    descriptions_out,
    equipment_in,
    finish,
    flatten,
    header_in,
    header_out,
    material_actual_in,
    material_ids_out,
    material_requirement_in,
    minutes_parameters,
    named_values,
    open_document,
    parameter_out,
    performance_span,
    personnel_in,
    personnel_requirements_in,
    quantity_out,
    request_in,
    request_state_in,
    response_state_in,
    segment_data_out,
    segment_quantities,
    segment_times_in,
    single_noun,
    use_in,
    use_out,
)
from gemba.adapters.b2mml._xml import (
    Builder,
    El,
    Version,
    fail,
    first,
    first_text,
    instant,
    instant_text,
    kids,
    local,
    need,
    need_text,
    optional_integer,
    text,
)
from gemba.adapters.b2mml.resolver import Resolver
from gemba.contracts.isa95 import (
    MaterialActual,
    MaterialRequirement,
    ProductionPerformance,
    ProductionRequest,
    ProductionResponse,
    ProductionSchedule,
    SegmentRequirement,
    SegmentResponse,
)

VERSION: Version = "V0701"
PRODUCTION = "Production"
_PLACEHOLDER_PARTS = {"ID", "Description", "OperationsType"}


# -- export -------------------------------------------------------------------------------

def schedule_to_xml(schedule: ProductionSchedule) -> bytes:
    """A ``ProcessOperationsSchedule``, validated against the V0701 schema."""
    b = Builder(VERSION)
    root = b.root("ProcessOperationsSchedule")
    header_out(b, root, schedule.header)
    data_area = b.sub(root, "DataArea")
    b.sub(data_area, "Process")
    noun = b.sub(data_area, "OperationsSchedule")
    b.sub(noun, "ID", schedule.id)
    b.sub(noun, "OperationsType", PRODUCTION)
    for request in schedule.requests:
        _request_out(b, noun, request)
    return finish(root, VERSION, "schedule")


def _request_out(b: Builder, noun: El, req: ProductionRequest) -> None:
    check_request_out(req)
    el = b.sub(noun, "OperationsRequest")
    b.sub(el, "ID", req.id)
    b.sub(el, "Version", str(req.revision))
    if req.start_time is not None:
        b.sub(el, "StartTime", instant_text(req.start_time))
    b.sub(el, "EndTime", instant_text(req.end_time))
    b.sub(el, "OperationsType", PRODUCTION)
    b.sub(el, "Priority", str(req.priority))
    b.sub(el, "RequestState", "Cancelled" if req.state == "cancelled" else "Released")
    b.sub(el, "OperationsDefinitionID", req.product)
    own = b.sub(el, "SegmentRequirement")
    b.sub(own, "ID", req.id)
    b.sub(own, "OperationsType", PRODUCTION)
    for name in ("ProcessSegmentID", "OperationsDefinitionID", "OperationsSegmentID"):
        b.sub(own, name, req.product)
    output = MaterialRequirement(material_definition_id=req.product, quantity=req.quantity,
                                 uom=req.uom, use="Produced")
    for n, material in enumerate((output, *req.materials), 1):
        _material_out(b, own, material, n)
    for segment in req.segments:
        _segment_out(b, own, segment, req.product)


def _segment_out(b: Builder, parent: El, seg: SegmentRequirement, product: str) -> None:
    el = b.sub(parent, "SegmentRequirementChild")
    b.sub(el, "ID", seg.segment_id)
    for description in descriptions_out(seg):
        b.sub(el, "Description", description)
    b.sub(el, "OperationsType", PRODUCTION)
    b.sub(el, "ProcessSegmentID", seg.segment_id)
    b.sub(el, "OperationsDefinitionID", product)
    b.sub(el, "OperationsSegmentID", seg.segment_id)
    for name, minutes in minutes_parameters(seg):
        parameter_out(b, b.sub(el, "SegmentParameter"), name, minutes)
    for n, person in enumerate(seg.personnel, 1):
        requirement = b.sub(el, "PersonnelRequirement")
        b.sub(requirement, "ID", f"P{n}")
        b.sub(requirement, "PersonnelClassID", person.personnel_class_id)
    if seg.equipment_id is not None:
        equipment = b.sub(el, "EquipmentRequirement")
        b.sub(equipment, "ID", "E1")
        b.sub(equipment, "EquipmentID", seg.equipment_id)
    for n, material in enumerate(seg.materials, 1):
        _material_out(b, el, material, n)


def _material_out(b: Builder, parent: El, m: MaterialRequirement | MaterialActual,
                  n: int) -> None:
    actual = isinstance(m, MaterialActual)
    el = b.sub(parent, "MaterialActual" if actual else "MaterialRequirement")
    b.sub(el, "ID", f"M{n}")
    material_ids_out(b, el, m.material_definition_id, m.lot_id,
                     m.serial_id if isinstance(m, MaterialActual) else None)
    use_out(b, el, m.use)
    quantity_out(b, el, m.quantity, m.uom)


def performance_to_xml(performance: ProductionPerformance) -> bytes:
    """A ``ProcessOperationsPerformance``, validated against the V0701 schema."""
    b = Builder(VERSION)
    root = b.root("ProcessOperationsPerformance")
    header_out(b, root, performance.header)
    data_area = b.sub(root, "DataArea")
    b.sub(data_area, "Process")
    noun = b.sub(data_area, "OperationsPerformance")
    b.sub(noun, "ID", performance.id)
    start, end = performance_span(performance.responses)
    if start is not None:
        b.sub(noun, "StartTime", start)
    if end is not None:
        b.sub(noun, "Endtime", end)  # sic: OperationsPerformanceType spells it so
    b.sub(noun, "OperationsType", PRODUCTION)
    for response in performance.responses:
        _response_out(b, noun, response)
    return finish(root, VERSION, "performance")


def _response_out(b: Builder, noun: El, r: ProductionResponse) -> None:
    el = b.sub(noun, "OperationsResponse")
    b.sub(el, "ID", r.id)
    b.sub(el, "Version", str(r.sequence))
    b.sub(el, "OperationsType", PRODUCTION)
    b.sub(el, "OperationsRequestID", r.request_id, schemeVersionID=str(r.request_revision))
    b.sub(el, "ResponseState", RESPONSE_STATE_OUT[r.state])
    if not r.segments:  # V0701 needs one SegmentResponse: an empty one with the response ID
        b.sub(b.sub(el, "SegmentResponse"), "ID", r.id)
    for segment in r.segments:
        _segment_response_out(b, el, segment)


def _segment_response_out(b: Builder, parent: El, s: SegmentResponse) -> None:
    el = b.sub(parent, "SegmentResponse")
    b.sub(el, "ID", s.segment_id)
    b.sub(el, "ActualStartTime", instant_text(s.start_time))
    if s.end_time is not None:
        b.sub(el, "ActualEndTime", instant_text(s.end_time))
    b.sub(el, "OperationsType", PRODUCTION)
    b.sub(el, "SegmentRequirementID", s.segment_id)
    segment_data_out(b, el, "SegmentData", s)
    for n, person in enumerate(s.personnel, 1):
        actual = b.sub(el, "PersonnelActual")
        b.sub(actual, "ID", f"P{n}")
        b.sub(actual, "PersonID", person.person_id)
        quantity_out(b, actual, person.minutes, MINUTES)
    for n, equipment in enumerate(s.equipment, 1):
        actual = b.sub(el, "EquipmentActual")
        b.sub(actual, "ID", f"E{n}")
        b.sub(actual, "EquipmentID", equipment.equipment_id)
        quantity_out(b, actual, equipment.minutes, MINUTES)
    for n, material in enumerate(s.materials, 1):
        _material_out(b, el, material, n)


# -- import -------------------------------------------------------------------------------

def _production_only(el: El) -> None:
    kind = first(el, "OperationsType")
    if kind is not None and text(kind) != PRODUCTION:
        fail(kind, f"OperationsType {text(kind)!r} is not imported: only {PRODUCTION}")


def schedule_from_xml(data: bytes, resolver: Resolver) -> ProductionSchedule:
    """Import a V0701 production schedule whole, or refuse it naming the element."""
    root = open_document(data, VERSION, "schedule")
    noun = single_noun(root, "OperationsSchedule")
    _production_only(noun)
    header = header_in(root, ProductionSchedule.MESSAGE_TYPE, data)
    requests = tuple(_request_in(el, resolver) for el in kids(noun, "OperationsRequest"))
    return build(ProductionSchedule, noun, header=header, id=need_text(noun, "ID"),
                 requests=requests)


def _request_in(el: El, resolver: Resolver) -> ProductionRequest:
    _production_only(el)
    start = first(el, "StartTime")
    product = first(el, "OperationsDefinitionID")
    priority = first(el, "Priority")
    return request_in(
        el,
        request_id=need_text(el, "ID"),
        top_segments=kids(el, "SegmentRequirement"),
        child_name="SegmentRequirementChild",
        product_el=product if text(product) else None,
        read_segment=lambda s: _segment_in(s, resolver),
        read_materials=lambda s: _materials_in(s, resolver),
        resolver=resolver,
        revision=optional_integer(first(el, "Version"), default=1, minimum=1),
        start_time=instant(start) if start is not None else None,
        end_time=instant(need(el, "EndTime")),
        priority=optional_integer(priority, default=0),
        state=request_state_in(first(el, "RequestState")),
    )


def _segment_in(seg: El, resolver: Resolver) -> SegmentRequirement:
    """Segment and equipment ids Gemba does not know are kept as references."""
    return build(
        SegmentRequirement, seg,
        segment_id=need_text(seg, "ID"),
        **descriptions_in(seg),
        personnel=personnel_requirements_in(seg),
        equipment_id=first_text(first(seg, "EquipmentRequirement"), "EquipmentID"),
        materials=tuple(_materials_in(seg, resolver)),
        **segment_times_in(named_values(kids(seg, "SegmentParameter"))),
    )


def _materials_in(seg: El, resolver: Resolver) -> list[MaterialRequirement]:
    return [material_requirement_in(m, resolver, use_in(m, ("Produced", "Consumed")))
            for m in kids(seg, "MaterialRequirement")]


def performance_from_xml(data: bytes, resolver: Resolver) -> ProductionPerformance:
    """Import a V0701 production performance whole, or refuse it naming the element."""
    root = open_document(data, VERSION, "performance")
    noun = single_noun(root, "OperationsPerformance")
    _production_only(noun)
    header = header_in(root, ProductionPerformance.MESSAGE_TYPE, data)
    responses = tuple(_response_in(el, resolver) for el in kids(noun, "OperationsResponse"))
    return build(ProductionPerformance, noun, header=header, id=need_text(noun, "ID"),
                 responses=responses)


def _is_placeholder(segment: El, response_id: str) -> bool:
    return first_text(segment, "ID") == response_id and all(
        local(c) in _PLACEHOLDER_PARTS for c in segment if isinstance(c.tag, str))


def _response_in(el: El, resolver: Resolver) -> ProductionResponse:
    _production_only(el)
    response_id = need_text(el, "ID")
    request = need(el, "OperationsRequestID")
    segments = [s for top in kids(el, "SegmentResponse") if not _is_placeholder(top, response_id)
                for s in flatten(top, "SegmentResponseChild")]
    return build(
        ProductionResponse, el,
        id=response_id,
        request_id=need_text(el, "OperationsRequestID"),
        request_revision=optional_integer(request, "schemeVersionID", default=1, minimum=1),
        sequence=optional_integer(first(el, "Version"), default=1, minimum=1),
        state=response_state_in(need(el, "ResponseState")),
        segments=tuple(_segment_response_in(s, resolver) for s in segments),
    )


def _segment_response_in(seg: El, resolver: Resolver) -> SegmentResponse:
    materials = tuple(
        material_actual_in(m, resolver, use_in(m, ("Produced", "Consumed", "Scrapped")))
        for m in kids(seg, "MaterialActual"))
    end = first(seg, "ActualEndTime")
    return build(
        SegmentResponse, seg,
        segment_id=first_text(seg, "SegmentRequirementID") or need_text(seg, "ID"),
        start_time=instant(need(seg, "ActualStartTime")),
        end_time=instant(end) if end is not None else None,
        materials=materials,
        equipment=tuple(equipment_in(e) for e in kids(seg, "EquipmentActual")),
        personnel=tuple(personnel_in(p) for p in kids(seg, "PersonnelActual")),
        **segment_quantities(named_values(kids(seg, "SegmentData")), materials, seg),
    )
