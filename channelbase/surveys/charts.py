"""NPS charts, drawn on the server as SVG in the style of channelbase/growth/charts.py (presentation attributes
only, no script or CSS, so the Content-Security-Policy holds): ranked bars per group, and columns per quarter
rising above or falling below zero."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from xml.sax.saxutils import escape

from channelbase.growth import charts
from channelbase.growth.charts import CURRENT, FONT, GRID, INK, MUTED, NEGATIVE, WIDTH, Chart, Mark
from channelbase.surveys.reports import Group

HEIGHT = 220
TOP, BOTTOM, LEFT, RIGHT = 40, 180, 48, WIDTH - 8


def format_nps(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".removesuffix(".0")
    return f"+{text}" if value > 0 else text


def group_chart(title: str, groups: list[Group], href: str | None = None) -> Chart | None:
    """One bar per group with answers, from −100 to 100 (None when no group has any)."""
    marks = [Mark(g.label, g.breakdown.nps, f"{href}{g.key}" if href else None,
                  f"{g.breakdown.total} answers") for g in groups if g.breakdown.nps is not None]
    if not marks:
        return None
    return charts.horizontal_bars(title, marks, format_nps)


def _num(value: float) -> str:
    return f"{round(value, 1):.1f}".removesuffix(".0")


def _text(x: float, y: float, content: str, *, size: int = 11, anchor: str = "middle", fill: str = MUTED,
          bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-family="{FONT}" font-size="{size}"{weight} fill="{fill}" '
            f'text-anchor="{anchor}">{escape(content)}</text>')


def _y(value: float) -> float:
    """Where an NPS sits on the axis: 100 at the top, −100 at the bottom."""
    return TOP + (100 - value) / 200 * (BOTTOM - TOP)


def _axis() -> str:
    parts = []
    for tick in (100, 50, 0, -50, -100):
        y = _y(tick)
        parts.append(f'<line x1="{LEFT}" y1="{_num(y)}" x2="{RIGHT}" y2="{_num(y)}" stroke="{MUTED if tick == 0 else GRID}" '
                     f'stroke-width="1"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{tick:+d}" if tick else "0", size=10, anchor="end"))
    return "".join(parts)


def _column(index: int, count: int, group: Group) -> str:
    width = (RIGHT - LEFT) / count
    centre = LEFT + width * (index + 0.5)
    label = _text(centre, BOTTOM + 16, group.label)
    value = group.breakdown.nps
    if value is None:
        return f'<g class="chart-mark"><title>{escape(group.label)}: no answers</title>{label}' \
               f'{_text(centre, _y(0) - 4, "—")}</g>'
    top, bottom = sorted((_y(float(value)), _y(0)))
    column = min(width * 0.5, 40)
    fill = CURRENT if value >= 0 else NEGATIVE
    note = f"{group.label}: NPS {format_nps(value)} from {group.breakdown.total} answers"
    figure = _text(centre, top - 4 if value >= 0 else bottom + 12, format_nps(value), fill=INK)
    return (f'<g class="chart-mark"><title>{escape(note)}</title>'
            f'<rect class="chart-bar" x="{_num(centre - column / 2)}" y="{_num(top)}" width="{_num(column)}" '
            f'height="{_num(max(bottom - top, 1))}" fill="{fill}"/>{figure}{label}</g>')


def quarter_chart(title: str, quarters: list[Group]) -> Chart:
    """A column per quarter, above zero in blue, below in red; quarters without answers show a dash."""
    answered = [g for g in quarters if g.breakdown.nps is not None]
    summary = (f"{title}: NPS in {len(answered)} of {len(quarters)} quarters from {quarters[0].label} to "
               f"{quarters[-1].label}" + (f", latest {format_nps(answered[-1].breakdown.nps)}." if answered else "."))
    body = _axis() + "".join(_column(i, len(quarters), g) for i, g in enumerate(quarters))
    chart_id = "chart-" + hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()[:10]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
           f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>'
           f'{_text(0, 18, title, size=14, anchor="start", fill=INK, bold=True)}{body}</svg>')
    return Chart(title=title, svg=svg, summary=summary)
