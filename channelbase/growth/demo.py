"""Demo quotas and plan rates: every territory and manager gets a quota for the current fiscal year (+45 % to
+90 % over its prior-year actual, so the dashboard shows leaders and laggards), the named partners one each (+40 %, or a set amount), and
each currency a plan rate for this year and the last (its FX rate on the year's first day)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core.errors import InvalidInput
from channelbase.deals import fx
from channelbase.deals.models import FxRate
from channelbase.growth import fiscal, quotas
from channelbase.growth.plan_rates import set_plan_rate
from channelbase.partners.models import Partner, Territory

GROWTH_STEPS = ("45", "60", "75", "90")
PARTNER_QUOTAS = {"Soluções Abertas Ltda.": "250000", "Nube Bravo S.A. de C.V.": "180000",
                  "Distribuidora Delta S.A.": "900000", "Northwind Systems Inc.": "300000"}


def load_growth(session: Session, today: date) -> dict[str, int]:
    admin = auth_service.first_admin(session)
    if admin is None:
        return {}
    year = fiscal.current_year(session, today)
    rates = _plan_rates(session, admin, year)
    added = 0
    targets = [("territory", t.id) for t in session.scalars(select(Territory).order_by(Territory.path))]
    targets += [("manager", u.id) for u in session.scalars(select(User).where(User.role == Role.MANAGER)
                                                            .order_by(User.id))]
    for index, (scope, target_id) in enumerate(targets):
        data = quotas.QuotaIn(fiscal_year=year.year, scope=scope, target_id=target_id,
                              growth_pct=GROWTH_STEPS[index % len(GROWTH_STEPS)], split=("22", "24", "26", "28"))
        try:
            with session.begin_nested():
                quotas.set_quota(session, admin, data)
            added += 1
        except InvalidInput:
            continue  # nothing closed last year: no growth target to derive
    for name, amount in PARTNER_QUOTAS.items():
        partner_id = session.scalar(select(Partner.id).where(Partner.name == name))
        if partner_id is None:
            continue
        try:  # +40 % over last year when it sold something then; else a plain amount
            with session.begin_nested():
                quotas.set_quota(session, admin, quotas.QuotaIn(fiscal_year=year.year, scope="partner",
                                                                target_id=partner_id, growth_pct="40"))
        except InvalidInput:
            quotas.set_quota(session, admin, quotas.QuotaIn(fiscal_year=year.year, scope="partner",
                                                            target_id=partner_id, amount=amount))
        added += 1
    return {"quotas": added, "plan_rates": rates}


def _plan_rates(session: Session, admin: User, year: fiscal.FiscalYear) -> int:
    reporting = fx.reporting_currency()
    currencies = session.scalars(select(FxRate.currency).where(FxRate.quote_currency == reporting).distinct())
    count = 0
    for currency in sorted(currencies):
        for fiscal_year in (year.prior(), year):
            found = session.scalars(select(FxRate).where(
                FxRate.currency == currency, FxRate.quote_currency == reporting,
                FxRate.effective_date <= fiscal_year.start).order_by(FxRate.effective_date.desc()).limit(1)).first()
            if found is None:
                found = session.scalars(select(FxRate).where(FxRate.currency == currency, FxRate.quote_currency
                                                             == reporting).order_by(FxRate.effective_date)).first()
            if found is not None:
                set_plan_rate(session, admin, fiscal_year.year, currency, found.rate)
                count += 1
    return count
