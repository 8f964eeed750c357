"""Actuals of plan commitments, derived live from Channelbase's own rows (never typed, except custom ones).

Per quarter of a fiscal year and per partner, a handful of grouped queries whatever the number of partners:
- bookings: won opportunities whose close date falls in the quarter, converted to the reporting currency at
  the rate of their close date (fx's rate book); None for a quarter where any amount lacks a rate;
- pipeline created: opportunities created in the quarter (whatever became of them), converted at the rate of
  their creation day; None likewise;
- registrations: deal registrations submitted in the quarter and not rejected;
- certified people: people holding a valid certification (any course kind) at the quarter's end, or today
  for the quarter running now; a level, not a sum;
- marketing activities: the partner's engagement activities of type "event" that took place in the quarter,
  plus the events (events.EventPartner: exhibitor, sponsor or attendee) starting in the quarter.
Quarters that have not started yet have no actual (None); the running quarter counts up to today."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from channelbase.core.money import MoneyError, minor_units
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, StageOutcome
from channelbase.enablement.models import Certification
from channelbase.engagement.models import Activity, ActivityType
from channelbase.events.models import Event, EventPartner
from channelbase.growth.fiscal import FiscalYear, Period
from channelbase.plans.models import CommitmentKind

# Engagement activity types that count as marketing: events the manager logged with the partner.
MARKETING_ACTIVITY_TYPES = (ActivityType.EVENT,)
_EXACT = Context(prec=50)
Quarterly = list  # four values, Q1..Q4: int (minor units or a count) or None (not started / not known)


@dataclass(frozen=True)
class Window:
    """The quarters of a fiscal year as seen on `today`: those started, each cut at today."""

    year: FiscalYear
    today: date

    @property
    def quarters(self) -> list[Period]:
        return self.year.quarters()

    def started(self, quarter: Period) -> bool:
        return quarter.start <= self.today

    def last_day(self, quarter: Period) -> date:
        return min(quarter.end, self.today)

    @property
    def end(self) -> date:
        return min(self.year.end, self.today)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _quarter_of(column, window: Window, *, as_datetime: bool = False) -> ColumnElement:
    """A CASE giving the quarter number (1-4) of a date or UTC datetime column within the year."""
    whens = []
    for number, quarter in enumerate(window.quarters, start=1):
        start, end = quarter.start, quarter.end + timedelta(days=1)
        if as_datetime:
            whens.append(((column >= _day_start(start)) & (column < _day_start(end)), number))
        else:
            whens.append(((column >= start) & (column < end), number))
    return case(*whens, else_=0)


def _date_range(column, window: Window, *, as_datetime: bool = False):
    start, end = window.year.start, window.end + timedelta(days=1)
    if as_datetime:
        return (column >= _day_start(start)) & (column < _day_start(end))
    return (column >= start) & (column < end)


def _empty(partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    return {p: [0 if window.started(q) else None for q in window.quarters] for p in partner_ids}


def _money(session: Session, partner_ids: Sequence[int], window: Window, day_column, *conditions,
           as_datetime: bool = False) -> dict[int, Quarterly]:
    """Sums of opportunity amounts per partner and quarter in the reporting currency, grouped by currency and
    day so each day's total takes that day's rate; a quarter with an amount lacking a rate becomes None."""
    reporting = fx.reporting_currency()
    day = func.date(day_column) if as_datetime else day_column
    # Quarters are computed in a subquery and grouped by its columns: PostgreSQL does not match a CASE with
    # bound dates in GROUP BY to the same CASE in SELECT.
    inner = (select(Opportunity.partner_id.label("partner_id"),
                    _quarter_of(day_column, window, as_datetime=as_datetime).label("quarter"),
                    Opportunity.currency.label("currency"), day.label("day"),
                    Opportunity.amount_minor.label("minor"))
             .where(Opportunity.partner_id.in_(list(partner_ids)),
                    _date_range(day_column, window, as_datetime=as_datetime), *conditions).subquery())
    rows = session.execute(
        select(inner.c.partner_id, inner.c.quarter, inner.c.currency, inner.c.day, func.sum(inner.c.minor))
        .group_by(inner.c.partner_id, inner.c.quarter, inner.c.currency, inner.c.day)).all()
    book = fx.rate_book(session, {row[2] for row in rows}, window.end)
    exact: dict[tuple[int, int], Decimal | None] = {}
    for partner_id, number, currency, on, minor in rows:
        key = (partner_id, number)
        if exact.get(key, Decimal(0)) is None:
            continue
        try:
            rate = Decimal(1) if currency == reporting else book.rate_on(currency, _as_date(on)).rate
            amount = Decimal(int(minor)).scaleb(-minor_units(currency))
        except (fx.MissingRate, MoneyError):
            exact[key] = None
            continue
        exact[key] = _EXACT.add(exact.get(key) or Decimal(0), _EXACT.multiply(amount, rate))
    places = minor_units(reporting)
    result = _empty(partner_ids, window)
    for (partner_id, number), total in exact.items():
        if number:
            result[partner_id][number - 1] = None if total is None else int(
                total.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return result


def _count_by_quarter(session: Session, partner_column, when_column, window: Window, *conditions,
                      as_datetime: bool = False, join=None) -> list:
    """(partner_id, quarter, rows) of a table's rows within the window, grouped through a subquery (see _money)."""
    inner = select(partner_column.label("partner_id"),
                   _quarter_of(when_column, window, as_datetime=as_datetime).label("quarter"))
    if join is not None:
        source, target, onclause = join
        inner = inner.select_from(source).join(target, onclause)
    inner_q = inner.where(_date_range(when_column, window, as_datetime=as_datetime), *conditions).subquery()
    return list(session.execute(select(inner_q.c.partner_id, inner_q.c.quarter, func.count())
                                .group_by(inner_q.c.partner_id, inner_q.c.quarter)).all())


def _as_date(value) -> date:
    # func.date() comes back as text on SQLite and as a date on PostgreSQL.
    return date.fromisoformat(value) if isinstance(value, str) else value


def bookings(session: Session, partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    return _money(session, partner_ids, window, Opportunity.close_date, Opportunity.outcome == StageOutcome.WON)


def pipeline_created(session: Session, partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    return _money(session, partner_ids, window, Opportunity.created_at, as_datetime=True)


def _counts(partner_ids: Sequence[int], window: Window, rows: Iterable) -> dict[int, Quarterly]:
    result = _empty(partner_ids, window)
    for partner_id, number, count in rows:
        if number and result[partner_id][number - 1] is not None:
            result[partner_id][number - 1] += count
    return result


def registrations(session: Session, partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    rows = _count_by_quarter(session, Registration.partner_id, Registration.submitted_at, window,
                             Registration.partner_id.in_(list(partner_ids)),
                             Registration.status != RegistrationStatus.REJECTED, as_datetime=True)
    return _counts(partner_ids, window, rows)


def certified_people(session: Session, partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    """People with a valid certification at each started quarter's last day (today for the running one)."""
    result = _empty(partner_ids, window)
    for index, quarter in enumerate(window.quarters):
        if not window.started(quarter):
            continue
        on = window.last_day(quarter)
        rows = session.execute(
            select(Certification.partner_id, func.count(func.distinct(Certification.contact_id)))
            .where(Certification.partner_id.in_(list(partner_ids)), Certification.certified_on <= on,
                   or_(Certification.expires_on.is_(None), Certification.expires_on >= on))
            .group_by(Certification.partner_id)).all()
        for partner_id, people in rows:
            result[partner_id][index] = people
    return result


def marketing_activities(session: Session, partner_ids: Sequence[int], window: Window) -> dict[int, Quarterly]:
    """Event activities logged with the partner, plus events it took part in, by the quarter they happened."""
    logged = _count_by_quarter(session, Activity.partner_id, Activity.occurred_at, window,
                               Activity.partner_id.in_(list(partner_ids)),
                               Activity.type.in_(MARKETING_ACTIVITY_TYPES), as_datetime=True)
    attended = _count_by_quarter(session, EventPartner.partner_id, Event.starts_on, window,
                                 EventPartner.partner_id.in_(list(partner_ids)),
                                 join=(EventPartner, Event, Event.id == EventPartner.event_id))
    return _counts(partner_ids, window, [*logged, *attended])


MEASURES = {
    CommitmentKind.BOOKINGS: bookings,
    CommitmentKind.PIPELINE_CREATED: pipeline_created,
    CommitmentKind.REGISTRATIONS: registrations,
    CommitmentKind.CERTIFIED_PEOPLE: certified_people,
    CommitmentKind.MARKETING_ACTIVITIES: marketing_activities,
}


def actuals(session: Session, partner_ids: Iterable[int], year: FiscalYear, today: date,
            kinds: Iterable[str] | None = None) -> dict[str, dict[int, Quarterly]]:
    """{kind: {partner_id: [q1, q2, q3, q4]}} for the measured kinds asked (all by default)."""
    window = Window(year, today)
    ids = sorted(set(partner_ids))
    wanted = [CommitmentKind(k) for k in (kinds if kinds is not None else MEASURES) if k in MEASURES]
    if not ids:
        return {kind: {} for kind in wanted}
    return {kind: MEASURES[kind](session, ids, window) for kind in wanted}
