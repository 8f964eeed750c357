"""Measuring partners against their tier's requirements, many at once: a handful of grouped queries whatever
the number of partners (the compliance view measures thousands), bookings converted to the reporting currency
and "not known" (None) when an exchange rate is missing, never a silent zero."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from channelbase.core.money import MoneyError, minor_units
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, StageOutcome
from channelbase.enablement.models import Certification, Course, CourseKind
from channelbase.enablement.tiers import REQUIREMENT_KEYS

PartnerIds = Iterable[int] | Select  # ids, or a select of partner ids (e.g. the actor's visible partners)
YEAR = timedelta(days=365)
_EXACT = Context(prec=50)  # as fx: amount x rate is exact before the one rounding
_ONE = Decimal(1)


@dataclass(frozen=True)
class Metrics:
    """One partner's measures on a day."""

    bookings: Decimal | None  # reporting currency; None: not known (an exchange rate is missing)
    won_deals: int
    registrations: int
    active_registrations: int
    certified_sales: int
    certified_presales: int

    def value(self, key: str) -> Decimal | int | None:
        return getattr(self, key)


NOTHING = Metrics(Decimal(0), 0, 0, 0, 0, 0)


class Measures(dict[int, Metrics]):
    """Metrics by partner id; a partner with nothing to count reads as NOTHING."""

    def __missing__(self, partner_id: int) -> Metrics:
        return NOTHING


@dataclass(frozen=True)
class Requirement:
    key: str
    have: Decimal | int | None  # None: not known (an exchange rate is missing)
    need: int
    currency: str | None = None  # the bookings requirement is money

    @property
    def met(self) -> bool:
        return self.have is not None and self.have >= self.need

    @property
    def state(self) -> str:
        """'met', 'missing', or 'unknown' (bookings without an exchange rate)."""
        return "unknown" if self.have is None else "met" if self.met else "missing"

    @property
    def share(self) -> float:
        if self.have is None:
            return 0.0
        return min(1.0, float(self.have) / self.need) if self.need else 1.0


def evaluate(metrics: Metrics, needs: dict[str, int]) -> list[Requirement]:
    """Each requirement (in the usual order) with what the partner has against what is asked."""
    reporting = fx.reporting_currency()
    return [Requirement(key, metrics.value(key), needs[key], reporting if key == "bookings" else None)
            for key in REQUIREMENT_KEYS if key in needs]


def _in(column, partner_ids: PartnerIds):
    if isinstance(partner_ids, Select):
        return column.in_(partner_ids)
    return column.in_(list(partner_ids))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _bookings(session: Session, partner_ids: PartnerIds, today: date) -> tuple[dict[int, Decimal | None],
                                                                                  dict[int, int]]:
    """Won bookings of the last twelve months in the reporting currency, and won deals, per partner.

    Grouped by partner, currency and close date (the reporting currency needs no date: it converts 1:1); each
    day's total takes the rate fx.convert would use that day (fx's rate book: one query for every rate). The
    exact products are summed and each partner's total rounded once (half-to-even, like fx), so thousands of
    partners cost no Money object per deal. A partner with any amount lacking a rate gets None."""
    reporting = fx.reporting_currency()
    # Inlined, so SELECT and GROUP BY hold the same expression (PostgreSQL compares them; two bound
    # parameters would differ).
    day = case((Opportunity.currency == literal(reporting, literal_execute=True), None), else_=Opportunity.close_date)
    rows = session.execute(
        select(Opportunity.partner_id, Opportunity.currency, day, func.count(), func.sum(Opportunity.amount_minor))
        .where(_in(Opportunity.partner_id, partner_ids), Opportunity.outcome == StageOutcome.WON,
               Opportunity.close_date > today - YEAR, Opportunity.close_date <= today)
        .group_by(Opportunity.partner_id, Opportunity.currency, day)).all()
    book = fx.rate_book(session, {currency for _p, currency, _d, _n, _m in rows}, today)
    exact: dict[int, Decimal | None] = {}
    won: dict[int, int] = {}
    places: dict[str, int] = {}  # minor-unit digits per currency, looked up once each
    for partner_id, currency, on, deals, minor in rows:
        won[partner_id] = won.get(partner_id, 0) + deals
        total = exact.get(partner_id, Decimal(0))
        if total is None:
            continue
        try:
            if currency not in places:
                places[currency] = minor_units(currency)
            rate = _ONE if currency == reporting else book.rate_on(currency, on).rate
        except (fx.MissingRate, MoneyError):
            exact[partner_id] = None
            continue
        exact[partner_id] = _EXACT.add(total, _EXACT.multiply(Decimal(int(minor)).scaleb(-places[currency]), rate))
    unit = Decimal(1).scaleb(-minor_units(reporting))
    return {partner_id: None if total is None else total.quantize(unit, rounding=ROUND_HALF_EVEN)
            for partner_id, total in exact.items()}, won


def _registrations(session: Session, partner_ids: PartnerIds, today: date) -> dict[int, tuple[int, int]]:
    """(registered in the last twelve months and not rejected, live today) per partner."""
    start, end = _day_start(today - YEAR + timedelta(days=1)), _day_start(today + timedelta(days=1))
    recent = (Registration.submitted_at >= start) & (Registration.status != RegistrationStatus.REJECTED)
    live = (Registration.status == RegistrationStatus.SUBMITTED) | (
        (Registration.status == RegistrationStatus.APPROVED) & (Registration.expires_on >= today))
    rows = session.execute(
        select(Registration.partner_id, func.count().filter(recent), func.count().filter(live))
        .where(_in(Registration.partner_id, partner_ids), Registration.submitted_at < end, or_(recent, live))
        .group_by(Registration.partner_id)).all()
    return {partner_id: (registered, active) for partner_id, registered, active in rows}


def _certified(session: Session, partner_ids: PartnerIds, today: date) -> dict[tuple[int, str], int]:
    """People holding a valid sales / pre-sales certification today, per (partner, course kind); the same rule
    as certifications.certified_people, for many partners at once."""
    rows = session.execute(
        select(Certification.partner_id, Course.kind, func.count(func.distinct(Certification.contact_id)))
        .join(Course, Course.id == Certification.course_id)
        .where(_in(Certification.partner_id, partner_ids), Course.kind.in_([CourseKind.SALES, CourseKind.PRESALES]),
               Certification.certified_on <= today,
               or_(Certification.expires_on.is_(None), Certification.expires_on >= today))
        .group_by(Certification.partner_id, Course.kind)).all()
    return {(partner_id, kind): people for partner_id, kind, people in rows}


def measure(session: Session, partner_ids: PartnerIds, today: date) -> Measures:
    """Every requirement's measure for the partners given (ids, or a select of ids), on `today`: three
    grouped queries and one for exchange rates, whatever the number of partners. For thousands of partners
    pass a select (e.g. the actor's filtered partners): each query then joins against it, where a list of
    ids becomes one bound parameter per partner."""
    if not isinstance(partner_ids, Select):
        partner_ids = list(partner_ids)
        if not partner_ids:
            return Measures()
    bookings, won = _bookings(session, partner_ids, today)
    registrations = _registrations(session, partner_ids, today)
    certified = _certified(session, partner_ids, today)
    measured = set(bookings) | set(registrations) | {partner_id for partner_id, _kind in certified}
    return Measures({partner_id: Metrics(
        bookings=bookings.get(partner_id, Decimal(0)), won_deals=won.get(partner_id, 0),
        registrations=registrations.get(partner_id, (0, 0))[0],
        active_registrations=registrations.get(partner_id, (0, 0))[1],
        certified_sales=certified.get((partner_id, CourseKind.SALES), 0),
        certified_presales=certified.get((partner_id, CourseKind.PRESALES), 0)) for partner_id in measured})
