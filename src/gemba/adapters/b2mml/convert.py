"""One entry point for front doors: read any supported B2MML message, write either version."""

from __future__ import annotations

from gemba.adapters.b2mml import v0600, v0701
from gemba.adapters.b2mml._xml import Version
from gemba.adapters.b2mml.detect import detect
from gemba.adapters.b2mml.resolver import Resolver
from gemba.contracts.isa95 import ProductionPerformance, ProductionSchedule

_MODULES = {"V0600": v0600, "V0701": v0701}


def from_xml(data: bytes, resolver: Resolver) -> ProductionSchedule | ProductionPerformance:
    """The message in ``data``, whichever version and kind it is (see :func:`detect`)."""
    version, kind = detect(data)
    module = _MODULES[version]
    if kind == "schedule":
        return module.schedule_from_xml(data, resolver)
    return module.performance_from_xml(data, resolver)


def to_xml(message: ProductionSchedule | ProductionPerformance, version: Version) -> bytes:
    module = _MODULES[version]
    if isinstance(message, ProductionSchedule):
        return module.schedule_to_xml(message)
    return module.performance_to_xml(message)
