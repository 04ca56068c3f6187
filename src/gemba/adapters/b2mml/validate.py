"""Validation of B2MML documents against MESA's official XML Schemas shipped in ``xsd/``."""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

from lxml import etree

from gemba.adapters.b2mml._xml import El, Kind, Version, path_of
from gemba.adapters.b2mml.errors import B2mmlError

XSD_DIR = Path(__file__).parent / "xsd"
SCHEMA_FILES: dict[tuple[Version, Kind], str] = {
    ("V0600", "schedule"): "v0600/B2MML-V0600-ProductionSchedule.xsd",
    ("V0600", "performance"): "v0600/B2MML-V0600-ProductionPerformance.xsd",
    ("V0701", "schedule"): "v0701/B2MML-OperationsSchedule.xsd",
    ("V0701", "performance"): "v0701/B2MML-OperationsPerformance.xsd",
}
MAX_REPORTED = 5
_NAMESPACE = re.compile(r"\{[^}]*\}")
_lock = threading.Lock()  # one validation at a time: a schema's error log is shared state


@cache
def schema(version: Version, kind: Kind) -> etree.XMLSchema:
    """The compiled schema, loaded once per process from the packaged files only."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD_DIR / SCHEMA_FILES[(version, kind)]), parser))


def validate(doc: El | etree._ElementTree, version: Version, kind: Kind) -> None:
    """Raise B2mmlError naming the first offending element and listing the first schema
    errors with their line numbers."""
    xsd = schema(version, kind)
    tree = doc if isinstance(doc, etree._ElementTree) else doc.getroottree()
    with _lock:
        if xsd.validate(tree):
            return
        errors = list(xsd.error_log)[:MAX_REPORTED]
    where = ""
    if errors and errors[0].path:
        try:
            found = tree.xpath(errors[0].path)
        except etree.XPathError:
            found = []
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            where = path_of(found[0])
    details = "; ".join(f"line {e.line}: {_NAMESPACE.sub('', e.message)}" for e in errors)
    raise B2mmlError(f"does not match the B2MML {version} {kind} schema: {details}", where)
