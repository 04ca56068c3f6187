"""Lot and serial labels: a QR code (segno) and a Code 128 barcode (python-barcode's SVG
writer) of the code, with item, code, quantity and date in text, composed into ONE SVG sized
in millimetres (100 x 62 mm, a common label roll; the browser prints it to any printer or
PDF). One file, no fonts or images to fetch, so a label prints the same on any station."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import barcode
import segno
from barcode.writer import SVGWriter

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH_MM, HEIGHT_MM = 100, 62
MARGIN = 3.0
QR_SIZE = 36.0
BAR_TOP, BAR_HEIGHT = 43.0, 12.5
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

ET.register_namespace("", SVG_NS)


def _tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Label:
    """What a label says. ``kind`` is ``lot`` or ``serial`` (the caption of the code)."""

    item: str
    code: str
    day: date
    kind: str = "lot"
    qty: Decimal | None = None
    uom: str = ""
    work_order: str | None = None


def _mm(raw: str | None) -> float:
    return float((raw or "0").removesuffix("mm"))


def qr_element(text: str, x: float, y: float, size: float) -> ET.Element:
    """segno's SVG of ``text`` (a full QR code, never a Micro QR that phones do not read;
    error level M, 2-module quiet zone), scaled into a square."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=1,
                                     border=2, svgclass=None, lineclass=None)
    source = ET.fromstring(out.getvalue())  # noqa: S314 - our own writer's output
    side = source.get("width", "0")
    box = ET.Element(_tag("svg"), {"x": _num(x), "y": _num(y), "width": _num(size),
                                   "height": _num(size), "viewBox": f"0 0 {side} {side}",
                                   "shape-rendering": "crispEdges"})
    box.append(ET.Element(_tag("rect"), {"width": side, "height": side, "fill": "#fff"}))
    box.extend(list(source))
    return box


def code128_element(text: str, x: float, y: float, width: float,
                    height: float) -> ET.Element:
    """python-barcode's Code 128 SVG of ``text``: its bars (drawn in mm) stretched to fill
    ``width`` x ``height``; the quiet zone is part of the drawing."""
    out = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(out, options={
        "write_text": False, "module_width": 0.3, "module_height": 10.0, "quiet_zone": 3.0,
        "margin_top": 0.0, "margin_bottom": 0.0})
    source = ET.fromstring(out.getvalue())  # noqa: S314 - our own writer's output
    drawn_w, drawn_h = _mm(source.get("width")), _mm(source.get("height"))
    box = ET.Element(_tag("svg"), {
        "x": _num(x), "y": _num(y), "width": _num(width), "height": _num(height),
        "viewBox": f"0 0 {_num(drawn_w)} {_num(drawn_h)}", "preserveAspectRatio": "none",
        "shape-rendering": "crispEdges"})
    box.append(ET.Element(_tag("rect"), {"width": _num(drawn_w), "height": _num(drawn_h),
                                         "fill": "#fff"}))
    for bar in source.iter(_tag("rect")):
        if bar.get("width", "").endswith("%"):
            continue  # the writer's white background
        box.append(ET.Element(_tag("rect"), {
            "x": _num(_mm(bar.get("x"))), "y": _num(_mm(bar.get("y"))),
            "width": _num(_mm(bar.get("width"))), "height": _num(_mm(bar.get("height"))),
            "fill": "#000"}))
    return box


def _text(parent: ET.Element, x: float, y: float, text: str, size: float, *,
          bold: bool = False, anchor: str = "start", fill: str = "#000") -> None:
    attrs = {"x": _num(x), "y": _num(y), "font-size": _num(size), "font-family": FONT,
             "fill": fill, "text-anchor": anchor}
    if bold:
        attrs["font-weight"] = "700"
    ET.SubElement(parent, _tag("text"), attrs).text = text


def _quantity(label: Label) -> str:
    if label.qty is None:
        return ""
    qty = format(label.qty.normalize(), "f") if label.qty else "0"
    return f"{qty} {label.uom}".strip()


def label_svg(label: Label) -> str:
    """The whole label as a standalone SVG document."""
    root = ET.Element(_tag("svg"), {
        "version": "1.1", "width": f"{WIDTH_MM}mm", "height": f"{HEIGHT_MM}mm",
        "viewBox": f"0 0 {WIDTH_MM} {HEIGHT_MM}", "role": "img"})
    ET.SubElement(root, _tag("title")).text = f"{label.item} {label.kind} {label.code}"
    ET.SubElement(root, _tag("rect"), {
        "x": "0.5", "y": "0.5", "width": _num(WIDTH_MM - 1), "height": _num(HEIGHT_MM - 1),
        "rx": "2", "fill": "#fff", "stroke": "#000", "stroke-width": "0.4"})
    root.append(qr_element(label.code, MARGIN, MARGIN, QR_SIZE))
    left = MARGIN + QR_SIZE + 3
    y = MARGIN + 2.6
    for caption, value in (("ITEM", label.item), (label.kind.upper(), label.code)):
        _text(root, left, y, caption, 2.3, fill="#555")
        _text(root, left, y + 5.9, value, 5.5, bold=True)
        y += 9.9
    lines = [("Qty", _quantity(label)), ("Date", label.day.isoformat()),
             ("Work order", label.work_order or "")]
    y += 2.1
    for caption, value in lines:
        if value:
            _text(root, left, y, f"{caption}: {value}", 3.6)
            y += 5.0
    root.append(code128_element(label.code, MARGIN, BAR_TOP, WIDTH_MM - 2 * MARGIN,
                                BAR_HEIGHT))
    _text(root, WIDTH_MM / 2, HEIGHT_MM - 2.3, label.code, 3.4, anchor="middle")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")
