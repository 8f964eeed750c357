"""The deal-based components of health: the pipeline trend, deal registrations and the win rate, each a few
grouped queries for all the partners scored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.visibility import system_actor
from channelbase.core.money import Money, MoneyError, minor_units
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, StageOutcome
from channelbase.health.components import Component, Subject, not_applicable, percent, points

WINDOW_DAYS = 90
YEAR_DAYS = 365
# Pipeline: flat (this window = the one before) scores 80; 25 % growth or more scores 100.
FLAT_PIPELINE = Decimal(80)
# Win rate: winning half of the deals closed (or more) scores 100.
WIN_RATE_FULL = Decimal(50)
MIN_CLOSED = 3
_HUNDRED = Decimal(100)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def windows(today: date) -> tuple[datetime, datetime, datetime]:
    """(start of the previous 90 days, start of the last 90 days, end of today): two windows of 90 days each,
    the later one ending with `today`."""
    recent = today - timedelta(days=WINDOW_DAYS - 1)
    return _day_start(recent - timedelta(days=WINDOW_DAYS)), _day_start(recent), _day_start(today + timedelta(1))


# Pipeline trend ----------------------------------------------------------------------------------------

def _created_sums(session: Session, ids: list[int], start: datetime, end: datetime) -> list[tuple[int, str, int]]:
    """(partner, currency, total minor units) of the opportunities created in [start, end)."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Opportunity.partner_id, Opportunity.currency, func.sum(Opportunity.amount_minor))
        .where(Opportunity.partner_id.in_(ids), Opportunity.created_at >= start, Opportunity.created_at < end)
        .group_by(Opportunity.partner_id, Opportunity.currency))]


def _in_reporting(rows: list[tuple[int, str, int]], book: fx.RateBook, today: date
                  ) -> tuple[dict[int, Decimal], dict[int, str]]:
    """Totals per partner in the reporting currency, and the partners whose amounts lack a rate (with why)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    missing: dict[int, str] = {}
    for partner_id, currency, minor in rows:
        try:
            rate = book.rate_on(currency, today).rate
            totals[partner_id] += Decimal(int(minor)).scaleb(-minor_units(currency)) * rate
        except (fx.MissingRate, MoneyError) as exc:
            missing[partner_id] = str(exc)
    return totals, missing


def _money(amount: Decimal) -> str:
    return Money.rounded(amount, fx.reporting_currency()).format()


def pipeline_component(partner_id: int, recent: Decimal, previous: Decimal, today: date) -> Component:
    start = today - timedelta(days=2 * WINDOW_DAYS - 1)
    evidence = f"/opportunities?partner_id={partner_id}&created_from={start.isoformat()}&created_to={today.isoformat()}"
    if recent <= 0 and previous <= 0:
        return Component("pipeline", points(0), "No pipeline created in the last 180 days.", evidence)
    if previous <= 0:
        return Component("pipeline", points(_HUNDRED), f"{_money(recent)} of pipeline created in the last 90 days, "
                                                       "none in the 90 days before.", evidence)
    change = (recent - previous) * _HUNDRED / previous
    trend = f"{'+' if change >= 0 else '−'}{percent(abs(change))}"
    return Component("pipeline", points(FLAT_PIPELINE * recent / previous),
                     f"{_money(recent)} of pipeline created in the last 90 days against {_money(previous)} in the "
                     f"90 days before ({trend}). Flat scores 80; 25 % growth or more scores 100.", evidence)


def pipeline(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """Pipeline created (deals opened, whatever their outcome since) in the last 90 days against the 90 days
    before. Both windows convert at the rates of `today`, so a currency's swing is not read as a trend."""
    ids = [s.id for s in subjects]
    first, middle, end = windows(today)
    recent_rows, previous_rows = _created_sums(session, ids, middle, end), _created_sums(session, ids, first, middle)
    book = fx.rate_book(session, {currency for _p, currency, _m in recent_rows + previous_rows}, today)
    recent, missing = _in_reporting(recent_rows, book, today)
    previous, missing_before = _in_reporting(previous_rows, book, today)
    missing.update(missing_before)
    result = {}
    for partner_id in ids:
        if partner_id in missing:
            result[partner_id] = not_applicable("pipeline", f"Its pipeline cannot be converted: {missing[partner_id]}",
                                                "/fx-rates")
        else:
            result[partner_id] = pipeline_component(partner_id, recent.get(partner_id, Decimal(0)),
                                                    previous.get(partner_id, Decimal(0)), today)
    return result


# Deal registrations ------------------------------------------------------------------------------------

def _registration_counts(session: Session, ids: list[int], today: date) -> dict[int, tuple[int, int]]:
    """(last 90 days, the 90 days before) of registrations submitted and not rejected, per partner."""
    first, middle, end = windows(today)
    recent = Registration.submitted_at >= middle
    rows = session.execute(
        select(Registration.partner_id, func.count().filter(recent), func.count().filter(~recent))
        .where(Registration.partner_id.in_(ids), Registration.submitted_at >= first, Registration.submitted_at < end,
               Registration.status != RegistrationStatus.REJECTED)
        .group_by(Registration.partner_id)).all()
    return {partner_id: (now, before) for partner_id, now, before in rows}


def registration_component(subject: Subject, recent: int, previous: int, yearly_need: int) -> Component:
    from channelbase.enablement.tiers import TIER_LABELS

    evidence = f"/registrations?partner_id={subject.id}"
    done = f"{recent} registered in the last 90 days (not rejected)"
    tier = TIER_LABELS.get(subject.tier, subject.tier)
    if yearly_need:
        due = Decimal(yearly_need) * WINDOW_DAYS / YEAR_DAYS
        return Component("registrations", points(_HUNDRED * recent / due),
                         f"{done}; {tier} asks {yearly_need} a year, {due.quantize(Decimal('0.1'))} for 90 days.",
                         evidence)
    basis = f"{tier} asks none, so compared with the 90 days before ({previous})"
    if previous:
        return Component("registrations", points(_HUNDRED * recent / previous), f"{done}; {basis}.", evidence)
    return Component("registrations", points(_HUNDRED if recent else 0), f"{done}; {basis}.", evidence)


def registrations(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """Registrations submitted in the last 90 days against the tier's yearly requirement pro-rated to 90 days,
    or, for a tier that asks none, against the partner's own previous 90 days."""
    from channelbase.enablement import tiers

    counts = _registration_counts(session, [s.id for s in subjects], today)
    table = tiers.tier_table(session, system_actor())
    return {s.id: registration_component(s, *counts.get(s.id, (0, 0)), table.needs(s.tier).get("registrations", 0))
            for s in subjects}


# Win rate ------------------------------------------------------------------------------------------------

def _closed_counts(session: Session, ids: list[int], today: date) -> dict[int, tuple[int, int]]:
    """(won, lost) deals closed in the last 12 months, per partner."""
    won = Opportunity.outcome == StageOutcome.WON
    rows = session.execute(
        select(Opportunity.partner_id, func.count().filter(won), func.count().filter(~won))
        .where(Opportunity.partner_id.in_(ids), Opportunity.outcome.in_([StageOutcome.WON, StageOutcome.LOST]),
               Opportunity.close_date > today - timedelta(days=YEAR_DAYS), Opportunity.close_date <= today)
        .group_by(Opportunity.partner_id)).all()
    return {partner_id: (w, lost) for partner_id, w, lost in rows}


def win_rate_component(partner_id: int, won: int, lost: int, today: date) -> Component:
    start = today - timedelta(days=YEAR_DAYS - 1)
    evidence = f"/opportunities?partner_id={partner_id}&close_from={start.isoformat()}&close_to={today.isoformat()}"
    closed = won + lost
    if closed < MIN_CLOSED:
        return not_applicable("win_rate", f"Only {closed} deal{'s' if closed != 1 else ''} closed in the last "
                                          f"12 months; the win rate counts from {MIN_CLOSED}.", evidence)
    rate = _HUNDRED * won / closed
    return Component("win_rate", points(rate * _HUNDRED / WIN_RATE_FULL),
                     f"{percent(rate)} won: {won} of {closed} deals closed in the last 12 months. "
                     f"Winning {percent(WIN_RATE_FULL)} or more scores 100.", evidence)


def win_rate(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """Won / (won + lost) over the deals closed in the last 12 months; fewer than 3 closed: not applicable."""
    counts = _closed_counts(session, [s.id for s in subjects], today)
    return {s.id: win_rate_component(s.id, *counts.get(s.id, (0, 0)), today) for s in subjects}
