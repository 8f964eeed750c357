"""The QBR pack: one partner's quarter as a PDF to walk through with them — cover, scorecard, the joint business
plan's commitments against their actuals, bookings and pipeline charts, the deals won, closing next and committed, the currency view and the rates used — in the
partner's language (English, Spanish or Brazilian Portuguese)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timezone
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.errors import InvalidInput, NotFound
from channelbase.core.names import company_key
from channelbase.growth import charts, fiscal
from channelbase.growth import figures as f
from channelbase.growth.pdf_charts import draw_chart, register_fonts
from channelbase.growth.qbr_text import Words, language_of
from channelbase.growth.scorecard import BAD, GOOD, TOP_DEALS, WATCH, DealLine, Scorecard, partner_scorecard
from channelbase.partners.models import Partner

STATUS_COLOURS = {GOOD: (21, 128, 61), WATCH: (180, 83, 9), BAD: (185, 28, 28)}
INK, MUTED, RULE = (17, 24, 39), (75, 85, 99), (209, 213, 219)


def scorecard_for(session: Session, actor: User, partner_id: int, quarter_text: str | None, *, today: date,
                  view: str = f.ACTUAL) -> Scorecard:
    """The scorecard of a quarter written '2026Q4' (blank: the current fiscal quarter)."""
    get_visible(session, actor, Partner, partner_id)  # NotFound before anything about the quarter is said
    if quarter_text and quarter_text.strip():
        fiscal_year, quarter = fiscal.parse_quarter(session, quarter_text)
    else:
        fiscal_year = fiscal.current_year(session, today)
        quarter = fiscal_year.quarter(fiscal_year.quarter_of(today))
    return partner_scorecard(session, actor, partner_id, quarter, fiscal_year, today=today, view=view)


def find_partner(session: Session, actor: User, text: str) -> Partner:
    """A visible, live partner by id ('42' or '#42') or by its exact name (or the same company key)."""
    text = (text or "").strip()
    live = visible(select(Partner), actor).where(Partner.deleted_at.is_(None))
    if text.lstrip("#").isdigit():
        return get_visible(session, actor, Partner, int(text.lstrip("#")))
    found = list(session.scalars(live.where(Partner.name == text).limit(5))) or \
        list(session.scalars(live.where(Partner.name_key == company_key(text)).limit(5))) if text else []
    if len(found) > 1:
        names = ", ".join(f"{partner.name} (#{partner.id})" for partner in found)
        raise InvalidInput(f"'{text}' names several partners: {names}. Use the id.",
                           field_errors={"partner": "ambiguous"})
    if not found:
        raise NotFound(f"No partner you can see is named '{text}'. Give its exact name or its id.")
    return found[0]


def pack_language(session: Session, actor: User, partner: Partner) -> str:
    """The partner's language if it has one, else its first user's, else English."""
    own = getattr(partner, "language", None)  # partners have no language of their own (yet)
    if own:
        return language_of(own)
    first = session.scalar(visible(select(User.language), actor, User).where(
        User.partner_id == partner.id, User.is_active.is_(True)).order_by(User.id).limit(1))
    return language_of(first)


def qbr_pdf(session: Session, actor: User, partner_id: int, quarter_text: str, *, today: date,
            view: str = f.ACTUAL, language: str | None = None) -> bytes:
    """The partner's QBR pack for the quarter, as PDF bytes."""
    return qbr_pack(session, actor, partner_id, quarter_text, today=today, view=view, language=language)[1]


def qbr_pack(session: Session, actor: User, partner_id: int, quarter_text: str | None, *, today: date,
             view: str = f.ACTUAL, language: str | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the partner's QBR pack; `language` overrides the partner's (en, es, pt)."""
    card = scorecard_for(session, actor, partner_id, quarter_text, today=today, view=view)
    words = Words(language or pack_language(session, actor, card.partner))
    return file_name(card), _Pack(card, words).build()


def pack_charts(card: Scorecard, words: Words) -> tuple[charts.Chart, charts.Chart]:
    """Bookings by month against the prior year, and the open pipeline by stage."""
    fy, currency = card.fiscal_year, card.reporting

    def fmt(value: Decimal) -> str:
        return words.number(value.quantize(Decimal(1)))

    labels = [words.month(bar.month) for bar in card.months]
    months = charts.columns_vs_prior(
        words("chart.months", fy=fy.label, prior=fy.prior().label, currency=currency), labels,
        [charts.Mark(label, bar.current.amount) for label, bar in zip(labels, card.months, strict=True)],
        [charts.Mark(label, bar.prior.amount) for label, bar in zip(labels, card.months, strict=True)],
        fmt, fy.label, fy.prior().label)
    stages = charts.funnel(words("chart.stages", fy=fy.label, currency=currency),
                           [charts.Mark(bar.name, bar.amount.amount, None, str(bar.deals)) for bar in card.stages],
                           fmt)
    return months, stages


def file_name(card: Scorecard) -> str:
    """'qbr-solucoes-abertas-ltda-2026Q3.pdf': ASCII, for a Content-Disposition header and a shell."""
    ascii_name = unicodedata.normalize("NFKD", card.partner.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or f"partner-{card.partner.id}"
    return f"qbr-{slug[:60]}-{card.quarter.label}.pdf"


class _Document(FPDF):
    def __init__(self, words: Words):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.words = words
        self.family = register_fonts(self)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.words("page", n=self.page_no()), align="R")


class _Pack:
    def __init__(self, card: Scorecard, words: Words):
        self.card, self.words = card, words
        self.pdf = _Document(words)

    def build(self) -> bytes:
        pdf, card = self.pdf, self.card
        pdf.set_title(f"{self.words('title')} — {card.partner.name} — {card.quarter.label}")
        pdf.set_creator("Channelbase")
        pdf.set_creation_date(datetime.combine(card.today, time(), tzinfo=timezone.utc))
        self._cover()
        self._scorecard()
        self._plan()
        self._charts()
        self._deals()
        self._currency()
        return bytes(pdf.output())

    def _font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.pdf.family, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def _heading(self, text: str, space: float = 30) -> None:
        if self.pdf.get_y() + space > self.pdf.page_break_trigger:
            self.pdf.add_page()
        self.pdf.ln(3)
        self._font(13, bold=True)
        self.pdf.multi_cell(0, 7, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def _line(self, text: str, size: float = 10, colour: tuple[int, int, int] = INK) -> None:
        self._font(size, colour=colour)
        self.pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def _cover(self) -> None:
        pdf, card, w = self.pdf, self.card, self.words
        pdf.add_page()
        pdf.set_y(80)
        self._line(w("title"), 11, MUTED)
        pdf.ln(4)
        self._font(26, bold=True)
        pdf.multi_cell(0, 12, card.partner.name, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        self._line(w("quarter", quarter=card.quarter.label, start=w.day(card.quarter.start),
                     end=w.day(card.quarter.end)), 14)
        pdf.ln(2)
        self._line(f"{card.fiscal_year.label} · {self._view_text()}", 10, MUTED)
        pdf.ln(10)
        self._line(w("prepared", date=w.day(card.today)), 11)
        self._line(w("as_of", as_of=w.day(card.as_of), today=w.day(card.today)), 9, MUTED)

    def _scorecard(self) -> None:
        pdf, w = self.pdf, self.words
        pdf.add_page()
        self._heading(w("scorecard"))
        self._font(9)
        headings = (w("col.metric"), w("col.value"), w("col.comparison"), w("col.status"))
        with pdf.table(col_widths=(48, 32, 72, 22), text_align=("LEFT", "RIGHT", "LEFT", "LEFT"), line_height=5,
                       padding=1.5, borders_layout="HORIZONTAL_LINES") as table:
            table.row(headings)
            for metric in self.card.metrics:
                label, value, compared, status = w.metric_row(metric)
                row = table.row()
                row.cell(label)
                row.cell(value)
                row.cell(compared, style=FontFace(color=MUTED))
                row.cell(status, style=FontFace(emphasis="BOLD", color=STATUS_COLOURS.get(metric.status, MUTED)))

    def _plan(self) -> None:
        card, w = self.card, self.words
        self._heading(w("plan.title"))
        if card.plan is None:
            self._line(w("plan.none", fy=card.fiscal_year.label), 10, MUTED)
            return
        self._line(w.plan_summary(card.plan, card.fiscal_year.label), 10)
        for side in ("partner", "vendor"):
            rows = [row for row in card.plan.rows if row.side == side]
            if not rows:
                continue
            self.pdf.ln(2)
            self._line(w(f"plan.side.{side}"), 10)
            self._font(8.5)
            headings = (w("plan.col.commitment"), w("plan.col.quarter_target", quarter=card.quarter.label),
                        w("plan.col.quarter_actual", quarter=card.quarter.label),
                        w("plan.col.year_target", fy=card.fiscal_year.label), w("plan.col.to_date"),
                        w("plan.col.percent"))
            with self.pdf.table(col_widths=(52, 24, 24, 26, 26, 22), line_height=5, padding=1.2,
                                text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                                borders_layout="HORIZONTAL_LINES") as table:
                table.row(headings)
                for row in rows:
                    table.row(w.plan_row(row))
        self.pdf.ln(2)
        self._line(w("plan.rule"), 8.5, MUTED)

    def _charts(self) -> None:
        pdf = self.pdf
        for chart in pack_charts(self.card, self.words):
            if pdf.get_y() + 90 > pdf.page_break_trigger:
                pdf.add_page()
            pdf.ln(6)
            height = draw_chart(pdf, chart, pdf.l_margin, pdf.get_y(), pdf.epw)
            pdf.set_y(pdf.get_y() + height)

    def _deals(self) -> None:
        card, w = self.card, self.words
        self.pdf.add_page()
        self._heading(w("deals.won", quarter=card.quarter.label))
        self._deal_table(card.won_deals, probability=False)
        self._heading(w("deals.next", quarter=card.next_quarter.label, n=TOP_DEALS))
        self._deal_table(card.closing_next)
        self._heading(w("deals.commitments"))
        self._line(w("deals.commitments_rule", quarter=card.next_quarter.label), 9, MUTED)
        self._line(w("deals.plans_note"), 9, MUTED)
        self.pdf.ln(2)
        self._deal_table(card.commitments)

    def _deal_table(self, lines: list[DealLine], probability: bool = True) -> None:
        w, pdf = self.words, self.pdf
        if not lines:
            self._line(w("deals.none"), 10, MUTED)
            return
        self._font(8.5)
        headings = [w("col.deal"), w("col.stage"), w("col.close"), w("col.amount"),
                    w("col.reporting", currency=self.card.reporting)]
        widths = [58, 26, 24, 33, 33]
        if probability:
            headings += [w("col.probability"), w("col.category")]
            widths = [40, 20, 23, 29, 28, 13, 21]
        aligns = ["LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"][:len(widths)]
        with pdf.table(col_widths=widths, text_align=aligns, line_height=5, padding=1.2,
                       borders_layout="HORIZONTAL_LINES") as table:
            table.row(headings)
            for line in lines:
                cells = [line.name, line.stage, w.day(line.close_date), w.money(line.amount), w.money(line.reporting)]
                if probability:
                    cells += [f"{line.probability} %", w(f"category.{line.category}")]
                table.row(cells)
        pdf.ln(2)

    def _view_text(self) -> str:
        card = self.card
        return self.words(f"view.{card.view}", fy=card.fiscal_year.label, currency=card.reporting)

    def _currency(self) -> None:
        w = self.words
        self._heading(w("currency_view"))
        self._line(self._view_text(), 10)
        self._heading(w("rates_used"), space=20)
        if not self.card.rates:
            self._line(w("no_rates", currency=self.card.reporting), 10, MUTED)
        for described in self.card.rates:
            self._line(f"• {described}", 9)
