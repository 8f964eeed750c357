"""Server-rendered SVG charts: one definition inlined in the dashboard pages and embedded in the QBR PDF.

The SVG uses only presentation attributes (no CSS, no script) and a small element set (svg, g, a, title,
desc, rect, line, text) so browsers and fpdf2 draw it the same way, and the Content-Security-Policy holds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

Number = Decimal | int | float
Formatter = Callable[[Decimal], str]

WIDTH = 640
FONT = "DejaVu Sans, Arial, sans-serif"
CURRENT = "#2563eb"
PRIOR = "#9ca3af"
TARGET = "#d97706"
NEGATIVE = "#dc2626"
INK = "#111827"
MUTED = "#4b5563"
GRID = "#e5e7eb"
TITLE_HEIGHT = 30
ROW_HEIGHT = 28
BAR_HEIGHT = 16
LABEL_WIDTH = 150
EMPTY_MESSAGE = "No data for this period"
# Control characters (pasted from spreadsheets) are not allowed anywhere in XML 1.0, even escaped.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Mark:
    label: str
    value: Decimal | int | float
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    summary: str


@dataclass(frozen=True)
class _Plot:
    left: float
    top: float
    right: float
    bottom: float


# --- drawing primitives ---------------------------------------------------------------------------------------

def _num(value: float) -> str:
    """A coordinate with at most one decimal, so output is stable and compact."""
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _escape(value: str) -> str:
    return escape(XML_FORBIDDEN.sub("", value))


def _attr(value: str) -> str:
    return escape(XML_FORBIDDEN.sub("", value), {'"': "&quot;"})


def _rect(x: float, y: float, width: float, height: float, fill: str, hook: str = "chart-bar") -> str:
    return (f'<rect class="{hook}" x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" '
            f'fill="{fill}"/>')


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, hook: str = "") -> str:
    hook_attr = f' class="{hook}"' if hook else ""
    return (f'<line{hook_attr} x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" '
            f'stroke-width="{_num(width)}"/>')


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start", fill: str = INK,
          bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-family="{FONT}" font-size="{size}"{weight} fill="{fill}" '
            f'text-anchor="{anchor}">{_escape(content)}</text>')


def _text_width(text: str, size: int) -> float:
    """Rough advance width in DejaVu Sans (the widest of the fonts we name), to truncate and place labels."""
    em = 0.0
    for char in text:
        if char in "il.,:;'|!() ":
            em += 0.32
        elif char in "mwMW%":
            em += 0.98
        elif char.isupper():
            em += 0.72
        else:
            em += 0.63
    return em * size


def _fit(text: str, width: float, size: int = 12) -> str:
    """The label cut with "…" to fit the width; the full label stays in the tooltip."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _tooltip(*parts: str) -> str:
    return "<title>" + _escape(" · ".join(part for part in parts if part)) + "</title>"


def _mark_group(mark: Mark, tooltip: str, body: str, series: str = "") -> str:
    """Wrap one mark's shapes so the whole mark is the drill-down link and carries the hover tooltip."""
    series_attr = f' data-series="{series}"' if series else ""
    label_attr = f'data-label="{_attr(mark.label)}"{series_attr}'
    if mark.href is None:
        return f'<g class="chart-mark" {label_attr}>{tooltip}{body}</g>'
    href = _attr(mark.href)
    return f'<a href="{href}" xlink:href="{href}" class="chart-link" {label_attr}>{tooltip}{body}</a>'


def _document(title: str, summary: str, height: float, body: str) -> Chart:
    # ids must be unique when several charts share a page, yet stable for the same chart.
    digest = hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()[:10]
    chart_id = f"chart-{digest}"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'viewBox="0 0 {WIDTH} {_num(height)}" width="{WIDTH}" height="{_num(height)}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
           f'<title id="{chart_id}-title">{_escape(title)}</title><desc id="{chart_id}-desc">{_escape(summary)}</desc>'
           f'{_text(0, 18, _fit(title, WIDTH * 0.9, 14), size=14, bold=True)}{body}</svg>')
    return Chart(title=title, svg=svg, summary=summary)


def _empty(title: str) -> Chart:
    message = _text(WIDTH / 2, TITLE_HEIGHT + 40, EMPTY_MESSAGE, size=13, anchor="middle", fill=MUTED)
    return _document(title, f"{title}: {EMPTY_MESSAGE.lower()}.", TITLE_HEIGHT + 70, message)


# --- scales ---------------------------------------------------------------------------------------------------

def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _nice_step(raw: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `raw`, so gridlines and axis ends are round numbers."""
    magnitude = Decimal(10) ** raw.adjusted()
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _nice_max(largest: Decimal, ticks: int = 4) -> tuple[Decimal, Decimal]:
    """(axis maximum, gridline step) for values up to `largest`; (0, 0) when there is nothing to draw."""
    if largest <= 0:
        return Decimal(0), Decimal(0)
    step = _nice_step(largest / ticks)
    return step * (largest / step).to_integral_value(ROUND_CEILING), step


def _percent(value: Decimal, target: Decimal) -> Decimal:
    return (value * 100 / target).quantize(Decimal(1), ROUND_HALF_UP)


def _value_label(start: float, end: float, y: float, text: str, outer_limit: float) -> str:
    """The value just past the bar's end, or inside it in white when it would run past `outer_limit`."""
    width = _text_width(text, 11)
    if end >= start:
        if end + 4 + width <= outer_limit or end - start < width + 8:
            return _text(end + 4, y, text, size=11, fill=INK)
        return _text(end - 4, y, text, size=11, anchor="end", fill="#ffffff")
    if end - 4 - width >= outer_limit or start - end < width + 8:
        return _text(end - 4, y, text, size=11, anchor="end", fill=INK)
    return _text(end + 4, y, text, size=11, fill="#ffffff")


def _scale(value: Decimal, axis_max: Decimal, width: float) -> float:
    return float(value) / float(axis_max) * width if axis_max else 0.0


def _row_geometry(index: int, row_height: int = ROW_HEIGHT) -> tuple[float, float]:
    """(bar top, text baseline) of the index-th row below the title."""
    top = TITLE_HEIGHT + 8 + index * row_height + (row_height - BAR_HEIGHT) / 2
    return top, top + BAR_HEIGHT / 2 + 4


def _row_label(label: str, baseline: float) -> str:
    return _text(LABEL_WIDTH, baseline, _fit(label, LABEL_WIDTH - 4), anchor="end")


# --- charts ---------------------------------------------------------------------------------------------------

def progress_bars(title: str, bars: list[Mark], targets: dict[str, Decimal] | None, fmt: Formatter) -> Chart:
    """One horizontal bar per mark against its target: a tick at the target and the percentage reached."""
    targets = targets or {}
    values = [_decimal(bar.value) for bar in bars]
    goals = [_decimal(targets[bar.label]) if bar.label in targets else None for bar in bars]
    axis_max, _step = _nice_max(max([*values, *(goal for goal in goals if goal is not None)], default=Decimal(0)))
    if not bars or not axis_max:
        return _empty(title)
    left, right = LABEL_WIDTH + 10, WIDTH - 64
    rows = [_progress_row(i, bar, value, goal, axis_max, (left, right), fmt)
            for i, (bar, value, goal) in enumerate(zip(bars, values, goals))]
    bottom = _row_geometry(len(bars))[0] - (ROW_HEIGHT - BAR_HEIGHT) / 2
    body = _line(left, TITLE_HEIGHT + 8, left, bottom, MUTED) + "".join(rows)
    if any(goal is not None for goal in goals):
        body += _target_legend(left, bottom + 16)
    leader = max(zip(values, bars), key=lambda pair: pair[0])[1]
    summary = (f"{title}: {len(bars)} bars of value against target; the highest is {leader.label} "
               f"at {fmt(_decimal(leader.value))}.")
    return _document(title, summary, bottom + 26, body)


def _progress_row(index: int, bar: Mark, value: Decimal, goal: Decimal | None, axis_max: Decimal,
                  span: tuple[float, float], fmt: Formatter) -> str:
    left, right = span
    top, baseline = _row_geometry(index)
    end = left + _scale(max(value, Decimal(0)), axis_max, right - left)
    tick = left + _scale(goal, axis_max, right - left) if goal is not None else None
    shapes = [_row_label(bar.label, baseline), _rect(left, top, end - left, BAR_HEIGHT, CURRENT),
              _value_label(left, _label_anchor(end, tick, fmt(value), right), baseline, fmt(value), right)]
    facts = [f"{bar.label}: {fmt(value)}"]
    if goal is not None and tick is not None:
        shapes.append(_line(tick, top - 4, tick, top + BAR_HEIGHT + 4, TARGET, 2, hook="chart-target"))
        facts.append(f"target {fmt(goal)}")
    if goal:
        percent = f"{_percent(value, goal)} %"
        shapes.append(_text(WIDTH - 4, baseline, percent, size=11, anchor="end", bold=True))
        facts.append(f"{percent} of target")
    return _mark_group(bar, _tooltip(*facts, bar.note), "".join(shapes))


def _label_anchor(end: float, tick: float | None, text: str, limit: float) -> float:
    """Where the value label starts: past the target tick when the label would otherwise be struck through by it."""
    width = _text_width(text, 11)
    if tick is not None and end <= tick <= end + 4 + width and tick + 2 + 4 + width <= limit:
        return tick + 2
    return end


def _target_legend(x: float, y: float) -> str:
    return _line(x, y - 9, x, y + 1, TARGET, 2) + _text(x + 6, y, "Target", size=10, fill=MUTED)


def columns_vs_prior(title: str, categories: list[str], current: list[Mark], prior: list[Mark], fmt: Formatter,
                     current_label: str, prior_label: str) -> Chart:
    """Grouped columns per category: the prior period (grey) beside the current one (blue), with gridlines."""
    if not len(categories) == len(current) == len(prior):
        raise ValueError(f"columns_vs_prior needs one current and one prior mark per category: got "
                         f"{len(categories)} categories, {len(current)} current, {len(prior)} prior.")
    values = [_decimal(mark.value) for mark in (*current, *prior)]
    axis_max, step = _nice_max(max(values, default=Decimal(0)))
    if not categories or not axis_max:
        return _empty(title)
    plot = _Plot(left=72, top=TITLE_HEIGHT + 30, right=WIDTH - 8, bottom=TITLE_HEIGHT + 210)
    group_width = (plot.right - plot.left) / len(categories)
    column_width = min(group_width * 0.38, 28)
    parts = [_series_legend(prior_label, current_label), _gridlines(plot, axis_max, step, fmt)]
    for i, (category, now, before) in enumerate(zip(categories, current, prior)):
        centre = plot.left + group_width * (i + 0.5)
        parts.append(_column(before, category, prior_label, centre - column_width - 1, column_width, plot, axis_max,
                             fmt, series="prior"))
        parts.append(_column(now, category, current_label, centre + 1, column_width, plot, axis_max, fmt,
                             series="current"))
        parts.append(_text(centre, plot.bottom + 16, _fit(category, group_width - 2, 11), size=11,
                           anchor="middle", fill=MUTED))
    summary = (f"{title}: columns for {len(categories)} periods from {categories[0]} to {categories[-1]}, "
               f"{current_label} totalling {fmt(sum(values[:len(current)], Decimal(0)))} against "
               f"{fmt(sum(values[len(current):], Decimal(0)))} in {prior_label}.")
    return _document(title, summary, plot.bottom + 28, "".join(parts))


def _gridlines(plot: _Plot, axis_max: Decimal, step: Decimal, fmt: Formatter) -> str:
    lines = []
    tick = Decimal(0)
    while tick <= axis_max:
        y = plot.bottom - _scale(tick, axis_max, plot.bottom - plot.top)
        lines.append(_line(plot.left, y, plot.right, y, MUTED if not tick else GRID))
        lines.append(_text(plot.left - 6, y + 4, fmt(tick), size=10, anchor="end", fill=MUTED))
        tick += step
    return "".join(lines)


def _column(mark: Mark, category: str, series_label: str, x: float, width: float, plot: _Plot, axis_max: Decimal,
            fmt: Formatter, series: str) -> str:
    value = _decimal(mark.value)
    # Bookings and pipeline created are not negative; a credit-heavy month draws as an empty column.
    height = _scale(max(value, Decimal(0)), axis_max, plot.bottom - plot.top)
    if value > 0:
        height = max(height, 1)  # a tiny month stays visible and clickable
    fill = CURRENT if series == "current" else PRIOR
    tooltip = _tooltip(f"{category} {series_label}: {fmt(value)}", mark.note)
    return _mark_group(mark, tooltip, _rect(x, plot.bottom - height, width, height, fill), series=series)


def _series_legend(first: str, second: str) -> str:
    y = TITLE_HEIGHT + 4
    second_x = 18 + _text_width(first, 11) + 16
    return (_rect(0, y, 10, 10, PRIOR, hook="chart-legend") + _text(14, y + 9, first, size=11, fill=MUTED)
            + _rect(second_x, y, 10, 10, CURRENT, hook="chart-legend")
            + _text(second_x + 14, y + 9, second, size=11, fill=MUTED))


def funnel(title: str, stages: list[Mark], fmt: Formatter) -> Chart:
    """Centred bars, one per stage, each as wide as its value relative to the largest stage."""
    values = [max(_decimal(stage.value), Decimal(0)) for stage in stages]
    largest = max(values, default=Decimal(0))
    if not largest:
        return _empty(title)
    left, right = LABEL_WIDTH + 10, WIDTH - 110
    centre, row_height = (left + right) / 2, ROW_HEIGHT + 4
    rows = []
    for i, (stage, value) in enumerate(zip(stages, values)):
        top, baseline = _row_geometry(i, row_height)
        width = max(_scale(value, largest, right - left), 2 if value else 0)
        shapes = (_row_label(stage.label, baseline) + _rect(centre - width / 2, top, width, BAR_HEIGHT, CURRENT)
                  + _text(centre + width / 2 + 6, baseline, fmt(_decimal(stage.value)), size=11))
        rows.append(_mark_group(stage, _tooltip(f"{stage.label}: {fmt(_decimal(stage.value))}", stage.note),
                                shapes))
    bottom = TITLE_HEIGHT + 8 + len(stages) * row_height + 8
    summary = (f"{title}: a funnel of {len(stages)} stages from {stages[0].label} "
               f"({fmt(_decimal(stages[0].value))}) to {stages[-1].label} ({fmt(_decimal(stages[-1].value))}).")
    return _document(title, summary, bottom, "".join(rows))


def horizontal_bars(title: str, bars: list[Mark], fmt: Formatter) -> Chart:
    """Ranked bars from a zero axis: positive values to the right in blue, negative to the left in red."""
    values = [_decimal(bar.value) for bar in bars]
    low, high = min(values, default=Decimal(0)), max(values, default=Decimal(0))
    if not any(values):
        return _empty(title)
    _span, step = _nice_max(max(high, Decimal(0)) - min(low, Decimal(0)))
    floor = -step * (-low / step).to_integral_value(ROUND_CEILING) if low < 0 else Decimal(0)
    ceiling = step * (high / step).to_integral_value(ROUND_CEILING) if high > 0 else Decimal(0)
    left, right = LABEL_WIDTH + 10, WIDTH - 80
    zero = left + _scale(-floor, ceiling - floor, right - left)
    rows = [_signed_row(i, bar, value, zero, ceiling - floor, (left, right), fmt)
            for i, (bar, value) in enumerate(zip(bars, values))]
    bottom = _row_geometry(len(bars))[0] - (ROW_HEIGHT - BAR_HEIGHT) / 2
    body = "".join(rows) + _line(zero, TITLE_HEIGHT + 4, zero, bottom + 4, MUTED, hook="chart-zero")
    summary = (f"{title}: {len(bars)} bars ranging from {fmt(low)} to {fmt(high)}"
               f"{', negative values drawn left of zero in red' if low < 0 else ''}.")
    return _document(title, summary, bottom + 10, body)


def _signed_row(index: int, bar: Mark, value: Decimal, zero: float, extent: Decimal, span: tuple[float, float],
                fmt: Formatter) -> str:
    left, right = span
    top, baseline = _row_geometry(index)
    length = _scale(abs(value), extent, right - left)
    if value < 0:
        shape = _rect(zero - length, top, length, BAR_HEIGHT, NEGATIVE)
        label = _value_label(zero, zero - length, baseline, fmt(value), left)
    else:
        shape = _rect(zero, top, length, BAR_HEIGHT, CURRENT)
        label = _value_label(zero, zero + length, baseline, fmt(value), WIDTH - 2)
    body = _row_label(bar.label, baseline) + shape + label
    return _mark_group(bar, _tooltip(f"{bar.label}: {fmt(value)}", bar.note), body)
