"""Mapping rules both B2MML versions share: header, states, material use, quantities with
Gemba's units, time units, and how a request's item, quantity and due date are found."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError

from gemba.adapters.b2mml._xml import (
    QTY_PLACES,
    Builder,
    El,
    Kind,
    Version,
    decimal_text,
    fail,
    first,
    first_text,
    instant,
    instant_text,
    kids,
    local,
    need,
    need_text,
    quantity_value,
    text,
)
from gemba.adapters.b2mml.detect import check_verb, detect_root
from gemba.adapters.b2mml.resolver import Resolver
from gemba.adapters.b2mml.secure import parse
from gemba.adapters.b2mml.validate import validate
from gemba.contracts.isa95 import (
    EquipmentActual,
    MaterialActual,
    MaterialRequirement,
    MessageHeader,
    PersonnelActual,
    PersonnelRequirement,
    ProductionRequest,
    ProductionResponse,
    SegmentRequirement,
    SegmentResponse,
)
from gemba.core.types import quantize

M = TypeVar("M", bound=BaseModel)

# Names of the ProductionData / SegmentData / parameter records Gemba writes and reads.
GOOD_QUANTITY = "GoodQuantity"
SCRAP_QUANTITY = "ScrapQuantity"
REWORK_QUANTITY = "ReworkQuantity"
SCRAP_REASON = "ScrapReason"
SETUP_MINUTES = "SetupMinutes"
RUN_MINUTES_PER_UNIT = "RunMinutesPerUnit"
MINUTES = "min"

# Time units of equipment and personnel actuals, as (multiply, divide) into minutes.
TIME_UNITS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("min", "mins", "minute", "minutes", "mi"), (1, 1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "hur"), (60, 1)),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), (1, 60)),
}

_UUID_NAMESPACE = uuid.UUID("6f1f4f1e-8a43-5d0e-9f3c-b2a1e0c0d0a1")

# ISA-95 response states (both versions) <-> Gemba's.
RESPONSE_STATE_OUT = {"released": "Ready", "started": "Running", "paused": "Paused",
                      "completed": "Completed", "cancelled": "Aborted"}
_RESPONSE_STATE_IN = {"ready": "released", "waiting": "released", "running": "started",
                      "paused": "paused", "holding": "paused", "held": "paused",
                      "suspended": "paused", "completed": "completed", "closed": "completed",
                      "aborted": "cancelled", **{s: s for s in RESPONSE_STATE_OUT}}
_CANCELLED_REQUEST = {"cancelled", "aborted"}
_USES = {"produced": "Produced", "material produced": "Produced", "consumed": "Consumed",
         "material consumed": "Consumed", "scrapped": "Scrapped"}


# -- documents ---------------------------------------------------------------------------

def open_document(data: bytes, version: Version, kind: Kind) -> El:
    """Parse safely, check it is the expected message, validate it against its XSD."""
    root = parse(data)
    found = detect_root(root)
    if found != (version, kind):
        fail(local(root), f"this is a {found[0]} {found[1]} message, expected "
                          f"a {version} {kind} message")
    validate(root, version, kind)
    check_verb(root)
    return root


def single_noun(root: El, name: str) -> El:
    data_area = need(root, "DataArea")
    nouns = kids(data_area, name)
    if len(nouns) != 1:
        fail(data_area, f"exactly one {name} per message is imported, found {len(nouns)}")
    return nouns[0]


def finish(root: El, version: Version, kind: Kind) -> bytes:
    """Serialise and validate what Gemba produced: an invalid export is a bug, not a file."""
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(parse(data), version, kind)
    return data


def build(cls: type[M], where: El, **fields: Any) -> M:
    """Construct a contract model; its rule violations name the element being read."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or cls.__name__}: {err['msg']}"
            for err in exc.errors())
        fail(where, problems)


# -- header ------------------------------------------------------------------------------

def header_out(b: Builder, root: El, header: MessageHeader) -> None:
    area = b.sub(root, "ApplicationArea")
    b.sub(b.sub(area, "Sender"), "LogicalID", header.sender)
    b.sub(area, "CreationDateTime", instant_text(header.sent_at))
    b.sub(area, "BODID", header.message_id)


def header_in(root: El, message_type: str, data: bytes) -> MessageHeader:
    """``BODID`` is the message id; without one, an id derived from the bytes, so a
    redelivered document is recognised by the inbox."""
    area = need(root, "ApplicationArea")
    sent_at = instant(need(area, "CreationDateTime"))
    sender = first_text(first(area, "Sender"), "LogicalID") or "unknown"
    message_id = first_text(area, "BODID") or str(
        uuid.uuid5(_UUID_NAMESPACE, hashlib.sha256(data).hexdigest()))
    return build(MessageHeader, area, message_id=message_id, message_type=message_type,
                 sender=sender, sent_at=sent_at)


# -- states and uses ---------------------------------------------------------------------

def _state_word(el: El) -> str:
    word = text(el) or ""
    if word == "Other":
        word = (el.get("OtherValue") or "").strip()
    return word


def request_state_in(el: El | None) -> str:
    """Cancelled (or Aborted) cancels the request; every other state keeps it active."""
    if el is None:
        return "active"
    return "cancelled" if _state_word(el).casefold() in _CANCELLED_REQUEST else "active"


def response_state_in(el: El) -> str:
    word = _state_word(el)
    state = _RESPONSE_STATE_IN.get(word.casefold())
    if state is None:
        fail(el, f"response state {word!r} is not understood")
    return state


def use_in(material: El, allowed: Iterable[str]) -> str:
    el = need(material, "MaterialUse")
    word = _state_word(el)
    use = _USES.get(word.casefold())
    if use is None or use not in allowed:
        fail(el, f"MaterialUse {word!r} is not supported (supported: {', '.join(allowed)})")
    return use


def use_out(b: Builder, parent: El, use: str) -> None:
    if use == "Scrapped":  # no such ISA-95 code: Other, with the word in OtherValue
        b.sub(parent, "MaterialUse", "Other", OtherValue="Scrapped")
    else:
        b.sub(parent, "MaterialUse", use)


# -- quantities ---------------------------------------------------------------------------

def material_fields(material: El, resolver: Resolver, *, positive: bool) -> dict[str, Any]:
    """Item, lot, sublot (serial), quantity and Gemba unit of a material element."""
    item_el = need(material, "MaterialDefinitionID")
    item = need_text(material, "MaterialDefinitionID")
    if not resolver.item_exists(item):
        fail(item_el, f"item {item!r} is unknown to Gemba")
    quantity = need(material, "Quantity")
    value = quantity_value(need(quantity, "QuantityString"), positive=positive)
    unit_el = need(quantity, "UnitOfMeasure")
    unit_text = need_text(quantity, "UnitOfMeasure")
    unit = resolver.unit_code(unit_text)
    if unit is None:
        fail(unit_el, f"unit {unit_text!r} is unknown to Gemba")
    return {"material_definition_id": item, "quantity": value, "uom": unit,
            "lot_id": first_text(material, "MaterialLotID"),
            "serial_id": first_text(material, "MaterialSubLotID")}


def material_requirement_in(material: El, resolver: Resolver, use: str) -> MaterialRequirement:
    fields = material_fields(material, resolver, positive=True)
    del fields["serial_id"]  # a requirement names no serial
    return build(MaterialRequirement, material, use=use, **fields)


def material_actual_in(material: El, resolver: Resolver, use: str) -> MaterialActual:
    return build(MaterialActual, material, use=use,
                 **material_fields(material, resolver, positive=False))


def equipment_in(actual: El) -> EquipmentActual:
    """Equipment ids Gemba does not know are kept as references, not refused."""
    return build(EquipmentActual, actual, equipment_id=need_text(actual, "EquipmentID"),
                 minutes=minutes_in(actual))


def personnel_in(actual: El) -> PersonnelActual:
    return build(PersonnelActual, actual, person_id=need_text(actual, "PersonID"),
                 minutes=minutes_in(actual))


def material_ids_out(b: Builder, parent: El, item: str, lot: str | None,
                     serial: str | None = None) -> None:
    b.sub(parent, "MaterialDefinitionID", item)
    if lot is not None:
        b.sub(parent, "MaterialLotID", lot)
    if serial is not None:
        b.sub(parent, "MaterialSubLotID", serial)


def quantity_out(b: Builder, parent: El, value: Decimal, unit: str) -> None:
    quantity = b.sub(parent, "Quantity")
    b.sub(quantity, "QuantityString", decimal_text(value))
    b.sub(quantity, "UnitOfMeasure", unit)


def minutes_in(resource: El) -> Decimal:
    """Minutes of an equipment/personnel actual's first Quantity (min, h or s); none: 0."""
    quantity = first(resource, "Quantity")
    if quantity is None:
        return Decimal(0)
    value = quantity_value(need(quantity, "QuantityString"), positive=False)
    unit_el = need(quantity, "UnitOfMeasure")
    unit = need_text(quantity, "UnitOfMeasure")
    factor = TIME_UNITS.get(unit.casefold())
    if factor is None:
        fail(unit_el, f"{unit!r} is not a time unit (use min, h or s)")
    return quantize(value * factor[0] / factor[1], QTY_PLACES)


def value_out(b: Builder, parent: El, value: str, data_type: str, unit: str | None) -> None:
    el = b.sub(parent, "Value")
    b.sub(el, "ValueString", value)
    b.sub(el, "DataType", data_type)
    if unit is not None:
        b.sub(el, "UnitOfMeasure", unit)


def named_values(records: Iterable[El]) -> dict[str, El]:
    """``{"scrapquantity": <Value>}`` for records holding an ID and a Value (first wins)."""
    values: dict[str, El] = {}
    for record in records:
        key = (first_text(record, "ID") or "").casefold()
        value = first(record, "Value")
        if key and value is not None:
            values.setdefault(key, value)
    return values


def decimal_value(values: dict[str, El], name: str, *, minutes: bool = False) -> Decimal | None:
    value = values.get(name.casefold())
    if value is None:
        return None
    number = quantity_value(need(value, "ValueString"), positive=False)
    if minutes:
        unit = first_text(value, "UnitOfMeasure")
        factor = TIME_UNITS.get((unit or MINUTES).casefold())
        if factor is None:
            fail(need(value, "UnitOfMeasure"), f"{unit!r} is not a time unit (use min, h or s)")
        number = quantize(number * factor[0] / factor[1], QTY_PLACES)
    return number


def segment_quantities(values: dict[str, El], materials: Sequence[Any],
                       where: El) -> dict[str, Any]:
    """Good, scrap and rework of a segment response: Gemba's named data when present,
    else the sum of produced (good) and scrapped (scrap) material actuals."""

    def summed(use: str) -> Decimal:
        chosen = [m for m in materials if m.use == use]
        if len({m.uom for m in chosen}) > 1:
            fail(where, f"{use.lower()} materials are in different units: send "
                        f"{GOOD_QUANTITY if use == 'Produced' else SCRAP_QUANTITY}")
        return sum((m.quantity for m in chosen), Decimal(0))

    good = decimal_value(values, GOOD_QUANTITY)
    scrap = decimal_value(values, SCRAP_QUANTITY)
    rework = decimal_value(values, REWORK_QUANTITY)
    reason = values.get(SCRAP_REASON.casefold())
    return {"quantity_good": summed("Produced") if good is None else good,
            "quantity_scrap": summed("Scrapped") if scrap is None else scrap,
            "quantity_rework": rework or Decimal(0),
            "scrap_reason": first_text(reason, "ValueString")}


# -- requests ----------------------------------------------------------------------------

def flatten(segment: El, child_name: str) -> list[El]:
    """A segment and its nested segments, depth first in document order."""
    found = [segment]
    for child in kids(segment, child_name):
        found.extend(flatten(child, child_name))
    return found


_SEGMENT_WORK = ("EquipmentRequirement", "PersonnelRequirement", "ProductionParameter",
                 "SegmentParameter")


def is_request_segment(segment: El, request_id: str) -> bool:
    """Gemba writes the request's own materials into a segment requirement with the
    request's ID and no work (no equipment, personnel or parameters); its children are the
    operations. A foreign segment carrying the request ID but real work is an operation."""
    return first_text(segment, "ID") == request_id and not any(
        kids(segment, name) for name in _SEGMENT_WORK)


def request_in(
    request: El,
    *,
    request_id: str,
    top_segments: list[El],
    child_name: str,
    product_el: El | None,
    read_segment: Callable[[El], SegmentRequirement],
    read_materials: Callable[[El], list[MaterialRequirement]],
    resolver: Resolver,
    **fields: Any,
) -> ProductionRequest:
    """The import rules: the item is the explicit product id (ProductProductionRuleID /
    OperationsDefinitionID), else the produced material's item; the quantity and unit are
    those of the produced material of that item; segment and equipment ids are kept."""
    container: El | None = None
    flat: list[El] = []
    for segment in top_segments:
        if container is None and is_request_segment(segment, request_id):
            container = segment
            for child in kids(segment, child_name):
                flat.extend(flatten(child, child_name))
        else:
            flat.extend(flatten(segment, child_name))
    own = read_materials(container) if container is not None else []
    segments = [read_segment(s) for s in flat]
    produced = [m for m in own if m.use == "Produced"] + [
        m for s in segments for m in s.materials if m.use == "Produced"]
    if product_el is not None:
        product = text(product_el) or ""
        if not resolver.item_exists(product):
            fail(product_el, f"item {product!r} is unknown to Gemba")
    elif produced:
        product = produced[0].material_definition_id
    else:
        fail(request, "names no item: no product id and no produced material")
    output = next((m for m in produced if m.material_definition_id == product), None)
    if output is None:
        fail(request, f"has no produced material of item {product!r} giving its quantity")
    own = [m for m in own if m is not output]
    return build(ProductionRequest, request, id=request_id, product=product,
                 quantity=output.quantity, uom=output.uom, segments=tuple(segments),
                 materials=tuple(own), **fields)


def check_request_out(req: ProductionRequest) -> None:
    if any(s.segment_id == req.id for s in req.segments):
        fail(f"ProductionRequest {req.id}",
             "a segment id equal to the request id cannot be exported: it marks the "
             "request's own segment requirement")



def segment_data_out(b: Builder, parent: El, record: str, response: SegmentResponse) -> None:
    """Good, scrap and rework as named data records (``ScrapQuantity`` as in MESA's own
    examples), written always so a reader needs no derivation."""
    for name, value in ((GOOD_QUANTITY, response.quantity_good),
                        (SCRAP_QUANTITY, response.quantity_scrap),
                        (REWORK_QUANTITY, response.quantity_rework)):
        el = b.sub(parent, record)
        b.sub(el, "ID", name)
        value_out(b, el, decimal_text(value), "decimal", None)
    if response.scrap_reason is not None:
        el = b.sub(parent, record)
        b.sub(el, "ID", SCRAP_REASON)
        value_out(b, el, response.scrap_reason, "string", None)


def descriptions_out(segment: SegmentRequirement) -> list[str]:
    """``Description`` elements of a segment: its name, then its work instructions (the
    name falls back to the segment id so the instructions are always the second)."""
    if segment.instructions is None:
        return [segment.description] if segment.description is not None else []
    return [segment.description or segment.segment_id, segment.instructions]


def descriptions_in(segment: El) -> dict[str, str | None]:
    """The first ``Description`` is the operation's name, any further ones its work
    instructions."""
    found = [t for d in kids(segment, "Description") if (t := text(d))]
    return {"description": found[0] if found else None,
            "instructions": "\n".join(found[1:]) or None}


def personnel_requirements_in(segment: El) -> tuple[PersonnelRequirement, ...]:
    """Every ``PersonnelClassID`` of the segment's ``PersonnelRequirement`` elements: the
    qualifications whoever works on it must hold."""
    return tuple(PersonnelRequirement(personnel_class_id=t)
                 for req in kids(segment, "PersonnelRequirement")
                 for c in kids(req, "PersonnelClassID") if (t := text(c)))


def minutes_parameters(segment: SegmentRequirement) -> list[tuple[str, Decimal]]:
    """The segment's times worth writing (zero is the default and is left out)."""
    return [(name, value) for name, value in ((SETUP_MINUTES, segment.setup_minutes),
                                              (RUN_MINUTES_PER_UNIT, segment.run_minutes_per_unit))
            if value]


def parameter_out(b: Builder, record: El, name: str, minutes: Decimal) -> None:
    b.sub(record, "ID", name)
    value_out(b, record, decimal_text(minutes), "decimal", MINUTES)


def segment_times_in(values: dict[str, El]) -> dict[str, Decimal]:
    return {"setup_minutes": decimal_value(values, SETUP_MINUTES, minutes=True) or Decimal(0),
            "run_minutes_per_unit": decimal_value(values, RUN_MINUTES_PER_UNIT, minutes=True)
            or Decimal(0)}


def performance_span(responses: Iterable[ProductionResponse]) -> tuple[str | None, str | None]:
    """Earliest start and, once every segment ended, latest end of a performance."""
    segments = [s for r in responses for s in r.segments]
    if not segments:
        return None, None
    start = instant_text(min(s.start_time for s in segments))
    ends = [s.end_time for s in segments]
    end = instant_text(max(e for e in ends if e is not None)) if all(ends) else None
    return start, end
