"""The dashboard's second page: open pipeline by partner type and by territory, pipeline created by month
against the prior year, and the top and falling partners by closed-won — each bar linking to its deals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Integer, case, cast, func, literal, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.errors import NotPermitted
from channelbase.core.money import Money, minor_units
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, StageOutcome
from channelbase.growth import figures as f
from channelbase.growth.dashboard import MonthLine, deals_href, first_split, month_bounds, subtrees
from channelbase.growth.fiscal import MONTH_NAMES, FiscalYear
from channelbase.growth.standing import visible_territories
from channelbase.partners.models import PARTNER_TYPE_LABELS, Partner

TOP = 10
SHORTLIST = 3 * TOP  # ranked on approximate amounts first, then measured exactly


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Money
    deals: int
    href: str


@dataclass(frozen=True)
class PartnerLine:
    partner_id: int
    name: str
    won: Money            # this fiscal year to date
    prior: Money          # the prior year to the same day
    href: str

    @property
    def change(self) -> Money:
        return self.won - self.prior


@dataclass
class PartnersView:
    window: f.Window
    view: str
    by_type: list[Bar]
    by_territory: list[Bar]
    created: list[MonthLine]
    top: list[PartnerLine]
    falling: list[PartnerLine]
    rates: list[f.RateUsed]


def partners_view(session: Session, actor: User, fiscal_year: FiscalYear, *, view: str = f.ACTUAL,
                  as_of: date) -> PartnersView:
    if not actor.is_staff:
        raise NotPermitted("The growth dashboard is for channel managers and admins.")
    window = f.Window(fiscal_year, as_of)
    by_type, type_rates = _by_type(session, actor, window, view)
    by_territory, territory_rates = _by_territory(session, actor, window, view)
    created, created_rates = _created(session, actor, window, view)
    top, falling, partner_rates = _movers(session, actor, window, view)
    rates = {(rate.currency, rate.described): rate for rate in
             (*type_rates, *territory_rates, *created_rates, *partner_rates)}
    return PartnersView(window, view, by_type, by_territory, created, top, falling,
                        [rates[key] for key in sorted(rates)])


def _open_range(fy: FiscalYear) -> dict:
    return {"outcome": StageOutcome.OPEN, "close_from": fy.start, "close_to": fy.end}


def _by_type(session: Session, actor: User, window: f.Window, view: str) -> tuple[list[Bar], list[f.RateUsed]]:
    o, fy = Opportunity, window.fiscal_year
    source = visible(select(Partner.type.label("key"), o.stage_id, o.outcome, o.currency, o.close_date,
                            literal(1, Integer).label("deals"), o.amount_minor.label("amount"),
                            (o.amount_minor * o.probability).label("weighted"))
                     .select_from(o).join(Partner, Partner.id == o.partner_id), actor, Opportunity)
    source = source.where(o.outcome == StageOutcome.OPEN, o.close_date.between(fy.start, fy.end))
    figures = f.compute(session, actor, window, source, view)
    bars = [Bar(PARTNER_TYPE_LABELS.get(key, key), figures.money(_open_amount(sums)), _open_deals(sums),
                deals_href(partner_type=key, **_open_range(fy))) for key, sums in figures.by_key.items()]
    return sorted(bars, key=lambda bar: -bar.amount.amount), figures.rates


def _open_amount(sums: f.Sums) -> Decimal:
    return sum((amount for _count, amount in sums.open_by_stage.values()), Decimal(0))


def _open_deals(sums: f.Sums) -> int:
    return sum(count for count, _amount in sums.open_by_stage.values())


def _by_territory(session: Session, actor: User, window: f.Window, view: str) -> tuple[list[Bar], list[f.RateUsed]]:
    fy = window.fiscal_year
    figures = f.compute(session, actor, window, f.rollup_source(actor, window), view)
    territories = visible_territories(session, actor)
    tree = subtrees(territories)
    tops = [t for t in territories if t.parent_id not in tree]
    bars = []
    for territory in first_split(territories, tops):
        sums = figures.total(tree[territory.id])
        bars.append(Bar(territory.name, figures.money(_open_amount(sums)), _open_deals(sums),
                        deals_href(territory_id=territory.id, **_open_range(fy))))
    return sorted(bars, key=lambda bar: -bar.amount.amount), figures.rates


def _created(session: Session, actor: User, window: f.Window, view: str) -> tuple[list[MonthLine], list[f.RateUsed]]:
    created_at = Opportunity.created_at
    day = (cast(created_at, Date) if session.get_bind().dialect.name == "postgresql" else func.date(created_at, type_=Date))
    fy = window.fiscal_year
    months, rates = f.by_month(session, actor, window, day, view)
    reporting = fx.reporting_currency()
    lines = []
    for (year, month), (prior_year, _) in zip(fy.months(), fy.prior().months(), strict=True):
        current, prior = f"{year:04d}-{month:02d}", f"{prior_year:04d}-{month:02d}"
        lines.append(MonthLine(MONTH_NAMES[month - 1], Money.rounded(months.get(current, Decimal(0)), reporting),
                               Money.rounded(months.get(prior, Decimal(0)), reporting),
                               _created_href(year, month), _created_href(prior_year, month)))
    return lines, rates


def _created_href(year: int, month: int) -> str:
    start, end = month_bounds(year, month)
    return deals_href(created_from=start, created_to=end)


def _movers(session: Session, actor: User, window: f.Window, view: str):
    """The top partners by closed-won this year to date, and those falling furthest behind last year's pace.
    Ranked first on amounts converted at each currency's latest rate (one cheap grouped query over every
    partner), then measured exactly — at the view's rates — for the few that can make either list."""
    candidates = _rough_ranking(session, actor, window)
    if not candidates:
        return [], [], []
    o = Opportunity
    source = f.deal_source(actor, window, o.partner_id, o.partner_id.in_(candidates), o.outcome == StageOutcome.WON)
    figures = f.compute(session, actor, window, source, view)
    names = dict(session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(candidates))).all())
    fy = window.fiscal_year
    lines = [PartnerLine(partner_id, names.get(partner_id, f"#{partner_id}"), figures.money(sums.won[f.YTD]),
                         figures.money(sums.won[f.PRIOR_YTD]),
                         deals_href(partner_id=partner_id, outcome=StageOutcome.WON, close_from=fy.start,
                                    close_to=window.ytd_end))
             for partner_id, sums in figures.by_key.items()]
    top = sorted((line for line in lines if line.won.amount > 0), key=lambda line: -line.won.amount)[:TOP]
    falling = sorted((line for line in lines if line.change.amount < 0), key=lambda line: line.change.amount)[:TOP]
    return top, falling, figures.rates


def _rough_ranking(session: Session, actor: User, window: f.Window) -> list[int]:
    o = Opportunity
    fy = window.fiscal_year
    period = case((o.close_date >= fy.start, literal("now")), else_=literal("prior"))
    stmt = visible(select(o.partner_id, o.currency, period, func.sum(o.amount_minor)), actor, Opportunity).where(
        o.outcome == StageOutcome.WON,
        ((o.close_date >= fy.start) & (o.close_date <= window.ytd_end))
        | ((o.close_date >= fy.prior().start) & (o.close_date <= window.prior_ytd_end)),
    ).group_by(o.partner_id, o.currency, period)
    rows = session.execute(stmt).all()
    if not rows:
        return []
    book = fx.rate_book(session, {row[1] for row in rows}, window.fiscal_year.end)
    rough: dict[int, list[Decimal]] = {}
    for partner_id, currency, part, minor in rows:
        try:
            rate = book.rate_on(currency, window.ytd_end).rate
        except fx.MissingRate:
            rate = Decimal(0)  # no rate yet: ranked last here; the exact pass names the missing rate
        amounts = rough.setdefault(partner_id, [Decimal(0), Decimal(0)])
        amounts[0 if part == "now" else 1] += Decimal(minor).scaleb(-minor_units(currency)) * rate
    by_won = sorted(rough, key=lambda pid: -rough[pid][0])[:SHORTLIST]
    by_fall = sorted(rough, key=lambda pid: rough[pid][0] - rough[pid][1])[:SHORTLIST]
    return sorted(set(by_won) | set(by_fall))
