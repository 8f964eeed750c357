"""Pipeline totals in the reporting currency, and the board: one column of deals per stage.

Totals add up every matching deal in SQL, grouped by stage, currency and the FX rate effective on
the deal's close date, then convert each group at its rate (one more query for the rates). A group's amount is
the exact sum of its deals; conversion multiplies it by the rate exactly and rounds once per stage,
so the totals carry no per-deal rounding drift. Every total says which rates it used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Context, Decimal

from sqlalchemy import Integer, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.money import Money, minor_units
from channelbase.deals import fx
from channelbase.deals.deal_schemas import OpportunityFilter
from channelbase.deals.fx import MissingRate
from channelbase.auth.visibility import visible
from channelbase.deals.models import FxRate, Opportunity, PipelineRollup, Stage, StageOutcome
from channelbase.deals.opportunities import check_stage_filter, opportunity_query, stage_id_of, stalled_before
from channelbase.deals.stages import list_stages
from channelbase.partners.territories import territory_and_below
from channelbase.partners.models import Account, Partner

BOARD_CARDS = 25


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal
    rate_date: date
    source: str
    deals: int

    def describe(self) -> str:
        return f"{self.currency} at {fx.format_rate(self.rate)} (rate of {self.rate_date.isoformat()}, {self.source})"


@dataclass
class StageTotal:
    stage: Stage
    count: int
    amount: Money
    weighted: Money


@dataclass
class PipelineTotals:
    reporting: str
    stages: list[StageTotal]
    count: int
    amount: Money
    weighted: Money
    rates: list[RateUsed] = field(default_factory=list)

    def for_stage(self, stage_id: int) -> StageTotal | None:
        return next((s for s in self.stages if s.stage.id == stage_id), None)


def pipeline_totals(session: Session, actor: User, filters: OpportunityFilter, *,
                    now: datetime | None = None) -> PipelineTotals:
    """Count, amount and probability-weighted amount per stage, in the reporting currency.

    Raises MissingRate (naming the currency and date) when a deal's amount cannot be converted."""
    check_stage_filter(session, filters)
    groups = _groups(session, actor, filters, now)
    reporting = fx.reporting_currency()
    stages = {stage.id: stage for stage in list_stages(session, include_inactive=True)}
    if not groups:
        zero = Money.zero(reporting)
        return PipelineTotals(reporting, [], 0, zero, zero)
    book = fx.rate_book(session, {g[1] for g in groups}, max(g[3] for g in groups))
    # Deals before a currency's first rate: the error names the earliest.
    without_rate = [(earliest, currency) for _stage, currency, rate_date, earliest, *_sums in groups
                    if currency != reporting and rate_date is None]
    if without_rate:
        earliest, currency = min(without_rate)
        book.rate_on(currency, earliest)  # raises MissingRate
    # Integer sums per (stage, rate used); each converts once, exactly, at the end.
    buckets: dict[tuple[int, FxRate], list[int]] = {}
    for stage_id, currency, rate_date, earliest, count, minor, minor_weighted in groups:
        rate = _bucket_rate(book, currency, rate_date or earliest, reporting)
        sums = buckets.setdefault((stage_id, rate), [0, 0, 0])
        sums[0] += count
        sums[1] += minor
        sums[2] += minor_weighted
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    weighted: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    used: dict[FxRate, int] = defaultdict(int)
    for (stage_id, rate), (count, minor, minor_weighted) in buckets.items():
        digits = minor_units(rate.currency)
        amounts[stage_id] += _EXACT.multiply(Decimal(minor).scaleb(-digits), rate.rate)
        weighted[stage_id] += _EXACT.multiply(Decimal(minor_weighted).scaleb(-digits - 2), rate.rate)
        counts[stage_id] += count
        used[rate] += count
    ordered = sorted(counts, key=lambda s: (stages[s].position, s))
    totals = [StageTotal(stages[s], counts[s], Money.rounded(amounts[s], reporting), Money.rounded(weighted[s], reporting))
              for s in ordered]
    total = sum((t.amount for t in totals), Money.zero(reporting))
    total_weighted = sum((t.weighted for t in totals), Money.zero(reporting))
    rates_used = sorted((RateUsed(rate.currency, rate.rate, rate.effective_date, rate.source, deals)
                         for rate, deals in used.items() if rate.currency != reporting),
                        key=lambda r: (r.currency, r.rate_date))
    return PipelineTotals(reporting, totals, sum(counts.values()), total, total_weighted, rates_used)


_EXACT = Context(prec=60)  # amount (< 10^15, 4 decimals) x rate (24 digits): exact before the final rounding
_IDENTITY: dict[str, FxRate] = {}


def _bucket_rate(book: fx.RateBook, currency: str, close_date: date, reporting: str) -> FxRate:
    """The rate row a deal converts with; the reporting currency's 1:1 is one shared row, not one per date."""
    if currency != reporting:
        return book.rate_on(currency, close_date)
    if currency not in _IDENTITY:
        _IDENTITY[currency] = book.rate_on(currency, date.min)
    return _IDENTITY[currency]


# Filters the rollup can answer (it keeps territory, stage, outcome, currency and close date).
_ROLLUP_FILTERS = {"territory_id", "stage", "outcome", "close_from", "close_to"}


def _rollup_answers(actor: User, filters: OpportunityFilter) -> bool:
    """Whether the rollup holds the answer for these filters (staff only: partners' rows are per partner)."""
    narrowed = {name for name, value in filters if value not in (None, "")}
    return actor.is_staff and narrowed <= _ROLLUP_FILTERS


def opportunity_count(session: Session, actor: User, filters: OpportunityFilter, *,
                      now: datetime | None = None) -> int:
    """How many deals match: from the rollup when it can answer (a region's 200,000 open deals are a few
    thousand rollup rows), else counted."""
    if _rollup_answers(actor, filters):
        return session.scalar(_rollup_query(actor, filters, (func.coalesce(func.sum(PipelineRollup.deals), 0),))) or 0
    return session.scalar(opportunity_query(actor, filters, now, columns=(func.count(),))) or 0


def _groups(session: Session, actor: User, filters: OpportunityFilter, now: datetime | None) -> list[tuple]:
    """(stage id, currency, rate date, earliest close date, deals, amount_minor, weighted_minor) rows for the filters:
    the deals grouped by the FX rate their close date converts at (rate date None: no rate, or the reporting
    currency). A region's pipeline is some 20,000 (stage, currency, close date) groups but a few hundred of these,
    so the conversion below runs a few hundred times, not once per day with deals."""
    source = _rollup_source(actor, filters) if _rollup_answers(actor, filters) else _deal_source(actor, filters, now)
    return rate_groups(session, source)


def rate_groups(session: Session, source) -> list[tuple]:
    """`source` (stage_id, currency, close_date, deals, amount, weighted rows) summed per stage, currency and the
    effective date of the rate each close date converts at (the latest on or before it; None: no rate)."""
    deals = source.subquery("deals")
    key = (deals.c.stage_id, deals.c.currency, deals.c.close_date)
    days = (select(*key, func.sum(deals.c.deals).label("deals"), func.sum(deals.c.amount).label("amount"),
                   func.sum(deals.c.weighted).label("weighted")).group_by(*key).subquery("days"))
    dated = with_rate_dates(session, days)
    stmt = (select(dated.c.stage_id, dated.c.currency, dated.c.rate_date, func.min(dated.c.close_date),
                   func.sum(dated.c.deals), func.sum(dated.c.amount), func.sum(dated.c.weighted))
            .group_by(dated.c.stage_id, dated.c.currency, dated.c.rate_date))
    return [tuple(row) for row in session.execute(stmt)]


def with_rate_dates(session: Session, days):
    """`days` (a subquery with currency and close_date columns) with the effective date of the FX rate each
    close date converts at, as rate_date (None: no rate yet, or the reporting currency)."""
    # Days first (fewer rows than deals), then each day's rate, in the form each planner runs well (a region's
    # open pipeline, 11,858 days): PostgreSQL hash-joins the days to the rates' periods (35 ms; a look-up per
    # day: 43 ms); SQLite looks each day up in the rates' index (30 ms; the join scanned every rate per day:
    # 280 ms).
    if session.get_bind().dialect.name == "postgresql":
        return _dated_by_period(days)
    rate_date = (select(func.max(FxRate.effective_date))
                 .where(FxRate.currency == days.c.currency, FxRate.quote_currency == fx.reporting_currency(),
                        FxRate.effective_date <= days.c.close_date)
                 .correlate(days).scalar_subquery())
    return select(days, rate_date.label("rate_date")).subquery("dated")


def _dated_by_period(days):
    ends = func.lead(FxRate.effective_date).over(partition_by=FxRate.currency, order_by=FxRate.effective_date)
    periods = (select(FxRate.currency, FxRate.effective_date.label("starts"), ends.label("ends"))
               .where(FxRate.quote_currency == fx.reporting_currency()).subquery("rate_periods"))
    in_period = and_(periods.c.currency == days.c.currency, days.c.close_date >= periods.c.starts,
                     or_(periods.c.ends.is_(None), days.c.close_date < periods.c.ends))
    return select(days, periods.c.starts.label("rate_date")).select_from(days.outerjoin(periods, in_period)).subquery(
        "dated")


def _deal_source(actor: User, filters: OpportunityFilter, now: datetime | None):
    return opportunity_query(actor, filters, now, columns=(
        Opportunity.stage_id, Opportunity.currency, Opportunity.close_date, literal(1, Integer).label("deals"),
        Opportunity.amount_minor.label("amount"), (Opportunity.amount_minor * Opportunity.probability).label("weighted")))


def _rollup_source(actor: User, filters: OpportunityFilter):
    r = PipelineRollup
    return _rollup_query(actor, filters, (r.stage_id, r.currency, r.close_date, r.deals.label("deals"),
                                          r.amount_minor.label("amount"), r.weighted_minor.label("weighted")))


def _rollup_query(actor: User, filters: OpportunityFilter, columns: tuple):
    r = PipelineRollup
    stmt = visible(select(*columns).select_from(r), actor, PipelineRollup)
    if filters.territory_id is not None:
        stmt = stmt.where(r.territory_id.in_(territory_and_below(filters.territory_id)))
    if filters.stage:
        stmt = stmt.where(r.stage_id == stage_id_of(filters.stage))
    if filters.outcome is not None:
        stmt = stmt.where(r.outcome == filters.outcome)
    if filters.close_from is not None:
        stmt = stmt.where(r.close_date >= filters.close_from)
    if filters.close_to is not None:
        stmt = stmt.where(r.close_date <= filters.close_to)
    return stmt


def totals_or_error(session: Session, actor: User, filters: OpportunityFilter, *,
                    now: datetime | None = None) -> tuple[PipelineTotals | None, str | None]:
    """Totals for a page that must render even when a rate is missing: (totals, None) or (None, message)."""
    try:
        return pipeline_totals(session, actor, filters, now=now), None
    except MissingRate as exc:
        return None, exc.message


# The board --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    id: int
    version: int
    name: str
    partner: str
    account: str
    amount: Money
    close_date: date
    stalled: bool


@dataclass
class Column:
    stage: Stage
    cards: list[Card]
    count: int
    total: Money | None  # None when the totals could not be converted


def board(session: Session, actor: User, filters: OpportunityFilter, *, now: datetime | None = None,
          per_column: int = BOARD_CARDS, include_closed: bool = False) -> tuple[list[Column], str | None]:
    """One column per active stage (open stages, and the closed ones if asked), soonest close first."""
    # Without the closed columns, their totals are not needed: the open deals are some 60 % of the rollup.
    shown = filters if include_closed or filters.outcome is not None else filters.model_copy(
        update={"outcome": StageOutcome.OPEN})
    totals, error = totals_or_error(session, actor, shown, now=now)
    stale_before = stalled_before(now)
    columns = []
    for stage in list_stages(session):
        if stage.outcome != StageOutcome.OPEN and not include_closed:
            continue
        if filters.stage and filters.stage not in (stage.key, str(stage.id)):
            continue
        rows = session.execute(
            opportunity_query(actor, filters.model_copy(update={"stage": None}), now, columns=(
                Opportunity.id, Opportunity.version, Opportunity.name, Opportunity.amount_minor, Opportunity.currency,
                Opportunity.close_date, Opportunity.stage_changed_at, Partner.name.label("partner"),
                Account.name.label("account")))
            .join(Partner, Partner.id == Opportunity.partner_id).join(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.stage_id == stage.id)
            .order_by(Opportunity.close_date, Opportunity.id).limit(per_column)).all()
        cards = [Card(r.id, r.version, r.name, r.partner, r.account, Money.from_minor(r.amount_minor, r.currency),
                      r.close_date, stage.outcome == StageOutcome.OPEN and r.stage_changed_at < stale_before)
                 for r in rows]
        stage_total = totals.for_stage(stage.id) if totals else None
        count = stage_total.count if stage_total else (len(cards) if totals else _count(session, actor, filters,
                                                                                          stage, now))
        columns.append(Column(stage, cards, count, stage_total.amount if stage_total else (
            Money.zero(totals.reporting) if totals else None)))
    return columns, error


def _count(session: Session, actor: User, filters: OpportunityFilter, stage: Stage, now: datetime | None) -> int:
    stmt = opportunity_query(actor, filters.model_copy(update={"stage": None}), now,
                             columns=(func.count(),)).where(Opportunity.stage_id == stage.id)
    return session.scalar(stmt) or 0
