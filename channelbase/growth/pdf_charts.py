"""Place the dashboard's SVG charts in fpdf2 documents (the QBR pack), so the PDF draws the same chart as the page."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

from fpdf import FPDF

from channelbase.growth.charts import Chart

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
# The charts name "DejaVu Sans" first in font-family; fpdf2 looks that name up among the document's fonts,
# so registering under it makes the SVG text use the vendored TTF (which has "…", accents and more).
FAMILY = "DejaVu Sans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Tooltips and accessible names mean nothing on paper and fpdf2 logs a warning for each one it skips.
METADATA_TAGS = {f"{{{SVG_NS}}}title", f"{{{SVG_NS}}}desc"}


def register_fonts(pdf: FPDF) -> str:
    """Add DejaVu Sans (regular and bold) to the document once; return the family name to pass to set_font."""
    for style, filename in FONT_FILES.items():
        if f"{FAMILY.lower()}{style}" not in pdf.fonts:
            pdf.add_font(FAMILY, style, str(FONT_DIR / filename))
    return FAMILY


def draw_chart(pdf: FPDF, chart: Chart, x: float, y: float, width: float) -> float:
    """Draw the chart with its top-left corner at (x, y), `width` wide in the document's unit; return its height."""
    register_fonts(pdf)
    info = pdf.image(io.BytesIO(printable_svg(chart.svg)), x=x, y=y, w=width, alt_text=chart.summary)
    return float(info.rendered_height)


def printable_svg(svg: str) -> bytes:
    """The chart without tooltips, accessible names or links, which fpdf2 cannot use: the same marks and text."""
    root = ET.fromstring(svg)
    _strip(root)
    # fpdf2 recognises SVG bytes by a leading "<svg " or "<?xml "; ElementTree writes "<ns0:svg", so declare.
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _strip(element: ET.Element) -> None:
    for child in list(element):
        if child.tag in METADATA_TAGS:
            element.remove(child)
            continue
        if child.tag == f"{{{SVG_NS}}}a":
            # Drill-down links point into the web app; on paper the mark is kept and the link dropped.
            child.tag = f"{{{SVG_NS}}}g"
            for name in ("href", f"{{{XLINK_NS}}}href"):
                child.attrib.pop(name, None)
        _strip(child)
