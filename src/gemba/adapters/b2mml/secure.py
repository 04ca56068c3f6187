"""Parsing untrusted B2MML safely: no DTD, no entities, no network, bounded size.

B2MML needs no DOCTYPE, so any document carrying one is refused outright; this rules out
entity expansion bombs ("billion laughs") and external entities (``file:///etc/passwd``,
``http://...``) whatever the parser would have done with them.
"""

from __future__ import annotations

import re

from lxml import etree

from gemba.adapters.b2mml.errors import B2mmlError

MAX_BYTES = 16 * 1024 * 1024
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_MARKUP_TEXT = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _parser() -> etree.XMLParser:
    # A parser per call: lxml parsers keep state and are not meant to be shared by threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def _has_dtd_markup(data: bytes) -> bool:
    encoding = ("utf-16" if data.startswith(_UTF16_BOMS) else
                "utf-16-le" if data.startswith(b"<\x00") else
                "utf-16-be" if data.startswith(b"\x00<") else None)
    if encoding is not None:
        return _DTD_MARKUP_TEXT.search(data.decode(encoding, errors="replace")) is not None
    # UTF-8 and ASCII-compatible encodings; others (UTF-32) meet the check after parsing.
    return _DTD_MARKUP.search(data) is not None


def parse(data: bytes) -> etree._Element:
    """The root element of ``data``. Accepts a UTF-8 BOM, CRLF line ends, comments and any
    namespace prefix; refuses a DOCTYPE, malformed XML and documents over MAX_BYTES."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError("parse() takes the document as bytes")
    data = bytes(data)
    if not data.strip():
        raise B2mmlError("the document is empty")
    if len(data) > MAX_BYTES:
        raise B2mmlError(f"the document is larger than {MAX_BYTES} bytes")
    if _has_dtd_markup(data):
        raise B2mmlError("a DOCTYPE or entity declaration is not allowed in B2MML documents")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise B2mmlError(f"not well-formed XML: {exc.msg} (line {exc.lineno})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise B2mmlError("a DOCTYPE is not allowed in B2MML documents")
    return root
