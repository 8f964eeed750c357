"""The growth dashboard: the actor's whole scope against its quota, by territory and by manager, the open
pipeline of the year by stage, and bookings by month against the prior year — from one pass over the pipeline
rollup (a few thousand grouped rows at any scale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.core.errors import NotPermitted
from channelbase.core.money import Money
from channelbase.deals.models import Opportunity, Stage, StageOutcome
from channelbase.growth import figures as f
from channelbase.growth.fiscal import MONTH_NAMES, FiscalYear
from channelbase.growth.models import QuotaScope
from channelbase.growth.standing import Standing, Target, quotas_of, standing_from, visible_territories
from channelbase.partners.models import Territory


@dataclass(frozen=True)
class StageLine:
    stage: Stage
    deals: int
    amount: Money
    href: str


@dataclass(frozen=True)
class MonthLine:
    label: str             # "Mar"
    current: Money
    prior: Money
    current_href: str
    prior_href: str


@dataclass
class Overview:
    window: f.Window
    view: str
    total: Standing
    territories: list[tuple[Standing, str]]   # (standing, drill-down href)
    parent: Territory | None                  # whose children `territories` are (None: the actor's top level)
    managers: list[tuple[Standing, str]]
    funnel: list[StageLine]
    months: list[MonthLine]
    rates: list[f.RateUsed]


def deals_href(**filters) -> str:
    """The pipeline list filtered to what a chart mark or table row sums."""
    query = {name: (value.isoformat() if isinstance(value, date) else value) for name, value in filters.items()
             if value not in (None, "")}
    return "/opportunities?" + urlencode(query)


def overview(session: Session, actor: User, fiscal_year: FiscalYear, *, view: str = f.ACTUAL, as_of: date,
             parent_id: int | None = None) -> Overview:
    if not actor.is_staff:
        raise NotPermitted("The growth dashboard is for channel managers and admins.")
    window = f.Window(fiscal_year, as_of)
    figures = f.compute(session, actor, window, f.rollup_source(actor, window), view, by_month=True,
                        calls_scope=(Opportunity.territory_id,))
    territories = visible_territories(session, actor)
    subtree = subtrees(territories)
    quotas = quotas_of(session, fiscal_year.year)
    fy = fiscal_year
    won_range = {"outcome": StageOutcome.WON, "close_from": fy.start, "close_to": fy.end}
    tops = [t for t in territories if t.parent_id not in subtree]
    parent = next((t for t in territories if t.id == parent_id), None)
    shown = [t for t in territories if t.parent_id == parent.id] if parent else first_split(territories, tops)
    by_territory = [(standing_from(Target(QuotaScope.TERRITORY, t.id, t.name), window, figures,
                                   figures.total(subtree[t.id]), quotas.get(f"territory:{t.id}")),
                     deals_href(territory_id=t.id, **won_range)) for t in shown]
    total = standing_from(_total_target(actor, tops), window, figures, figures.total(),
                          _total_quota(actor, tops, quotas))
    return Overview(window, view, total, by_territory, parent, _managers(session, actor, window, figures, territories,
                                                                         subtree, quotas),
                    _funnel(session, figures, fy), _months(figures, fy), figures.rates)


def subtrees(territories: list[Territory]) -> dict[int, set[int]]:
    return {t.id: {o.id for o in territories if o.path.startswith(t.path)} for t in territories}


def first_split(territories: list[Territory], tops: list[Territory]) -> list[Territory]:
    """The first level with more than one territory under the actor's top (one top: its children)."""
    if len(tops) != 1:
        return tops
    level = tops
    while len(level) == 1:
        children = [t for t in territories if t.parent_id == level[0].id]
        if not children:
            return level
        level = children
    return level


def _total_target(actor: User, tops: list[Territory]) -> Target:
    if actor.role == Role.MANAGER:
        return Target(QuotaScope.MANAGER, actor.id, actor.name)
    if len(tops) == 1:
        return Target(QuotaScope.TERRITORY, tops[0].id, tops[0].name)
    return Target("all", 0, "All territories")


def _total_quota(actor: User, tops: list[Territory], quotas):
    if actor.role == Role.MANAGER:
        return quotas.get(f"manager:{actor.id}")
    return quotas.get(f"territory:{tops[0].id}") if len(tops) == 1 else None


def _managers(session: Session, actor: User, window: f.Window, figures: f.Figures, territories: list[Territory],
              subtree: dict[int, set[int]], quotas) -> list[tuple[Standing, str]]:
    owners: dict[int, list[Territory]] = {}
    for territory in territories:
        if territory.owner_id is not None:
            owners.setdefault(territory.owner_id, []).append(territory)
    if not owners:
        return []
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(owners)))}
    lines = []
    for owner_id, owned in owners.items():
        user = users.get(owner_id)
        if user is None or user.role != Role.MANAGER:
            continue
        keys = set().union(*(subtree[t.id] for t in owned))
        top = min(owned, key=lambda t: t.depth)
        standing = standing_from(Target(QuotaScope.MANAGER, user.id, user.name), window, figures,
                                 figures.total(keys), quotas.get(f"manager:{user.id}"))
        fy = window.fiscal_year
        lines.append((standing, deals_href(territory_id=top.id, outcome=StageOutcome.WON, close_from=fy.start,
                                           close_to=fy.end)))
    return sorted(lines, key=lambda line: line[0].target.label.casefold())


def _funnel(session: Session, figures: f.Figures, fy: FiscalYear) -> list[StageLine]:
    total = figures.total()
    stages = sorted(session.scalars(select(Stage).where(Stage.outcome == StageOutcome.OPEN)),
                    key=lambda s: (s.position, s.id))
    return [StageLine(stage, total.open_by_stage.get(stage.id, [0, Decimal(0)])[0],
                      figures.money(total.open_by_stage.get(stage.id, [0, Decimal(0)])[1]),
                      deals_href(stage=stage.key, outcome=StageOutcome.OPEN, close_from=fy.start, close_to=fy.end))
            for stage in stages if stage.active or stage.id in total.open_by_stage]


def _months(figures: f.Figures, fy: FiscalYear) -> list[MonthLine]:
    total = figures.total()
    lines = []
    for (year, month), (prior_year, _) in zip(fy.months(), fy.prior().months(), strict=True):
        current_key, prior_key = f"{year:04d}-{month:02d}", f"{prior_year:04d}-{month:02d}"
        lines.append(MonthLine(MONTH_NAMES[month - 1], figures.money(total.won_by_month.get(current_key, Decimal(0))),
                               figures.money(total.won_by_month.get(prior_key, Decimal(0))),
                               _month_href(year, month), _month_href(prior_year, month)))
    return lines


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _month_href(year: int, month: int) -> str:
    start, end = month_bounds(year, month)
    return deals_href(outcome=StageOutcome.WON, close_from=start, close_to=end)
