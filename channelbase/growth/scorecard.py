"""One partner's quarter on one page: bookings against plan and the prior year, pipeline, registrations, win
rate, deal size, expiring registrations and contact cadence, each with what it compares to and a status, and
the deal lists a quarterly business review (QBR) walks through, and the joint business plan's commitments
against their actuals (channelbase/plans/review.py).

Money figures come from `figures.compute` (the same sums as the growth dashboard, at actual or plan rates);
counts read the partner's deals directly. A metric Channelbase has no data for yet says so (`missing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money, format_rate
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, Stage, StageOutcome
from channelbase.enablement.certifications import certified_people
from channelbase.enablement.models import CourseKind
from channelbase.engagement.cadence import State, partner_cadence
from channelbase.growth import figures as f
from channelbase.growth.fiscal import FiscalYear, Period
from channelbase.growth.models import ForecastCall, ForecastCategory, QuotaScope
from channelbase.growth.plan_rates import plan_rate_book
from channelbase.growth.standing import Standing, Target, quotas_of, standing_from
from channelbase.partners.models import Partner
from channelbase.plans.review import PlanSection, certified_target, plan_section

GOOD, WATCH, BAD, NONE = "good", "watch", "bad", "none"
EXPIRING_DAYS = 30
TOP_DEALS = 15
PIPELINE_COVERAGE_GOOD, PIPELINE_COVERAGE_WATCH = Decimal(3), Decimal("1.5")  # open pipeline / gap to quota
WIN_RATE_GOOD, WIN_RATE_WATCH = Decimal(40), Decimal(20)                      # percent, by count
APPROVAL_GOOD, APPROVAL_WATCH = Decimal(70), Decimal(50)                      # percent of decisions
PACE_WATCH = Decimal("0.8")                                                   # of plan (or prior) to date
APPROVED_ONCE = (RegistrationStatus.APPROVED, RegistrationStatus.CONVERTED, RegistrationStatus.EXPIRED)


@dataclass(frozen=True)
class Comparison:
    """What a metric is measured against. `key` names the wording (qbr_text "cmp.<key>", with {arg})."""

    key: str
    value: Any              # Money, int, Decimal (percent or ratio, see kind), date, str or None
    kind: str = "money"     # money | count | percent | ratio | date | text
    arg: str = ""


@dataclass(frozen=True)
class Metric:
    key: str                # qbr_text "metric.<key>" is its label
    value: Any
    kind: str               # as Comparison.kind
    status: str             # good | watch | bad | none
    comparisons: tuple[Comparison, ...] = ()
    missing: str | None = None  # qbr_text "missing.<key>": why there is no value


@dataclass(frozen=True)
class DealLine:
    id: int
    name: str
    stage: str
    close_date: date
    amount: Money           # in the deal's currency
    reporting: Money        # in the reporting currency, at the view's rate
    probability: int
    category: str           # closed, commit, best_case, pipeline, omitted


@dataclass(frozen=True)
class MonthBar:
    year: int
    month: int
    current: Money
    prior: Money


@dataclass(frozen=True)
class StageBar:
    name: str
    deals: int
    amount: Money


@dataclass
class Scorecard:
    partner: Partner
    fiscal_year: FiscalYear
    quarter: Period
    quarter_number: int
    next_quarter: Period
    view: str
    as_of: date             # figures "to date" stop here: today, or the quarter's end for a past quarter
    today: date
    reporting: str
    standing: Standing
    metrics: list[Metric]
    won_deals: list[DealLine]
    closing_next: list[DealLine]
    commitments: list[DealLine]
    months: list[MonthBar]
    stages: list[StageBar]
    rates: list[str] = field(default_factory=list)
    plan: PlanSection | None = None  # the partner's active joint business plan of the year, measured to as_of

    def metric(self, key: str) -> Metric:
        return next(metric for metric in self.metrics if metric.key == key)


def partner_scorecard(session: Session, actor: User, partner_id: int, quarter: Period, fiscal_year: FiscalYear, *,
                      today: date, view: str = f.ACTUAL) -> Scorecard:
    """The partner's scorecard for a quarter of a fiscal year; NotFound unless the actor may see the partner."""
    f.check_view(view)
    partner = get_visible(session, actor, Partner, partner_id)
    if not (fiscal_year.start <= quarter.start and quarter.end <= fiscal_year.end):
        raise InvalidInput(f"{quarter.label} is not a quarter of {fiscal_year.label}.",
                           field_errors={"quarter": "like 2026Q4"})
    as_of = min(today, quarter.end)
    window = f.Window(fiscal_year, as_of)
    scope = (Opportunity.partner_id, Opportunity.partner_id == partner.id)
    figures = f.compute(session, actor, window, f.deal_source(actor, window, *scope), view, by_month=True,
                        calls_scope=scope)
    sums = figures.by_key.get(partner.id, f.Sums())
    target = Target(QuotaScope.PARTNER, partner.id, partner.name)
    standing = standing_from(target, window, figures, sums, quotas_of(session, fiscal_year.year, [target.key])
                             .get(target.key))
    number = fiscal_year.quarter_of(quarter.start)
    convert = _Converter(session, view, fiscal_year, figures.reporting)
    card = Scorecard(partner, fiscal_year, quarter, number, next_quarter(fiscal_year, number), view, as_of, today,
                     figures.reporting, standing, [], [], [], [], _months(figures, sums, fiscal_year),
                     _stages(session, figures, sums))
    deals = _Deals(session, actor, partner.id, convert)
    card.plan = plan_section(session, actor, partner.id, fiscal_year, number, as_of)
    card.metrics = _metrics(session, actor, card, sums, figures, deals)
    card.won_deals = deals.lines(Opportunity.outcome == StageOutcome.WON,
                                 Opportunity.close_date.between(quarter.start, quarter.end))
    card.closing_next = deals.lines(Opportunity.outcome == StageOutcome.OPEN,
                                    Opportunity.close_date.between(card.next_quarter.start, card.next_quarter.end),
                                    limit=TOP_DEALS)
    card.commitments = [line for line in deals.lines(Opportunity.outcome == StageOutcome.OPEN,
                                                     Opportunity.close_date <= card.next_quarter.end)
                        if line.category == ForecastCategory.COMMIT]
    card.rates = _merge_rates([rate.described for rate in figures.rates], convert.described())
    return card


def next_quarter(fiscal_year: FiscalYear, number: int) -> Period:
    if number < 4:
        return fiscal_year.quarter(number + 1)
    return FiscalYear(fiscal_year.year + 1, fiscal_year.start_month).quarter(1)


def _merge_rates(*groups: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return list(seen)


# Metrics ----------------------------------------------------------------------------------------------------

def _metrics(session: Session, actor: User, card: Scorecard, sums: f.Sums, figures: f.Figures,
             deals: _Deals) -> list[Metric]:
    return [_bookings_year(card), _bookings_quarter(card, sums, figures), _open_pipeline(card),
            _weighted_forecast(card), _created(card, deals), _registrations(session, actor, card),
            _win_rate(card, deals), _deal_size(card, sums, figures), _expiring(session, actor, card),
            _cadence(session, actor, card), _certified(session, card),
            Metric("satisfaction", None, "percent", NONE, missing="satisfaction")]


def _bookings_year(card: Scorecard) -> Metric:
    s, fy = card.standing, card.fiscal_year
    if s.quota is None:
        return Metric("bookings_year", s.won, "money", NONE, (Comparison("prior_to_date", s.prior_to_date, arg=
                                                                         fy.prior().label),), missing="no_quota")
    plan = _plan_to_date(s.quota_quarters, fy, card.as_of)
    return Metric("bookings_year", s.won, "money", _pace_status(s.won, plan, card.as_of < fy.end),
                  (Comparison("plan_year", s.quota, arg=fy.label), Comparison("plan_to_date", plan),
                   Comparison("attainment", percent(s.won.amount, s.quota.amount), "percent")))


def _bookings_quarter(card: Scorecard, sums: f.Sums, figures: f.Figures) -> Metric:
    current = figures.money(sum((sums.won_by_month.get(key, Decimal(0)) for key in _month_keys(card.quarter)),
                                Decimal(0)))
    prior_quarter = card.fiscal_year.prior().quarter(card.quarter_number)
    prior = figures.money(sum((sums.won_by_month.get(key, Decimal(0)) for key in _month_keys(prior_quarter)),
                              Decimal(0)))
    growth = Comparison("growth", percent(current.amount - prior.amount, prior.amount) if prior.amount else None,
                        "percent")
    same_quarter = Comparison("same_quarter_last_year", prior, arg=prior_quarter.label)
    in_progress = card.as_of < card.quarter.end
    quota = card.standing.quota_quarters
    if quota:
        plan = quota[card.quarter_number - 1]
        plan_now = _prorated(plan, card.quarter, card.as_of)
        return Metric("bookings_quarter", current, "money", _pace_status(current, plan_now, in_progress),
                      (Comparison("plan_quarter", plan, arg=card.quarter.label), same_quarter, growth))
    status = _pace_status(current, prior, in_progress) if prior.amount else NONE
    return Metric("bookings_quarter", current, "money", status, (same_quarter, growth))


def _open_pipeline(card: Scorecard) -> Metric:
    s = card.standing
    amount = sum(s.categories.values(), Money.zero(card.reporting))
    count = sum(s.category_deals.values())
    live = amount - s.categories[ForecastCategory.OMITTED]
    comparisons = [Comparison("deals", count, "count")]
    status = NONE
    if s.gap is not None:
        coverage = (live.amount / s.gap.amount).quantize(Decimal("0.1")) if s.gap.amount else None
        comparisons += [Comparison("gap", s.gap), Comparison("coverage", coverage, "ratio")]
        status = GOOD if coverage is None or coverage >= PIPELINE_COVERAGE_GOOD else (
            WATCH if coverage >= PIPELINE_COVERAGE_WATCH else BAD)
    return Metric("open_pipeline", amount, "money", status, tuple(comparisons))


def _weighted_forecast(card: Scorecard) -> Metric:
    s = card.standing
    if s.quota is None:
        return Metric("weighted_forecast", s.weighted_forecast, "money", NONE,
                      (Comparison("prior_full_year", s.prior_full_year, arg=card.fiscal_year.prior().label),))
    ratio = s.weighted_forecast.amount / s.quota.amount if s.quota.amount else Decimal(1)
    status = GOOD if ratio >= 1 else WATCH if ratio >= Decimal("0.9") else BAD
    return Metric("weighted_forecast", s.weighted_forecast, "money", status,
                  (Comparison("plan_year", s.quota, arg=card.fiscal_year.label),
                   Comparison("attainment", percent(s.weighted_forecast.amount, s.quota.amount), "percent")))


def _created(card: Scorecard, deals: _Deals) -> Metric:
    prior_quarter = card.fiscal_year.prior().quarter(card.quarter_number)
    count, amount = deals.created(card.quarter)
    prior_count, prior_amount = deals.created(prior_quarter)
    status = NONE if not prior_count else _pace_status(amount, prior_amount, card.as_of < card.quarter.end)
    return Metric("pipeline_created", amount, "money", status,
                  (Comparison("deals", count, "count"),
                   Comparison("same_quarter_last_year", prior_amount, arg=prior_quarter.label)))


def _registrations(session: Session, actor: User, card: Scorecard) -> Metric:
    start, end = _utc_range(card.quarter)
    base = visible(select(func.count(Registration.id)), actor, Registration).where(
        Registration.partner_id == card.partner.id)
    submitted = session.scalar(base.where(Registration.submitted_at >= start, Registration.submitted_at < end)) or 0
    decided = base.where(Registration.decided_at >= start, Registration.decided_at < end)
    approved = session.scalar(decided.where(Registration.status.in_(APPROVED_ONCE))) or 0
    rejected = session.scalar(decided.where(Registration.status == RegistrationStatus.REJECTED)) or 0
    rate = percent(Decimal(approved), Decimal(approved + rejected)) if approved + rejected else None
    status = NONE if rate is None else GOOD if rate >= APPROVAL_GOOD else WATCH if rate >= APPROVAL_WATCH else BAD
    return Metric("registrations", rate, "percent", status,
                  (Comparison("submitted", submitted, "count"), Comparison("approved", approved, "count"),
                   Comparison("rejected", rejected, "count")))


def _win_rate(card: Scorecard, deals: _Deals) -> Metric:
    won, lost = deals.closed(card.quarter.start, card.quarter.end)
    won_ytd, lost_ytd = deals.closed(card.fiscal_year.start, card.as_of)
    rate = percent(Decimal(won), Decimal(won + lost)) if won + lost else None
    ytd = percent(Decimal(won_ytd), Decimal(won_ytd + lost_ytd)) if won_ytd + lost_ytd else None
    status = NONE if rate is None else GOOD if rate >= WIN_RATE_GOOD else WATCH if rate >= WIN_RATE_WATCH else BAD
    return Metric("win_rate", rate, "percent", status,
                  (Comparison("won", won, "count"), Comparison("lost", lost, "count"),
                   Comparison("year_to_date", ytd, "percent", card.fiscal_year.label)))


def _deal_size(card: Scorecard, sums: f.Sums, figures: f.Figures) -> Metric:
    count, prior_count = sums.won_deals.get(f.YTD, 0), sums.won_deals.get(f.PRIOR_YTD, 0)
    average = figures.money(sums.won[f.YTD] / count) if count else None
    prior = figures.money(sums.won[f.PRIOR_YTD] / prior_count) if prior_count else None
    status = NONE if average is None or prior is None else GOOD if average.amount >= prior.amount else WATCH
    return Metric("deal_size", average, "money", status,
                  (Comparison("won", count, "count"),
                   Comparison("prior_to_date", prior, arg=card.fiscal_year.prior().label)))


def _expiring(session: Session, actor: User, card: Scorecard) -> Metric:
    until = card.today + timedelta(days=EXPIRING_DAYS)
    stmt = visible(select(func.count(Registration.id), func.min(Registration.expires_on)), actor, Registration).where(
        Registration.partner_id == card.partner.id, Registration.status == RegistrationStatus.APPROVED,
        Registration.expires_on.between(card.today, until))
    count, first = session.execute(stmt).one()
    return Metric("expiring", count or 0, "count", WATCH if count else GOOD,
                  (Comparison("within_days", EXPIRING_DAYS, "count"), Comparison("first_expiry", first, "date")))


def _cadence(session: Session, actor: User, card: Scorecard) -> Metric:
    if not actor.is_staff:  # contact cadence is the vendor's own bookkeeping (partner users never read activities)
        return Metric("cadence", None, "date", NONE, missing="staff_only")
    now = datetime.combine(card.today, time(23, 59, 59), tzinfo=timezone.utc)
    status = partner_cadence(session, actor, card.partner.id, now=now)
    if status is None:
        return Metric("cadence", None, "date", NONE, missing="no_cadence_rule")
    state = status.state(card.today)
    last = status.last_touch_at.date() if status.last_touch_at else None
    return Metric("cadence", last, "date", BAD if state == State.OVERDUE else WATCH if state == State.DUE_TODAY
                  else GOOD, (Comparison("due_on", status.due_on, "date"), Comparison("every_days", status.every_days,
                                                                                       "count"),
                              Comparison("days_overdue", status.days_overdue(card.today), "count")))


def _certified(session: Session, card: Scorecard) -> Metric:
    """Sellers and pre-sales engineers holding a valid certification on the scorecard's day, against the
    plan's target for the quarter when its joint business plan has one."""
    sales = certified_people(session, card.partner.id, CourseKind.SALES, card.as_of)
    presales = certified_people(session, card.partner.id, CourseKind.PRESALES, card.as_of)
    people = sales + presales
    comparisons = [Comparison("certified_sales", sales, "count"), Comparison("certified_presales", presales, "count")]
    target = certified_target(card.plan)
    if target is None:
        return Metric("certified", people, "count", NONE, tuple(comparisons))
    status = GOOD if people >= target else WATCH if card.as_of < card.quarter.end else BAD
    return Metric("certified", people, "count", status,
                  (Comparison("plan_quarter", target, "count", card.quarter.label), *comparisons))


# Helpers ----------------------------------------------------------------------------------------------------

def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def _pace_status(actual: Money, expected: Money, in_progress: bool) -> str:
    """Good at or above what was expected by now; watch a little below (or below while the period runs)."""
    if actual.amount >= expected.amount:
        return GOOD
    if in_progress or actual.amount >= expected.amount * PACE_WATCH:
        return WATCH
    return BAD


def _prorated(amount: Money, period: Period, as_of: date) -> Money:
    """The part of a period's plan due by `as_of`, by days elapsed."""
    if as_of >= period.end:
        return amount
    if as_of < period.start:
        return Money.zero(amount.currency)
    share = Decimal((as_of - period.start).days + 1) / Decimal((period.end - period.start).days + 1)
    return Money.rounded(amount.amount * share, amount.currency)


def _plan_to_date(quarters: tuple[Money, ...], fiscal_year: FiscalYear, as_of: date) -> Money:
    total = Money.zero(quarters[0].currency)
    for plan, period in zip(quarters, fiscal_year.quarters(), strict=True):
        total += _prorated(plan, period, as_of)
    return total


def _month_keys(period: Period) -> list[str]:
    keys, day = [], period.start
    while day <= period.end:
        keys.append(f"{day.year:04d}-{day.month:02d}")
        day = (day + timedelta(days=32)).replace(day=1)
    return keys


def _utc_range(period: Period) -> tuple[datetime, datetime]:
    return (datetime.combine(period.start, time(), tzinfo=timezone.utc),
            datetime.combine(period.end + timedelta(days=1), time(), tzinfo=timezone.utc))


def _months(figures: f.Figures, sums: f.Sums, fiscal_year: FiscalYear) -> list[MonthBar]:
    bars = []
    for (year, month), (prior_year, prior_month) in zip(fiscal_year.months(), fiscal_year.prior().months(),
                                                        strict=True):
        bars.append(MonthBar(year, month, figures.money(sums.won_by_month.get(f"{year:04d}-{month:02d}", Decimal(0))),
                             figures.money(sums.won_by_month.get(f"{prior_year:04d}-{prior_month:02d}",
                                                                 Decimal(0)))))
    return bars


def _stages(session: Session, figures: f.Figures, sums: f.Sums) -> list[StageBar]:
    stages = sorted(session.scalars(select(Stage).where(Stage.outcome == StageOutcome.OPEN)),
                    key=lambda s: (s.position, s.id))
    return [StageBar(stage.name, sums.open_by_stage[stage.id][0], figures.money(sums.open_by_stage[stage.id][1]))
            for stage in stages if stage.id in sums.open_by_stage]


class _Converter:
    """Single deals in the reporting currency, the way `figures` converts them (close-date or plan rate)."""

    def __init__(self, session: Session, view: str, fiscal_year: FiscalYear, reporting: str):
        self.session, self.view, self.reporting = session, view, reporting
        self.plan = plan_rate_book(session, fiscal_year.year) if view == f.CONSTANT else None
        self._used: dict[str, None] = {}

    def many(self, items: list[tuple[Money, date]]) -> list[Money]:
        """Each (amount, close date) converted; the rates come in one query."""
        foreign = [(money, on) for money, on in items if money.currency != self.reporting]
        book = (fx.rate_book(self.session, {money.currency for money, _ in foreign}, max(on for _, on in foreign))
                if foreign and self.plan is None else None)
        return [self._one(money, on, book) for money, on in items]

    def _one(self, money: Money, on: date, book: fx.RateBook | None) -> Money:
        if money.currency == self.reporting:
            return money
        if self.plan is not None:
            rate = self.plan.rate(money.currency)
            self._used[self.plan.describe(money.currency)] = None
        else:
            assert book is not None  # many() builds it whenever a foreign amount converts at actual rates
            row = book.rate_on(money.currency, on)
            rate = row.rate
            self._used[f"{money.currency} at {format_rate(rate)} (rate of {row.effective_date.isoformat()}, "
                       f"{row.source})"] = None
        return Money.rounded(money.amount * rate, self.reporting)

    def described(self) -> list[str]:
        return list(self._used)


class _Deals:
    """The partner's deals as the actor sees them: counts and lines."""

    def __init__(self, session: Session, actor: User, partner_id: int, convert: _Converter):
        self.session, self.actor, self.partner_id, self.convert = session, actor, partner_id, convert

    def _select(self, *columns):
        return visible(select(*columns), self.actor, Opportunity).where(Opportunity.partner_id == self.partner_id)

    def closed(self, start: date, end: date) -> tuple[int, int]:
        stmt = self._select(Opportunity.outcome, func.count(Opportunity.id)).where(
            Opportunity.outcome.in_((StageOutcome.WON, StageOutcome.LOST)),
            Opportunity.close_date.between(start, end)).group_by(Opportunity.outcome)
        counts = {outcome: count for outcome, count in self.session.execute(stmt)}
        return counts.get(StageOutcome.WON, 0), counts.get(StageOutcome.LOST, 0)

    def created(self, period: Period) -> tuple[int, Money]:
        start, end = _utc_range(period)
        stmt = self._select(Opportunity.currency, Opportunity.amount_minor, Opportunity.close_date).where(
            Opportunity.created_at >= start, Opportunity.created_at < end)
        items = [(Money.from_minor(minor, currency), close) for currency, minor, close in self.session.execute(stmt)]
        return len(items), sum(self.convert.many(items), Money.zero(self.convert.reporting))

    def lines(self, *conditions, limit: int | None = None) -> list[DealLine]:
        o = Opportunity
        stmt = self._select(o.id, o.name, Stage.name, o.close_date, o.currency, o.amount_minor, o.probability,
                            o.outcome, Stage.probability, ForecastCall.category).join(Stage, Stage.id == o.stage_id) \
            .outerjoin(ForecastCall, ForecastCall.opportunity_id == o.id).where(*conditions)
        rows = list(self.session.execute(stmt))
        converted = self.convert.many([(Money.from_minor(row[5], row[4]), row[3]) for row in rows])
        lines = []
        for (id_, name, stage, close, currency, minor, probability, outcome, stage_probability, call), reporting \
                in zip(rows, converted, strict=True):
            category = "closed" if outcome != StageOutcome.OPEN else call or f.default_category(stage_probability)
            lines.append(DealLine(id_, name, stage, close, Money.from_minor(minor, currency), reporting, probability,
                                  str(category)))
        lines.sort(key=lambda line: (-line.reporting.amount, line.close_date, line.id))
        return lines[:limit] if limit else lines


__all__ = ["BAD", "GOOD", "NONE", "WATCH", "Comparison", "DealLine", "Metric", "Scorecard", "next_quarter",
           "partner_scorecard", "percent"]
