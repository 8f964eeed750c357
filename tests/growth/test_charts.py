"""The SVG charts: well-formed, linked for drill-down, escaped, drawn to scale, and rendered the same in a PDF."""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from channelbase.growth import charts
from channelbase.growth.charts import Mark
from channelbase.growth.pdf_charts import draw_chart, register_fonts

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
NS = {"svg": SVG}
HOSTILE = 'Comércio & Cia <Ltda> "Norte"'
MONTHS = ["Jan", "Feb", "Mar"]


def money(value: Decimal) -> str:
    return f"{value:,.0f}"


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def mark(root: ET.Element, label: str, series: str | None = None) -> ET.Element:
    found = [element for element in root.iter() if element.get("data-label") == label
             and (series is None or element.get("data-series") == series)]
    assert len(found) == 1, f"expected one mark labelled {label!r}, found {len(found)}"
    return found[0]


def bar(element: ET.Element) -> ET.Element:
    rect = element.find("svg:rect[@class='chart-bar']", NS)
    assert rect is not None
    return rect


def geometry(rect: ET.Element, *names: str) -> list[float]:
    return [float(rect.get(name, "nan")) for name in names]


def tooltip(element: ET.Element) -> str:
    return element.findtext("svg:title", default="", namespaces=NS)


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{{{SVG}}}text")]


def every_kind(bars: list[Mark]) -> list[charts.Chart]:
    prior = [Mark(m.label, m.value, m.href) for m in bars]
    return [
        charts.progress_bars("Attainment", bars, {m.label: Decimal(1000) for m in bars}, money),
        charts.columns_vs_prior("Bookings", [m.label for m in bars], bars, prior, money, "FY2026", "FY2025"),
        charts.funnel("Pipeline", bars, money),
        charts.horizontal_bars("Top partners", bars, money),
    ]


SAMPLE = [Mark("São Paulo", Decimal("840.75"), "/deals?territory=1", "12 deals"), Mark("Lisboa", 300),
          Mark("Rio", 125.25, "/deals?territory=3")]


@pytest.mark.parametrize("chart", every_kind(SAMPLE), ids=lambda chart: chart.title)
def test_each_kind_is_an_accessible_svg_without_scripts_or_inline_styles(chart):
    root = parse(chart)
    assert root.tag == f"{{{SVG}}}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS).text == chart.title
    assert root.find(f"svg:desc[@id='{desc_id}']", NS).text == chart.summary
    assert chart.summary.startswith(chart.title) and chart.summary.endswith(".")
    assert not [element for element in root.iter() if element.tag.endswith("script") or "style" in element.attrib]
    assert 'xmlns:xlink="http://www.w3.org/1999/xlink"' in chart.svg


@pytest.mark.parametrize("chart", every_kind(SAMPLE), ids=lambda chart: chart.title)
def test_linked_marks_point_at_their_list_and_the_rest_are_not_links(chart):
    root = parse(chart)
    link = mark(root, "São Paulo", "current" if "Bookings" in chart.title else None)
    assert link.tag == f"{{{SVG}}}a"
    assert link.get("href") == link.get(f"{{{XLINK}}}href") == "/deals?territory=1"
    assert link.get("class") == "chart-link"
    unlinked = mark(root, "Lisboa", "current" if "Bookings" in chart.title else None)
    assert unlinked.tag == f"{{{SVG}}}g"
    assert unlinked.get("href") is None


@pytest.mark.parametrize("chart", every_kind(SAMPLE), ids=lambda chart: chart.title)
def test_tooltips_give_the_label_the_formatted_value_and_the_note(chart):
    root = parse(chart)
    series = "current" if "Bookings" in chart.title else None
    assert "São Paulo" in tooltip(mark(root, "São Paulo", series))
    assert "841" in tooltip(mark(root, "São Paulo", series))       # 840.75 through the page's formatter
    assert "12 deals" in tooltip(mark(root, "São Paulo", series))
    assert "125" in tooltip(mark(root, "Rio", series))


def test_hostile_labels_and_links_are_escaped():
    evil = "</text></svg><script>alert(1)</script>"
    bars = [Mark(HOSTILE, 500, '/deals?partner=Comércio & Cia&note="x"'), Mark(evil, 200)]
    for chart in [*every_kind(bars), charts.progress_bars(HOSTILE, bars, {HOSTILE: Decimal(900)}, money)]:
        root = parse(chart)                                        # well-formed despite the labels
        linked = mark(root, HOSTILE, "current" if chart.title == "Bookings" else None)
        assert linked.get("href") == '/deals?partner=Comércio & Cia&note="x"'
        assert HOSTILE in tooltip(linked)
        assert not list(root.iter(f"{{{SVG}}}script"))
        assert "<Ltda>" not in chart.svg and "<script>" not in chart.svg


def test_control_characters_pasted_from_spreadsheets_do_not_break_the_svg():
    chart = charts.horizontal_bars("Top\x0b partners", [Mark("Acme\x0bLtda\x00", 10, "/p?q=\x1f1")], money)
    root = parse(chart)
    assert mark(root, "AcmeLtda").get("href") == "/p?q=1"
    assert "AcmeLtda" in texts(root)


def test_long_labels_are_cut_with_an_ellipsis_and_kept_whole_in_the_tooltip():
    name = "Distribuidora Nacional de Equipamentos Eletrônicos do Nordeste"
    root = parse(charts.horizontal_bars("Top partners", [Mark(name, 10)], money))
    row = mark(root, name)
    shown = [text for text in texts(row) if text.startswith("Distribuidora")]
    assert shown and shown[0].endswith("…") and len(shown[0]) < len(name)
    assert name in tooltip(row)


def test_bar_lengths_are_proportional_to_values():
    root = parse(charts.horizontal_bars("Top partners", [Mark("A", Decimal("300")), Mark("B", 100.0)], money))
    (wide,), (narrow,) = geometry(bar(mark(root, "A")), "width"), geometry(bar(mark(root, "B")), "width")
    assert wide == pytest.approx(3 * narrow, abs=0.2)


def test_negative_bars_draw_left_of_the_zero_axis_in_red():
    root = parse(charts.horizontal_bars("Change", [Mark("Up", 400), Mark("Down", -100)], money))
    axis = root.find("svg:line[@class='chart-zero']", NS)
    zero = float(axis.get("x1"))
    up_x, up_width = geometry(bar(mark(root, "Up")), "x", "width")
    down = bar(mark(root, "Down"))
    down_x, down_width = geometry(down, "x", "width")
    assert up_x == zero and up_width > 0
    assert down_x + down_width == pytest.approx(zero, abs=0.1) and down_x < zero
    assert down.get("fill") == charts.NEGATIVE != bar(mark(root, "Up")).get("fill")
    assert up_width == pytest.approx(4 * down_width, abs=0.2)
    assert "-100" in texts(mark(root, "Down"))


def test_the_target_tick_sits_at_the_quota_and_the_percentage_is_printed():
    chart = charts.progress_bars("Attainment", [Mark("EMEA", 800, "/x"), Mark("APAC", 50)],
                                 {"EMEA": Decimal(2000)}, money)
    root = parse(chart)
    emea = mark(root, "EMEA")
    x, width = geometry(bar(emea), "x", "width")
    tick = float(emea.find("svg:line[@class='chart-target']", NS).get("x1"))
    assert tick - x == pytest.approx(width * 2000 / 800, abs=0.2)
    assert tick <= float(root.get("width"))                        # the axis stretches to the larger target
    assert "40 %" in texts(emea) and "40 % of target" in tooltip(emea)
    apac = mark(root, "APAC")
    assert apac.find("svg:line[@class='chart-target']", NS) is None
    assert not [text for text in texts(apac) if text.endswith("%")]


def test_columns_put_each_prior_month_beside_the_current_one_on_round_gridlines():
    current = [Mark(m, v, f"/deals?month={m}") for m, v in zip(MONTHS, [120, 0, 60])]
    prior = [Mark(m, v) for m, v in zip(MONTHS, [30, 90, 60])]
    root = parse(charts.columns_vs_prior("Bookings", MONTHS, current, prior, money, "FY2026", "FY2025"))
    jan_now, jan_before = bar(mark(root, "Jan", "current")), bar(mark(root, "Jan", "prior"))
    assert float(jan_before.get("x")) < float(jan_now.get("x"))
    assert float(jan_now.get("height")) == pytest.approx(4 * float(jan_before.get("height")), abs=0.2)
    assert jan_now.get("fill") == charts.CURRENT and jan_before.get("fill") == charts.PRIOR
    assert float(bar(mark(root, "Feb", "current")).get("height")) == 0
    assert {"FY2026", "FY2025", "0", "50", "100", "150"} <= set(texts(root))
    assert "Mar FY2025: 60" in tooltip(mark(root, "Mar", "prior"))


def test_columns_refuse_series_that_do_not_match_the_categories():
    with pytest.raises(ValueError, match="one current and one prior mark per category"):
        charts.columns_vs_prior("Bookings", MONTHS, [Mark("Jan", 1)], [], money, "FY2026", "FY2025")


def test_funnel_stages_are_centred_and_as_wide_as_their_share_of_the_largest():
    root = parse(charts.funnel("Pipeline", [Mark("Prospect", 1000), Mark("Proposal", 250)], money))
    wide_x, wide = geometry(bar(mark(root, "Prospect")), "x", "width")
    narrow_x, narrow = geometry(bar(mark(root, "Proposal")), "x", "width")
    assert wide == pytest.approx(4 * narrow, abs=0.2)
    assert wide_x + wide / 2 == pytest.approx(narrow_x + narrow / 2, abs=0.1)


@pytest.mark.parametrize("bars", [[], [Mark("A", 0), Mark("B", Decimal("0.00"))]], ids=["no marks", "all zero"])
def test_empty_data_draws_a_no_data_message(bars):
    for chart in every_kind(bars)[1:] + [charts.progress_bars("Attainment", bars, None, money)]:
        root = parse(chart)
        assert "No data for this period" in texts(root)
        assert not list(root.iter(f"{{{SVG}}}rect"))
        assert "no data" in chart.summary


def test_output_is_deterministic_and_coordinates_have_at_most_one_decimal():
    thirds = [Mark("A", Decimal(1)), Mark("B", Decimal(3)), Mark("C", Decimal(7))]
    first, second = every_kind(thirds), every_kind(thirds)
    assert [chart.svg for chart in first] == [chart.svg for chart in second]
    assert len({parse(chart).get("aria-labelledby") for chart in first}) == 4   # unique ids on a shared page
    for chart in first:
        numbers = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]+)"', chart.svg)
        assert numbers and all(re.fullmatch(r"-?\d+(\.\d)?", number) for number in numbers)


def test_a_pdf_draws_both_charts_with_their_accented_labels_and_values(caplog):
    pdf = FPDF()
    pdf.add_page()
    assert register_fonts(pdf) == "DejaVu Sans"
    attainment = charts.progress_bars("Attainment by territory", [Mark("São Paulo", Decimal("840000"), "/d?t=1")],
                                      {"São Paulo": Decimal(1000000)}, money)
    change = charts.horizontal_bars("Change vs last year", [Mark("Comércio & Cia", -80000, "/p/1"),
                                                            Mark("Distribuidora Nacional do Nordeste Ltda", 5)],
                                    money)
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        height = draw_chart(pdf, attainment, 10, 10, 180)
        draw_chart(pdf, change, 10, 20 + height, 180)
    root = parse(attainment)
    assert height == pytest.approx(180 * float(root.get("height")) / float(root.get("width")))
    assert not caplog.records                                      # every construct used was drawn, none skipped
    text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    for expected in ("Attainment by territory", "São Paulo", "840,000", "84 %", "Comércio & Cia", "-80,000"):
        assert expected in text
    assert re.search(r"Distribuidora Nac\w*… 5", text)            # the ellipsis needs the embedded DejaVu font
