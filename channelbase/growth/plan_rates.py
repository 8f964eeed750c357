"""Plan rates: one rate per currency for a whole fiscal year, so growth in constant currency is not moved by a
devaluation. Like FX rates they are reporting-currency units per one unit of `currency`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.errors import InvalidInput
from channelbase.core.money import format_rate
from channelbase.deals import fx
from channelbase.deals.fx_csv import parse_rate
from channelbase.growth import fiscal
from channelbase.growth.models import PlanRate

HOW_TO_ADD = "set it on the Plan rates page (Growth › Plan rates) or with `channelbase growth plan-rate FY CURRENCY RATE`"
PLAN_SOURCE = "plan rate"


class MissingPlanRate(InvalidInput):
    status = 422


@dataclass(frozen=True)
class PlanRateBook:
    """The plan rates of one fiscal year, in memory."""

    fiscal_year: int
    reporting: str
    rates: dict[str, Decimal]

    def rate(self, currency: str) -> Decimal:
        if currency == self.reporting:
            return Decimal(1)
        found = self.rates.get(currency)
        if found is None:
            raise MissingPlanRate(
                f"No FY{self.fiscal_year} plan rate for {currency}→{self.reporting}: constant-currency figures need "
                f"one for every currency with deals; {HOW_TO_ADD}.",
                field_errors={"currency": f"no FY{self.fiscal_year} plan rate for {currency}"})
        return found

    def describe(self, currency: str) -> str:
        return f"{currency} at {format_rate(self.rate(currency))} (FY{self.fiscal_year} plan rate)"


def plan_rate_book(session: Session, fiscal_year: int) -> PlanRateBook:
    reporting = fx.reporting_currency()
    rows = session.execute(select(PlanRate.currency, PlanRate.rate).where(
        PlanRate.fiscal_year == fiscal_year, PlanRate.quote_currency == reporting))
    return PlanRateBook(fiscal_year, reporting, {currency: rate for currency, rate in rows})


def list_plan_rates(session: Session, actor: User, fiscal_year: int | None = None) -> list[PlanRate]:
    fx.require_staff(actor, "read plan rates")
    stmt = select(PlanRate).where(PlanRate.quote_currency == fx.reporting_currency())
    if fiscal_year is not None:
        stmt = stmt.where(PlanRate.fiscal_year == fiscal_year)
    return list(session.scalars(stmt.order_by(PlanRate.fiscal_year.desc(), PlanRate.currency)))


def set_plan_rate(session: Session, actor: User, fiscal_year: int, currency: str, rate: Decimal | int | str,
                  *, decimal_comma: bool | None = None) -> PlanRate:
    """Enter or correct the plan rate of a currency for a fiscal year; admins only."""
    fx.require_admin(actor, "set plan rates")
    fiscal_year = fiscal.fiscal_year(session, fiscal_year).year  # refuses a year outside the plannable range
    code, value = fx.rate_currency(currency), parse_rate(rate, decimal_comma=decimal_comma)
    reporting = fx.reporting_currency()
    existing = session.scalars(select(PlanRate).where(
        PlanRate.fiscal_year == fiscal_year, PlanRate.currency == code, PlanRate.quote_currency == reporting)).first()
    if existing is None:
        row = PlanRate(fiscal_year=fiscal_year, currency=code, quote_currency=reporting, rate=value)
        session.add(row)
        audit.record(session, actor, "create", row, None)
        return row
    before = audit.snapshot(existing)
    existing.rate = value
    audit.record(session, actor, "update", existing, before)
    return existing
