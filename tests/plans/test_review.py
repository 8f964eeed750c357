"""The plan in the quarterly review: the scorecard's plan section and certified people, and the QBR pack."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

from channelbase.core.money import Money
from channelbase.growth import fiscal
from channelbase.growth.qbr import qbr_pdf
from channelbase.growth.qbr_text import Words
from channelbase.growth.scorecard import WATCH, partner_scorecard
from tests.plans.conftest import TODAY, line, signed_plan


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def test_the_scorecard_shows_the_quarter_of_the_plan_and_counts_certified_people(db, actor, known):
    signed_plan(db, actor("lucia"), actor("ana"), known.partner_id, [
        line("bookings", "1000.00", "1000.00", "1000.00", "1000.00"),
        line("certified_people", "1", "2", "4", "4"),
        line("custom", "1", "1", "1", "1", side="vendor", description="MDF claims paid")])
    year, quarter = fiscal.parse_quarter(db, "2026Q3")
    card = partner_scorecard(db, actor("admin"), known.partner_id, quarter, year, today=TODAY)
    assert card.plan is not None and card.plan.signed and card.plan.revision == 1
    bookings = card.plan.row("bookings")
    assert (bookings.quarter_target, bookings.quarter_actual) == (usd("1000.00"), usd("500.00"))
    assert (bookings.year_target, bookings.to_date, bookings.due) == (usd("4000.00"), usd("2500.00"), usd("2500.00"))
    assert bookings.percent == Decimal("100.0")
    people = card.plan.row("certified_people")
    assert (people.quarter_target, people.quarter_actual, people.unit) == (4, 1, "count")
    assert card.plan.row("custom").quarter_actual is None                      # nobody typed it yet
    certified = card.metric("certified")                                     # Carla's sales certification
    assert certified.value == 1 and certified.status == WATCH
    assert [(c.key, c.value) for c in certified.comparisons] == [
        ("plan_quarter", 4), ("certified_sales", 1), ("certified_presales", 0)]
    words = Words("en")
    assert words.plan_row(bookings) == ("Bookings", "USD 1,000.00", "USD 500.00", "USD 4,000.00", "USD 2,500.00",
                                        "100.0 %")
    assert words.metric_row(certified)[2] == "plan 2026Q3: 4; 1 sales; 0 pre-sales"


def test_the_qbr_pack_has_the_plan_in_the_partners_language(db, actor, known):
    signed_plan(db, actor("lucia"), actor("ana"), known.partner_id, [
        line("registrations", "2", "2", "2", "2", description="Public sector tenders")])
    for language, title, column in (("en", "Joint business plan", "Target 2026Q3"),
                                    ("pt", "Plano de negócios conjunto", "Meta 2026Q3")):
        pdf = qbr_pdf(db, actor("lucia"), known.partner_id, "2026Q3", today=TODAY, language=language)
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        assert title in text and column in text and "Public sector tenders" in text, language  # headings wrap
        assert "2 1 8 3 60,0 %" in text if language == "pt" else "2 1 8 3 60.0 %" in text
