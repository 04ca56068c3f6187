"""B2MML (ISA-95 XML, MESA International) import and export of Gemba's ISA-95 messages.

I/O only: pure translation between B2MML V0600/V0701 documents and
``gemba.contracts.isa95`` models, validated against MESA's official schemas (``xsd/``).
It never touches the database; imports ask a :class:`Resolver` about items and units.
"""

from gemba.adapters.b2mml.convert import from_xml, to_xml
from gemba.adapters.b2mml.detect import detect
from gemba.adapters.b2mml.errors import B2mmlError
from gemba.adapters.b2mml.resolver import MemoryResolver, Resolver
from gemba.adapters.b2mml.secure import parse
from gemba.adapters.b2mml.validate import validate

ATTRIBUTION = ("The Business To Manufacturing Markup Language (B2MML) is used courtesy of "
               "MESA International.")

__all__ = [
    "ATTRIBUTION",
    "B2mmlError",
    "MemoryResolver",
    "Resolver",
    "detect",
    "from_xml",
    "parse",
    "to_xml",
    "validate",
]
