"""The growth JSON API: where a territory, manager or partner stands against its quota."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from channelbase.core.api_errors import ERRORS
from channelbase.core.base import utcnow
from channelbase.core.errors import NotPermitted
from channelbase.core.money import Money
from channelbase.deals.deal_schemas import MoneyOut
from channelbase.growth import figures as f
from channelbase.growth import fiscal
from channelbase.growth.standing import Standing, resolve_target, standing
from channelbase.web.deps import ApiActor, SessionDep

router = APIRouter(responses=ERRORS)


class StandingOut(BaseModel):
    scope: str
    id: int
    label: str
    fiscal_year: int
    metric: str
    view: str
    as_of: str
    quota: MoneyOut | None
    quota_quarters: list[MoneyOut]
    closed_won: MoneyOut
    closed_won_to_date: MoneyOut
    prior_year_to_date: MoneyOut
    prior_year: MoneyOut
    attainment_pct: Decimal | None
    gap: MoneyOut | None
    categories: dict[str, MoneyOut]
    weighted_open: MoneyOut
    weighted_forecast: MoneyOut
    growth_pct: Decimal | None
    rates_used: list[str]


def _money(value: Money | None) -> MoneyOut | None:
    return None if value is None else MoneyOut(amount=value.amount, currency=value.currency, formatted=value.format())


def _out(result: Standing) -> StandingOut:
    money = _money
    return StandingOut(
        scope=result.target.scope, id=result.target.id, label=result.target.label,
        fiscal_year=result.fiscal_year.year, metric=result.metric, view=result.view, as_of=result.as_of.isoformat(),
        quota=money(result.quota), quota_quarters=[m for q in result.quota_quarters if (m := money(q))],
        closed_won=money(result.won_full_year), closed_won_to_date=money(result.won),
        prior_year_to_date=money(result.prior_to_date), prior_year=money(result.prior_full_year),
        attainment_pct=result.attainment_pct, gap=money(result.gap),
        categories={name: m for name, value in result.categories.items() if (m := money(value))},
        weighted_open=money(result.weighted_open), weighted_forecast=money(result.weighted_forecast),
        growth_pct=result.growth_pct, rates_used=[rate.described for rate in result.rates])


@router.get("/growth/standing/{scope}/{target_id}", response_model=StandingOut, tags=["growth"])
def get_standing(scope: str, target_id: int, db: SessionDep, actor: ApiActor,
                 year: int | None = Query(None, description="Fiscal year (default: the current one)"),
                 view: str = Query(f.ACTUAL, description="actual or constant (plan rates)"),
                 metric: str = Query("bookings", description="bookings or arr (annual recurring revenue)")):
    """Closed-won against quota, forecast by category, weighted forecast and growth of one target."""
    if not actor.is_staff:
        raise NotPermitted("Quotas and attainment are for channel managers and admins.")
    today = utcnow().date()
    fiscal_year = fiscal.fiscal_year(db, year) if year else fiscal.current_year(db, today)
    target = resolve_target(db, actor, scope, target_id)
    return _out(standing(db, actor, target, f.Window(fiscal_year, today), f.check_view(view), metric))
