"""Which B2MML version and message a document is, from its root element and namespace."""

from __future__ import annotations

from lxml import etree

from gemba.adapters.b2mml._xml import NAMESPACES, El, Kind, Version, fail, kids, local
from gemba.adapters.b2mml.secure import parse

# Verbs Gemba imports: Process (act on this) and Sync/Change (the owner's current data).
VERBS = ("Process", "Sync", "Change")
_NOUN_KIND: dict[tuple[Version, str], Kind] = {
    ("V0600", "ProductionSchedule"): "schedule",
    ("V0600", "ProductionPerformance"): "performance",
    ("V0701", "OperationsSchedule"): "schedule",
    ("V0701", "OperationsPerformance"): "performance",
}
_VERSION_OF_NS = {ns: version for version, ns in NAMESPACES.items()}


def detect_root(root: El) -> tuple[Version, Kind]:
    ns = etree.QName(root).namespace
    version = _VERSION_OF_NS.get(ns or "")
    if version is None:
        fail(local(root), f"namespace {ns!r} is not B2MML V0600 "
                          f"({NAMESPACES['V0600']}) or V0701 ({NAMESPACES['V0701']})")
    name = local(root)
    for verb in VERBS:
        kind = _NOUN_KIND.get((version, name.removeprefix(verb)))
        if name.startswith(verb) and kind is not None:
            return version, kind
    supported = ", ".join(f"{verb}{noun}" for (v, noun) in _NOUN_KIND if v == version
                          for verb in VERBS)
    fail(name, f"{name} is not a message Gemba imports (supported: {supported})")


def detect(data: bytes) -> tuple[Version, Kind]:
    """``("V0600", "schedule")`` for a ProcessProductionSchedule, and so on."""
    return detect_root(parse(data))


def check_verb(root: El) -> None:
    """A Sync/Change that deletes is not an import: cancel a request through its state."""
    for data_area in kids(root, "DataArea"):
        for verb in data_area[:1]:
            for criteria in kids(verb, "ActionCriteria"):
                for expression in kids(criteria, "ActionExpression"):
                    if (expression.get("actionCode") or "").strip() == "Delete":
                        fail(expression, "actionCode Delete is not supported: send the "
                                         "request with state Cancelled instead")
