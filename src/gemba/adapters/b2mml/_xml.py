"""Low-level XML helpers shared by both B2MML versions: elements by local name, readable
element paths for error messages, exact numbers and UTC times in and out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, NoReturn

from lxml import etree

from gemba.adapters.b2mml.errors import B2mmlError

Version = Literal["V0600", "V0701"]
Kind = Literal["schedule", "performance"]
El = etree._Element

NAMESPACES: dict[Version, str] = {
    "V0600": "http://www.mesa.org/xml/B2MML-V0600",
    "V0701": "http://www.mesa.org/xml/B2MML",
}

# The message nouns: element paths are given relative to them, as a user reads the document.
NOUNS = frozenset({"ProductionSchedule", "ProductionPerformance", "OperationsSchedule",
                   "OperationsPerformance"})
# Repeatable records: their paths carry a 1-based index (``SegmentRequirement[1]``).
RECORDS = frozenset({
    "ProductionRequest", "OperationsRequest", "SegmentRequirement", "SegmentRequirementChild",
    "MaterialRequirement", "MaterialProducedRequirement", "MaterialConsumedRequirement",
    "ConsumableExpectedRequirement", "EquipmentRequirement", "PersonnelRequirement",
    "ProductionParameter", "SegmentParameter", "ProductionResponse", "OperationsResponse",
    "SegmentResponse", "SegmentResponseChild", "MaterialActual", "MaterialProducedActual",
    "MaterialConsumedActual", "ConsumableActual", "EquipmentActual", "PersonnelActual",
    "ProductionData", "SegmentData",
})
QTY_PLACES = 6


def local(el: El) -> str:
    return etree.QName(el).localname


def kids(el: El, name: str) -> list[El]:
    """Child elements called ``name`` (any namespace prefix), in document order."""
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def first(el: El | None, name: str) -> El | None:
    if el is None:
        return None
    found = kids(el, name)
    return found[0] if found else None


def text(el: El | None) -> str | None:
    """The stripped text of ``el``; None when absent or empty."""
    if el is None:
        return None
    value = (el.text or "").strip()
    return value or None


def first_text(el: El | None, name: str) -> str | None:
    return text(first(el, name))


def path_of(el: El) -> str:
    """``ProductionRequest[2]/SegmentRequirement[1]/.../Quantity/QuantityString``: the path
    below the message noun (or below the root, for the ApplicationArea)."""
    steps: list[str] = []
    node: El | None = el
    while node is not None:
        parent = node.getparent()
        name = local(node)
        if parent is None or (name in NOUNS and local(parent) == "DataArea"):
            break
        if name in RECORDS:
            index = 1 + sum(1 for s in node.itersiblings(preceding=True)
                            if isinstance(s.tag, str) and local(s) == name)
            steps.append(f"{name}[{index}]")
        else:
            steps.append(name)
        node = parent
    return "/".join(reversed(steps)) or local(el)


def fail(where: El | str, message: str) -> NoReturn:
    raise B2mmlError(message, where if isinstance(where, str) else path_of(where))


def need(parent: El, name: str) -> El:
    found = first(parent, name)
    if found is None:
        fail(f"{path_of(parent)}/{name}", f"{name} is missing")
    return found


def need_text(parent: El, name: str) -> str:
    el = need(parent, name)
    value = text(el)
    if value is None:
        fail(el, f"{name} is empty")
    return value


def number(el: El) -> Decimal:
    """The exact decimal in ``el``; anything else names the element."""
    raw = text(el) or ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        fail(el, f"{raw!r} is not a number")
    if not value.is_finite():
        fail(el, f"{raw!r} is not a finite number")
    return value


def quantity_value(el: El, *, positive: bool) -> Decimal:
    """A quantity as Gemba stores it: finite, at most six decimals, > 0 or >= 0."""
    value = number(el)
    if positive and value <= 0:
        fail(el, f"{text(el)!r}: the quantity must be greater than 0")
    if value < 0:
        fail(el, f"{text(el)!r}: the quantity must not be negative")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QTY_PLACES:
        fail(el, f"{text(el)!r} has more than {QTY_PLACES} decimal places")
    return value


def integer(el: El, attribute: str | None = None, *, minimum: int | None = None) -> int:
    """The whole number in ``el`` (or in its ``attribute``)."""
    raw = (text(el) if attribute is None else el.get(attribute, "").strip()) or ""
    where = path_of(el) if attribute is None else f"{path_of(el)}/@{attribute}"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        fail(where, f"{raw!r} is not a whole number")
    if not value.is_finite() or value != value.to_integral_value():
        fail(where, f"{raw!r} is not a whole number")
    if minimum is not None and value < minimum:
        fail(where, f"{raw!r} must be at least {minimum}")
    return int(value)


def optional_integer(el: El | None, attribute: str | None = None, *, default: int,
                     minimum: int | None = None) -> int:
    """Like :func:`integer`, ``default`` when the element or attribute is absent."""
    if el is None or (attribute is not None and el.get(attribute) is None):
        return default
    return integer(el, attribute, minimum=minimum)


def instant(el: El) -> datetime:
    """An ``xsd:dateTime`` with a time zone, as UTC; a time without zone is refused."""
    raw = text(el) or ""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        fail(el, f"{raw!r} is not a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        fail(el, f"{raw!r} has no time zone (write e.g. {raw}Z for UTC)")
    return value.astimezone(UTC)


def instant_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decimal_text(value: Decimal) -> str:
    """``Decimal("450.000000")`` -> ``"450"``: exact, without exponent or trailing zeros."""
    return format(value.normalize(), "f")


class Builder:
    """Writes elements of one B2MML version's namespace, as the default namespace."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.ns = NAMESPACES[version]

    def root(self, name: str) -> El:
        return etree.Element(f"{{{self.ns}}}{name}", nsmap={None: self.ns},  # type: ignore[dict-item]
                             releaseID=self.version)

    def sub(self, parent: El, name: str, value: str | None = None, **attrs: str) -> El:
        el = etree.SubElement(parent, f"{{{self.ns}}}{name}", attrs)
        if value is not None:
            el.text = value
        return el
