"""A small server-drawn SVG of a partner's score over time, in the conventions of channelbase/growth/charts.py:
presentation attributes only (no CSS, no script), a title and a description for screen readers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from channelbase.growth.charts import CURRENT, FONT, GRID, MUTED, NEGATIVE, XML_FORBIDDEN

WIDTH, HEIGHT = 320, 64
PAD_LEFT, PAD_RIGHT, PAD_Y = 26, 8, 6
AT_RISK_LINE = 50


@dataclass(frozen=True)
class Sparkline:
    svg: str
    summary: str


def _num(value: float) -> str:
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _text(value: str) -> str:
    return escape(XML_FORBIDDEN.sub("", value))


def _y(score: Decimal | float) -> float:
    return PAD_Y + (100 - float(score)) / 100 * (HEIGHT - 2 * PAD_Y)


def _x(day: date, first: date, days: int) -> float:
    return PAD_LEFT + (day - first).days / max(1, days) * (WIDTH - PAD_LEFT - PAD_RIGHT)


def _frame() -> str:
    """The 0-100 scale's ends and the at-risk line at 50, dashed."""
    parts = []
    for value, colour, dash in ((100, GRID, ""), (AT_RISK_LINE, NEGATIVE, ' stroke-dasharray="3 3"'), (0, GRID, "")):
        y = _num(_y(value))
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y}" x2="{WIDTH - PAD_RIGHT}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="1"{dash}/>')
        parts.append(f'<text x="{PAD_LEFT - 4}" y="{_num(_y(value) + 3)}" font-family="{FONT}" font-size="9" '
                     f'fill="{MUTED}" text-anchor="end">{value}</text>')
    return "".join(parts)


def _summary(points: list[tuple[date, Decimal]], today: date, days: int) -> str:
    if not points:
        return f"No health score in the last {days} days."
    (first_day, first), (last_day, last) = points[0], points[-1]
    if len(points) == 1:
        return f"One score so far: {last} on {last_day.isoformat()}."
    low = min(points, key=lambda p: p[1])
    return (f"{len(points)} scores from {first} on {first_day.isoformat()} to {last} on {last_day.isoformat()}; "
            f"lowest {low[1]} on {low[0].isoformat()}.")


def sparkline(history: list[tuple[date, Decimal | None]], today: date, days: int, title: str) -> Sparkline:
    """The scores of the last `days` days up to `today` as a line on a 0-100 scale, the latest one marked."""
    first = today - timedelta(days=days)
    points = [(day, score) for day, score in history if score is not None and first <= day <= today]
    summary = _summary(points, today, days)
    body = [_frame()]
    coords = [(_x(day, first, days), _y(score)) for day, score in points]
    for (x1, y1), (x2, y2) in zip(coords, coords[1:]):
        body.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{CURRENT}" '
                    'stroke-width="2"/>')
    if coords:
        x, y = coords[-1]
        body.append(f'<rect x="{_num(x - 3)}" y="{_num(y - 3)}" width="6" height="6" fill="{CURRENT}"/>')
    else:
        body.append(f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2 + 4:.0f}" font-family="{FONT}" font-size="11" '
                    f'fill="{MUTED}" text-anchor="middle">No history yet</text>')
    chart_id = "spark-" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()[:10]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
           f'<title id="{chart_id}-title">{_text(title)}</title><desc id="{chart_id}-desc">{_text(summary)}</desc>'
           f'{"".join(body)}</svg>')
    return Sparkline(svg, summary)
