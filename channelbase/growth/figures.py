"""Closed-won, pipeline by forecast category and the weighted forecast of a fiscal year and the one before,
summed per key (a territory, a partner) in the reporting currency, at actual or at plan rates.

The deals (or, for territories, the pipeline rollup) are summed in SQL by key, stage, currency, the FX rate
their close date converts at and the part of the two years they fall in (this year to date, the rest of it,
the prior year to the same day, the rest of that), optionally by month as well; each group then converts
once, exactly, and every figure is rounded once at the end. Two views:
- actual: each amount at the FX rate effective on its close date (the rate history);
- constant: every amount of both years at this fiscal year's plan rate for its currency, so growth shows
  what a devaluation would otherwise hide.
Both say which rates they used."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money, format_rate, minor_units
from channelbase.deals import fx
from channelbase.deals.models import (
    TERM_MONTHS, Opportunity, OpportunityProduct, PipelineRollup, Product, ProductPrice, Stage, StageOutcome,
)
from channelbase.deals.pipeline import with_rate_dates
from channelbase.growth.fiscal import FiscalYear
from channelbase.growth.models import ForecastCall, ForecastCategory
from channelbase.growth.plan_rates import plan_rate_book

ACTUAL, CONSTANT = "actual", "constant"
VIEWS = {ACTUAL: "actual rates", CONSTANT: "constant currency (plan rates)"}
YTD, REST, PRIOR_YTD, PRIOR_REST = "ytd", "rest", "prior_ytd", "prior_rest"
OPEN_CATEGORIES = (ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE,
                   ForecastCategory.OMITTED)
_EXACT = Context(prec=60)


def default_category(probability: int) -> ForecastCategory:
    """An open deal's forecast category until a manager calls it otherwise: from its stage's probability."""
    if probability >= 80:
        return ForecastCategory.COMMIT
    if probability >= 50:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


def check_view(view: str) -> str:
    if view not in VIEWS:
        raise InvalidInput(f"'{view}' is not a currency view: use 'actual' or 'constant'.",
                           field_errors={"view": "actual or constant"})
    return view


@dataclass
class Sums:
    """Exact reporting-currency amounts of one key (Decimal, not yet rounded)."""

    won: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))      # by period
    won_deals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    categories: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    category_deals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    weighted_open: Decimal = Decimal(0)
    open_by_stage: dict[int, list] = field(default_factory=dict)    # stage id -> [deals, amount]
    won_by_month: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))  # "2026-03"

    def add(self, other: Sums) -> None:
        for period, amount in other.won.items():
            self.won[period] += amount
        for period, count in other.won_deals.items():
            self.won_deals[period] += count
        for name, amount in other.categories.items():
            self.categories[name] += amount
        for name, count in other.category_deals.items():
            self.category_deals[name] += count
        self.weighted_open += other.weighted_open
        for stage_id, (count, amount) in other.open_by_stage.items():
            totals = self.open_by_stage.setdefault(stage_id, [0, Decimal(0)])
            totals[0] += count
            totals[1] += amount
        for month, amount in other.won_by_month.items():
            self.won_by_month[month] += amount


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal
    described: str


@dataclass
class Figures:
    """The sums of every key, and what they were converted with."""

    view: str
    reporting: str
    by_key: dict[Any, Sums]
    rates: list[RateUsed]

    def total(self, keys=None) -> Sums:
        total = Sums()
        for key, sums in self.by_key.items():
            if keys is None or key in keys:
                total.add(sums)
        return total

    def money(self, amount: Decimal) -> Money:
        return Money.rounded(amount, self.reporting)


@dataclass(frozen=True)
class Window:
    fiscal_year: FiscalYear
    as_of: date

    @property
    def ytd_end(self) -> date:
        """This year's last day counted as "to date" (the day before it starts, for a year not yet begun)."""
        return max(min(self.as_of, self.fiscal_year.end), self.fiscal_year.start - timedelta(days=1))

    @property
    def prior_ytd_end(self) -> date:
        return self.fiscal_year.same_day_last_year(self.ytd_end)


def rollup_source(actor: User, window: Window, territory_ids=None):
    """Pipeline rollup rows of both years (staff: sums over whole territories), keyed by territory."""
    r = PipelineRollup
    stmt = visible(select(r.territory_id.label("key"), r.stage_id, r.outcome, r.currency, r.close_date,
                          r.deals.label("deals"), r.amount_minor.label("amount"),
                          r.weighted_minor.label("weighted")).select_from(r), actor, PipelineRollup)
    stmt = stmt.where(r.outcome != StageOutcome.LOST, r.close_date >= window.fiscal_year.prior().start,
                      r.close_date <= window.fiscal_year.end)
    if territory_ids is not None:
        stmt = stmt.where(r.territory_id.in_(territory_ids))
    return stmt


def deal_source(actor: User, window: Window, key_column, *conditions):
    """Deals of both years, keyed by `key_column` (e.g. Opportunity.partner_id), for what the rollup lacks."""
    o = Opportunity
    stmt = visible(select(key_column.label("key"), o.stage_id, o.outcome, o.currency, o.close_date,
                          literal(1, Integer).label("deals"), o.amount_minor.label("amount"),
                          (o.amount_minor * o.probability).label("weighted")).select_from(o), actor, Opportunity)
    return stmt.where(o.outcome != StageOutcome.LOST, o.close_date >= window.fiscal_year.prior().start,
                      o.close_date <= window.fiscal_year.end, *conditions)


def arr_minor():
    """A deal's annual recurring revenue, in its currency's minor units: its amount times the share of its
    products' list value (in the deal's currency) that is subscriptions, each annualised by its term (a 3-year
    subscription counts a third, a monthly one twelve times). One-time and perpetual lines count nothing; a deal
    without priced products has no ARR. Rounded to the minor unit per deal."""
    o = Opportunity
    months = case(*[(Product.term == str(term), literal(count)) for term, count in TERM_MONTHS.items() if count],
                  else_=literal(None))
    value = ProductPrice.list_price_minor * OpportunityProduct.quantity
    annual = case((Product.is_subscription.is_(True) & months.is_not(None), value * 12.0 / months), else_=0.0)
    share = (select(func.sum(annual) / func.nullif(func.sum(value), 0))
             .select_from(OpportunityProduct).join(Product, Product.id == OpportunityProduct.product_id)
             .join(ProductPrice, (ProductPrice.product_id == Product.id) & (ProductPrice.currency == o.currency))
             .where(OpportunityProduct.opportunity_id == o.id).correlate(o).scalar_subquery())
    return cast(func.round(o.amount_minor * func.coalesce(share, 0.0)), BigInteger)


def arr_source(actor: User, window: Window, key_column, *conditions):
    """Like deal_source, with each deal's ARR (arr_minor) as its amount."""
    o = Opportunity
    arr = arr_minor()
    stmt = visible(select(key_column.label("key"), o.stage_id, o.outcome, o.currency, o.close_date,
                          literal(1, Integer).label("deals"), arr.label("amount"),
                          (arr * o.probability).label("weighted")).select_from(o), actor, Opportunity)
    return stmt.where(o.outcome != StageOutcome.LOST, o.close_date >= window.fiscal_year.prior().start,
                      o.close_date <= window.fiscal_year.end, *conditions)


def compute(session: Session, actor: User, window: Window, source, view: str = ACTUAL, *,
            by_month: bool = False, calls_scope=None) -> Figures:
    """Sum `source` (rollup_source or deal_source) per key. `calls_scope`: the SQL condition on Opportunity that
    selects the deals behind the source, whose forecast calls move amounts between categories (None: none)."""
    check_view(view)
    reporting = fx.reporting_currency()
    rows = _grouped(session, source, window, by_month)
    stages = {stage.id: stage for stage in session.scalars(select(Stage))}
    converter = _Converter(session, view, window, reporting, {row[3] for row in rows},
                           max((row[4] or row[7] for row in rows), default=None))
    by_key: dict[Any, Sums] = defaultdict(Sums)
    for key, stage_id, outcome, currency, rate_date, period, month, earliest, deals, amount, weighted in rows:
        rate = converter.rate(currency, rate_date, earliest, deals)
        places = minor_units(currency)
        value = _EXACT.multiply(Decimal(amount).scaleb(-places), rate)
        sums = by_key[key]
        if outcome == StageOutcome.WON:
            sums.won[period] += value
            sums.won_deals[period] += deals
            if month is not None:
                sums.won_by_month[month] += value
        elif period in (YTD, REST):
            category = default_category(stages[stage_id].probability)
            sums.categories[category] += value
            sums.category_deals[category] += deals
            sums.weighted_open += _EXACT.multiply(Decimal(weighted).scaleb(-places - 2), rate)
            totals = sums.open_by_stage.setdefault(stage_id, [0, Decimal(0)])
            totals[0] += deals
            totals[1] += value
    if calls_scope is not None:
        _apply_calls(session, actor, window, calls_scope, stages, converter, by_key)
    return Figures(view, reporting, dict(by_key), converter.used())


def _grouped(session: Session, source, window: Window, by_month: bool) -> list[tuple]:
    fy, prior = window.fiscal_year, window.fiscal_year.prior()
    deals = source.subquery("deals")
    key = (deals.c.key, deals.c.stage_id, deals.c.outcome, deals.c.currency, deals.c.close_date)
    days = (select(*key, func.sum(deals.c.deals).label("deals"), func.sum(deals.c.amount).label("amount"),
                   func.sum(deals.c.weighted).label("weighted")).group_by(*key).subquery("days"))
    dated = with_rate_dates(session, days)
    period = case((dated.c.close_date.between(fy.start, window.ytd_end), literal(YTD)),
                  (dated.c.close_date >= fy.start, literal(REST)),
                  (dated.c.close_date <= window.prior_ytd_end, literal(PRIOR_YTD)),
                  else_=literal(PRIOR_REST)).label("period")
    if by_month:
        month = (func.to_char(dated.c.close_date, "YYYY-MM") if session.get_bind().dialect.name == "postgresql"
                 else func.strftime("%Y-%m", dated.c.close_date)).label("month")
    else:
        month = literal(None).label("month")
    groups = (dated.c.key, dated.c.stage_id, dated.c.outcome, dated.c.currency, dated.c.rate_date)
    stmt = (select(*groups, period, month, func.min(dated.c.close_date), func.sum(dated.c.deals),
                   func.sum(dated.c.amount), func.sum(dated.c.weighted))
            .where(dated.c.close_date.between(prior.start, fy.end))
            .group_by(*groups, period, month))
    return [tuple(row) for row in session.execute(stmt)]


class _Converter:
    """The rate each group converts at, and a note of every rate used."""

    def __init__(self, session: Session, view: str, window: Window, reporting: str, currencies: set[str],
                 latest: date | None):
        self.view, self.reporting = view, reporting
        self.fiscal_year = window.fiscal_year.year
        if view == CONSTANT:
            self.plan = plan_rate_book(session, self.fiscal_year)
        else:
            self.book = fx.rate_book(session, currencies, max(latest or window.fiscal_year.end,
                                                              window.fiscal_year.end))
        self._used: dict[tuple, list] = {}

    def rate(self, currency: str, rate_date: date | None, earliest: date, deals: int) -> Decimal:
        if currency == self.reporting:
            return Decimal(1)
        if self.view == CONSTANT:
            rate = self.plan.rate(currency)
            note: tuple[str, Decimal, date | None] = (currency, rate, None)
            described = self.plan.describe(currency)
        else:
            row = self.book.rate_on(currency, rate_date or earliest)  # no rate yet: MissingRate names the day
            rate = row.rate
            note = (currency, rate, row.effective_date)
            described = (f"{currency} at {format_rate(rate)} (rate of {row.effective_date.isoformat()}, "
                         f"{row.source})")
        entry = self._used.setdefault(note, [described, 0])
        entry[1] += deals
        return rate

    def used(self) -> list[RateUsed]:
        return [RateUsed(currency, rate, described) for (currency, rate, _day), (described, _deals)
                in sorted(self._used.items(), key=lambda item: (item[0][0], item[0][2] or date.min))]


def _apply_calls(session: Session, actor: User, window: Window, scope, stages: dict[int, Stage],
                 converter: _Converter, by_key: dict[Any, Sums]) -> None:
    """Move the deals a manager called differently from their default category to the one called; an omitted
    deal leaves the weighted forecast."""
    o = Opportunity
    fy = window.fiscal_year
    stmt = visible(select(scope[0], ForecastCall.category, o.stage_id, o.currency, o.close_date, o.amount_minor,
                          o.probability).join(ForecastCall, ForecastCall.opportunity_id == o.id), actor, Opportunity)
    stmt = stmt.where(o.outcome == StageOutcome.OPEN, o.close_date.between(fy.start, fy.end), *scope[1:])
    calls = list(session.execute(stmt))
    if not calls:
        return
    rates = fx.rate_book(session, {row[3] for row in calls}, max(max(row[4] for row in calls), fy.end)) \
        if converter.view == ACTUAL else None
    for key, category, stage_id, currency, close_date, amount_minor, probability in calls:
        default = default_category(stages[stage_id].probability)
        if category == default:
            continue
        if currency == converter.reporting:
            rate = Decimal(1)
        elif rates is not None:
            rate = rates.rate_on(currency, close_date).rate
        else:
            rate = converter.plan.rate(currency)
        places = minor_units(currency)
        value = _EXACT.multiply(Decimal(amount_minor).scaleb(-places), rate)
        sums = by_key[key]
        sums.categories[default] -= value
        sums.category_deals[default] -= 1
        sums.categories[category] += value
        sums.category_deals[category] += 1
        if category == ForecastCategory.OMITTED:
            sums.weighted_open -= _EXACT.multiply(Decimal(amount_minor * probability).scaleb(-places - 2), rate)


def by_month(session: Session, actor: User, window: Window, day_column, view: str = ACTUAL,
             *conditions) -> tuple[dict[str, Decimal], list[RateUsed]]:
    """The amounts of the visible deals summed by the month of `day_column` (a date expression on Opportunity,
    e.g. the day a deal was created) over both years, each converted at the rate of its day."""
    o = Opportunity
    fy, prior = window.fiscal_year, window.fiscal_year.prior()
    deals = visible(select(o.currency, day_column.label("close_date"), o.amount_minor.label("amount"))
                    .select_from(o), actor, Opportunity).where(*conditions).subquery("deals")
    days = (select(deals.c.currency, deals.c.close_date, func.sum(deals.c.amount).label("amount"))
            .where(deals.c.close_date.between(prior.start, fy.end))
            .group_by(deals.c.currency, deals.c.close_date).subquery("days"))
    dated = with_rate_dates(session, days)
    month = (func.to_char(dated.c.close_date, "YYYY-MM") if session.get_bind().dialect.name == "postgresql"
             else func.strftime("%Y-%m", dated.c.close_date))
    rows = list(session.execute(select(dated.c.currency, dated.c.rate_date, month, func.min(dated.c.close_date),
                                       func.sum(dated.c.amount)).group_by(dated.c.currency, dated.c.rate_date, month)))
    converter = _Converter(session, view, window, fx.reporting_currency(), {row[0] for row in rows},
                           max((row[1] or row[3] for row in rows), default=None))
    months: dict[str, Decimal] = defaultdict(Decimal)
    for currency, rate_date, month_key, earliest, amount in rows:
        rate = converter.rate(currency, rate_date, earliest, 1)
        months[month_key] += _EXACT.multiply(Decimal(amount).scaleb(-minor_units(currency)), rate)
    return dict(months), converter.used()
