"""B2MML V0600 (ISA-95 2010): ``ProcessProductionSchedule`` and
``ProcessProductionPerformance``, still what many ERP/MES integrations speak.

Gemba's encoding, readable by any B2MML system:
* each request is a ``ProductionRequest`` (``ID/@schemeVersionID`` = revision,
  ``ProductProductionRuleID`` = item, ``EndTime`` = due) whose first ``SegmentRequirement``
  has the request's ID and holds the produced item and quantity plus the request's own
  materials; the operations are nested ``SegmentRequirement`` elements;
* each response is a ``ProductionResponse`` (``ID/@schemeVersionID`` = sequence,
  ``ProductionRequestID/@schemeVersionID`` = request revision); good, scrap and rework are
  ``ProductionData`` records; scrapped material is a ``MaterialActual`` with ``MaterialUse``
  Other / ``OtherValue="Scrapped"``.

The schema orders produced before consumed material (and, in a segment response, scrapped
before both), so materials come back grouped in that order.
"""

from __future__ import annotations

from collections.abc import Sequence

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

VERSION: Version = "V0600"
_REQUIREMENTS = {"MaterialProducedRequirement": "Produced",
                 "MaterialConsumedRequirement": "Consumed", "MaterialRequirement": None}
_ACTUALS = {"MaterialProducedActual": "Produced", "MaterialConsumedActual": "Consumed",
            "MaterialActual": None}
_UNSUPPORTED = ("ConsumableExpectedRequirement", "ConsumableActual")


# -- export -------------------------------------------------------------------------------

def schedule_to_xml(schedule: ProductionSchedule) -> bytes:
    """A ``ProcessProductionSchedule``, validated against the V0600 schema."""
    b = Builder(VERSION)
    root = b.root("ProcessProductionSchedule")
    header_out(b, root, schedule.header)
    data_area = b.sub(root, "DataArea")
    b.sub(data_area, "Process")
    noun = b.sub(data_area, "ProductionSchedule")
    b.sub(noun, "ID", schedule.id)
    for request in schedule.requests:
        _request_out(b, noun, request)
    return finish(root, VERSION, "schedule")


def _request_out(b: Builder, noun: El, req: ProductionRequest) -> None:
    check_request_out(req)
    el = b.sub(noun, "ProductionRequest")
    b.sub(el, "ID", req.id, schemeVersionID=str(req.revision))
    b.sub(el, "ProductProductionRuleID", req.product)
    if req.start_time is not None:
        b.sub(el, "StartTime", instant_text(req.start_time))
    b.sub(el, "EndTime", instant_text(req.end_time))
    b.sub(el, "Priority", str(req.priority))
    own = b.sub(el, "SegmentRequirement")
    b.sub(own, "ID", req.id)
    output = MaterialRequirement(material_definition_id=req.product, quantity=req.quantity,
                                 uom=req.uom, use="Produced")
    _requirements_out(b, own, (output, *req.materials))
    for segment in req.segments:
        _segment_out(b, own, segment)
    if req.state == "cancelled":  # V0600 has no Cancelled request state
        b.sub(el, "RequestState", "Other", OtherValue="Cancelled")
    else:
        b.sub(el, "RequestState", "Released")


def _segment_out(b: Builder, parent: El, seg: SegmentRequirement) -> None:
    el = b.sub(parent, "SegmentRequirement")
    b.sub(el, "ID", seg.segment_id)
    for description in descriptions_out(seg):
        b.sub(el, "Description", description)
    for name, minutes in minutes_parameters(seg):
        parameter_out(b, b.sub(b.sub(el, "ProductionParameter"), "Parameter"), name, minutes)
    for person in seg.personnel:
        b.sub(b.sub(el, "PersonnelRequirement"), "PersonnelClassID", person.personnel_class_id)
    if seg.equipment_id is not None:
        b.sub(b.sub(el, "EquipmentRequirement"), "EquipmentID", seg.equipment_id)
    _requirements_out(b, el, seg.materials)


def _requirements_out(b: Builder, parent: El, materials: Sequence[MaterialRequirement]) -> None:
    for use, name in (("Produced", "MaterialProducedRequirement"),
                      ("Consumed", "MaterialConsumedRequirement")):
        for m in materials:
            if m.use == use:
                el = b.sub(parent, name)
                material_ids_out(b, el, m.material_definition_id, m.lot_id)
                quantity_out(b, el, m.quantity, m.uom)


def performance_to_xml(performance: ProductionPerformance) -> bytes:
    """A ``ProcessProductionPerformance``, validated against the V0600 schema."""
    b = Builder(VERSION)
    root = b.root("ProcessProductionPerformance")
    header_out(b, root, performance.header)
    data_area = b.sub(root, "DataArea")
    b.sub(data_area, "Process")
    noun = b.sub(data_area, "ProductionPerformance")
    b.sub(noun, "ID", performance.id)
    start, end = performance_span(performance.responses)
    if start is not None:
        b.sub(noun, "StartTime", start)
    if end is not None:
        b.sub(noun, "EndTime", end)
    for r in performance.responses:
        el = b.sub(noun, "ProductionResponse")
        b.sub(el, "ID", r.id, schemeVersionID=str(r.sequence))
        b.sub(el, "ProductionRequestID", r.request_id, schemeVersionID=str(r.request_revision))
        for segment in r.segments:
            _segment_response_out(b, el, segment)
        b.sub(el, "ResponseState", RESPONSE_STATE_OUT[r.state])
    return finish(root, VERSION, "performance")


def _segment_response_out(b: Builder, parent: El, s: SegmentResponse) -> None:
    el = b.sub(parent, "SegmentResponse")
    b.sub(el, "ID", s.segment_id)
    b.sub(el, "ActualStartTime", instant_text(s.start_time))
    if s.end_time is not None:
        b.sub(el, "ActualEndTime", instant_text(s.end_time))
    segment_data_out(b, el, "ProductionData", s)
    for person in s.personnel:
        actual = b.sub(el, "PersonnelActual")
        b.sub(actual, "PersonID", person.person_id)
        quantity_out(b, actual, person.minutes, MINUTES)
    for equipment in s.equipment:
        actual = b.sub(el, "EquipmentActual")
        b.sub(actual, "EquipmentID", equipment.equipment_id)
        quantity_out(b, actual, equipment.minutes, MINUTES)
    for use, name in (("Scrapped", "MaterialActual"), ("Produced", "MaterialProducedActual"),
                      ("Consumed", "MaterialConsumedActual")):
        for m in s.materials:
            if m.use == use:
                _actual_out(b, el, name, m)


def _actual_out(b: Builder, parent: El, name: str, m: MaterialActual) -> None:
    el = b.sub(parent, name)
    material_ids_out(b, el, m.material_definition_id, m.lot_id, m.serial_id)
    if name == "MaterialActual":
        use_out(b, el, m.use)
    quantity_out(b, el, m.quantity, m.uom)


# -- import -------------------------------------------------------------------------------

def schedule_from_xml(data: bytes, resolver: Resolver) -> ProductionSchedule:
    """Import a V0600 production schedule whole, or refuse it naming the element."""
    root = open_document(data, VERSION, "schedule")
    noun = single_noun(root, "ProductionSchedule")
    header = header_in(root, ProductionSchedule.MESSAGE_TYPE, data)
    requests = tuple(_request_in(el, resolver) for el in kids(noun, "ProductionRequest"))
    return build(ProductionSchedule, noun, header=header,
                 id=first_text(noun, "ID") or header.message_id, requests=requests)


def _request_in(el: El, resolver: Resolver) -> ProductionRequest:
    start = first(el, "StartTime")
    product = first(el, "ProductProductionRuleID")
    return request_in(
        el,
        request_id=need_text(el, "ID"),
        top_segments=kids(el, "SegmentRequirement"),
        child_name="SegmentRequirement",
        product_el=product if text(product) else None,
        read_segment=lambda s: _segment_in(s, resolver),
        read_materials=lambda s: _materials_in(s, resolver),
        resolver=resolver,
        revision=optional_integer(need(el, "ID"), "schemeVersionID", default=1, minimum=1),
        start_time=instant(start) if start is not None else None,
        end_time=instant(need(el, "EndTime")),
        priority=optional_integer(first(el, "Priority"), default=0),
        state=request_state_in(first(el, "RequestState")),
    )


def _segment_id(seg: El) -> str:
    segment_id = first_text(seg, "ID") or first_text(seg, "ProcessSegmentID")
    if segment_id is None:
        fail(seg, "a segment needs an ID or a ProcessSegmentID")
    return segment_id


def _segment_in(seg: El, resolver: Resolver) -> SegmentRequirement:
    """Segment and equipment ids Gemba does not know are kept as references."""
    parameters = [p for record in kids(seg, "ProductionParameter")
                  if (p := first(record, "Parameter")) is not None]
    return build(
        SegmentRequirement, seg,
        segment_id=_segment_id(seg),
        **descriptions_in(seg),
        personnel=personnel_requirements_in(seg),
        equipment_id=first_text(first(seg, "EquipmentRequirement"), "EquipmentID"),
        materials=tuple(_materials_in(seg, resolver)),
        **segment_times_in(named_values(parameters)),
    )


def _materials_in(seg: El, resolver: Resolver) -> list[MaterialRequirement]:
    found: list[MaterialRequirement] = []
    for child in seg:
        name = local(child) if isinstance(child.tag, str) else ""
        if name in _UNSUPPORTED:
            fail(child, f"{name} is not supported: send consumables as consumed material")
        if name in _REQUIREMENTS:
            use = _REQUIREMENTS[name] or use_in(child, ("Produced", "Consumed"))
            found.append(material_requirement_in(child, resolver, use))
    return found


def performance_from_xml(data: bytes, resolver: Resolver) -> ProductionPerformance:
    """Import a V0600 production performance whole, or refuse it naming the element."""
    root = open_document(data, VERSION, "performance")
    noun = single_noun(root, "ProductionPerformance")
    header = header_in(root, ProductionPerformance.MESSAGE_TYPE, data)
    responses = tuple(_response_in(el, resolver) for el in kids(noun, "ProductionResponse"))
    return build(ProductionPerformance, noun, header=header,
                 id=first_text(noun, "ID") or header.message_id, responses=responses)


def _response_in(el: El, resolver: Resolver) -> ProductionResponse:
    request_id = need_text(el, "ProductionRequestID")
    segments = [s for top in kids(el, "SegmentResponse") for s in flatten(top, "SegmentResponse")]
    return build(
        ProductionResponse, el,
        id=first_text(el, "ID") or request_id,
        request_id=request_id,
        request_revision=optional_integer(need(el, "ProductionRequestID"), "schemeVersionID",
                                          default=1, minimum=1),
        sequence=optional_integer(first(el, "ID"), "schemeVersionID", default=1, minimum=1),
        state=response_state_in(need(el, "ResponseState")),
        segments=tuple(_segment_response_in(s, resolver) for s in segments),
    )


def _segment_response_in(seg: El, resolver: Resolver) -> SegmentResponse:
    materials: list[MaterialActual] = []
    for child in seg:
        name = local(child) if isinstance(child.tag, str) else ""
        if name in _UNSUPPORTED:
            fail(child, f"{name} is not supported: send consumables as consumed material")
        if name in _ACTUALS:
            use = _ACTUALS[name] or use_in(child, ("Produced", "Consumed", "Scrapped"))
            materials.append(material_actual_in(child, resolver, use))
    end = first(seg, "ActualEndTime")
    return build(
        SegmentResponse, seg,
        segment_id=_segment_id(seg),
        start_time=instant(need(seg, "ActualStartTime")),
        end_time=instant(end) if end is not None else None,
        materials=tuple(materials),
        equipment=tuple(equipment_in(e) for e in kids(seg, "EquipmentActual")),
        personnel=tuple(personnel_in(p) for p in kids(seg, "PersonnelActual")),
        **segment_quantities(named_values(kids(seg, "ProductionData")), materials, seg),
    )
