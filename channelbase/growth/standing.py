"""Where a territory, a manager or a partner stands against its quota: attainment, forecast, gap, growth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import Integer, literal, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import get_visible, managed_territory_ids, visible
from channelbase.core.errors import InvalidInput, NotFound
from channelbase.core.money import Money
from channelbase.deals.models import Opportunity
from channelbase.growth import figures as f
from channelbase.growth.fiscal import FiscalYear
from channelbase.growth.models import ForecastCategory, Quota, QuotaMetric, QuotaScope
from channelbase.partners.models import Partner, Territory
from channelbase.partners.territories import territory_and_below


@dataclass(frozen=True)
class Target:
    scope: str         # QuotaScope, or "all" for everything the actor sees
    id: int
    label: str

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.id}"


@dataclass
class Standing:
    target: Target
    fiscal_year: FiscalYear
    view: str
    as_of: date
    quota: Money | None
    quota_quarters: tuple[Money, ...]
    won: Money                 # closed-won this fiscal year to date
    won_deals: int
    won_full_year: Money       # closed-won this fiscal year, dated to its end (a past year: the same as `won`)
    prior_to_date: Money       # the prior fiscal year to the same day
    prior_full_year: Money
    categories: dict[str, Money]
    category_deals: dict[str, int]
    weighted_open: Money       # open deals (not omitted) x their probability
    rates: list[f.RateUsed]
    metric: str = QuotaMetric.BOOKINGS  # what every amount above measures: bookings, or ARR

    @property
    def weighted_forecast(self) -> Money:
        """Closed-won plus the probability-weighted open pipeline of the year."""
        return self.won_full_year + self.weighted_open

    @property
    def attainment_pct(self) -> Decimal | None:
        return _percent(self.won_full_year.amount, self.quota.amount) if self.quota and self.quota.amount else None

    @property
    def gap(self) -> Money | None:
        """What is still missing to the quota (zero once it is met)."""
        if self.quota is None:
            return None
        missing = self.quota - self.won_full_year
        return missing if missing.amount > 0 else Money.zero(missing.currency)

    @property
    def growth_pct(self) -> Decimal | None:
        """Year over year: this year to date against the prior year to the same day."""
        if not self.prior_to_date.amount:
            return None
        return _percent(self.won.amount - self.prior_to_date.amount, self.prior_to_date.amount)

    @property
    def commit_forecast(self) -> Money:
        return self.won_full_year + self.categories[ForecastCategory.COMMIT]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def standing_from(target: Target, window: f.Window, figures: f.Figures, sums: f.Sums, quota: Quota | None) -> Standing:
    money = figures.money
    won_full = sums.won[f.YTD] + sums.won[f.REST]
    reporting = figures.reporting
    quota_money = Money.from_minor(quota.amount_minor, quota.currency) if quota else None
    quarters = tuple(Money.from_minor(q, quota.currency) for q in quota.quarters_minor) if quota else ()
    if quota is not None and quota.currency != reporting:
        raise InvalidInput(f"The FY{quota.fiscal_year} quota of {target.label} is in {quota.currency}, not the "
                           f"reporting currency {reporting}: set it again.")
    return Standing(
        target=target, fiscal_year=window.fiscal_year, view=figures.view, as_of=window.as_of,
        quota=quota_money, quota_quarters=quarters,
        won=money(sums.won[f.YTD]), won_deals=sums.won_deals[f.YTD] + sums.won_deals[f.REST],
        won_full_year=money(won_full), prior_to_date=money(sums.won[f.PRIOR_YTD]),
        prior_full_year=money(sums.won[f.PRIOR_YTD] + sums.won[f.PRIOR_REST]),
        categories={str(c): money(sums.categories[c]) for c in f.OPEN_CATEGORIES},
        category_deals={str(c): sums.category_deals[c] for c in f.OPEN_CATEGORIES},
        weighted_open=money(sums.weighted_open), rates=figures.rates)


def quotas_of(session: Session, fiscal_year: int, keys: list[str] | None = None,
              metric: str = QuotaMetric.BOOKINGS) -> dict[str, Quota]:
    stmt = select(Quota).where(Quota.fiscal_year == fiscal_year, Quota.metric == metric)
    if keys is not None:
        stmt = stmt.where(Quota.target_key.in_(keys))
    return {quota.target_key: quota for quota in session.scalars(stmt)}


def resolve_target(session: Session, actor: User, scope: str, target_id: int) -> Target:
    """The territory, manager or partner, if the actor may see it (NotFound otherwise, as for any record)."""
    if scope == QuotaScope.TERRITORY:
        territory = get_visible(session, actor, Territory, target_id)
        return Target(scope, territory.id, territory.name)
    if scope == QuotaScope.PARTNER:
        partner = get_visible(session, actor, Partner, target_id)
        return Target(scope, partner.id, partner.name)
    if scope == QuotaScope.MANAGER:
        manager = session.get(User, target_id)
        if manager is None or manager.role != Role.MANAGER or not (actor.is_admin or actor.id == manager.id):
            raise NotFound(f"Manager #{target_id} not found.")
        return Target(scope, manager.id, manager.name)
    raise InvalidInput(f"'{scope}' is not a quota scope: territory, manager or partner.",
                       field_errors={"scope": "territory, manager or partner"})


def standing(session: Session, actor: User, target: Target, window: f.Window, view: str = f.ACTUAL,
             metric: str = QuotaMetric.BOOKINGS) -> Standing:
    """One target's standing in bookings (territories and managers read the pipeline rollup, partners their
    deals) or in ARR (every target reads its deals and their products)."""
    if metric not in set(QuotaMetric):
        raise InvalidInput(f"'{metric}' is not a quota metric: bookings or arr.", field_errors={"metric": "unknown"})
    if target.scope == QuotaScope.PARTNER:
        scope = Opportunity.partner_id == target.id
        calls = (Opportunity.partner_id, scope)
    else:
        territory_ids = (territory_and_below(target.id) if target.scope == QuotaScope.TERRITORY
                         else managed_territory_ids(session.get_one(User, target.id)))
        scope = Opportunity.territory_id.in_(territory_ids)
        calls = (Opportunity.territory_id, scope)
    if metric == QuotaMetric.ARR:
        source = f.arr_source(actor, window, literal(0, Integer), scope)
    elif target.scope == QuotaScope.PARTNER:
        source = f.deal_source(actor, window, literal(0, Integer), scope)
    else:
        source = f.rollup_source(actor, window, territory_ids)
    # Forecast calls move bookings between categories; ARR's categories stay as the deals' probabilities put them.
    figures = f.compute(session, actor, window, source, view,
                        calls_scope=calls if metric == QuotaMetric.BOOKINGS else None)
    quota = quotas_of(session, window.fiscal_year.year, [target.key], metric).get(target.key)
    result = standing_from(target, window, figures, figures.total(), quota)
    result.metric = metric
    return result


def visible_territories(session: Session, actor: User) -> list[Territory]:
    return list(session.scalars(visible(select(Territory), actor).order_by(Territory.path)))
