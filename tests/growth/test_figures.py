"""Attainment, weighted forecast, year-over-year growth and constant currency, to the cent, on a small known
dataset: a territory of its own with USD and BRL deals over FY2025 and FY2026, and a BRL rate that falls in
the middle of FY2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.growth.conftest import AS_OF, NOW
from channelbase.core.errors import Duplicate, InvalidInput, NotFound, NotPermitted
from channelbase.core.money import Money
from channelbase.growth import figures as f
from channelbase.growth import fiscal, quotas
from channelbase.growth.forecast_calls import call_forecast
from channelbase.growth.plan_rates import MissingPlanRate
from channelbase.growth.standing import Target, standing


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def test_actual_rates_attainment_forecast_and_growth_to_the_cent(db, admin, ledger):
    target, _deals, _partner = ledger
    quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id,
                                               amount="4000.00"))
    result = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    # C 1,500 + D 5,000 BRL at 0.20 (1,000) + E 5,123.45 BRL at 0.16 (819.752): rounded once.
    assert result.won == usd("3319.75")
    assert result.won_full_year == usd("3319.75")
    assert result.won_deals == 3
    assert result.prior_to_date == usd("3000.00")          # A 1,000 + B 10,000 BRL at 0.20
    assert result.prior_full_year == usd("3700.00")        # and the November deal
    assert result.growth_pct == Decimal("10.7")            # 319.752 / 3,000
    assert result.quota == usd("4000.00")
    assert result.attainment_pct == Decimal("83.0")        # 3,319.75 / 4,000 = 82.99 %
    assert result.gap == usd("680.25")
    assert result.categories == {"commit": usd("2000.00"), "best_case": usd("533.33"),  # 3,333.33 x 0.16
                                 "pipeline": usd("1000.00"), "omitted": usd("500.00")}
    assert result.category_deals == {"commit": 1, "best_case": 1, "pipeline": 1, "omitted": 1}
    # F 2,000 x 80 % + G 533.3328 x 60 % + H 1,000 x 10 %; I is omitted; the 2027 deal is next year's.
    assert result.weighted_open == usd("2020.00")          # 1,600 + 319.99968 + 100
    assert result.weighted_forecast == usd("5339.75")
    assert result.commit_forecast == usd("5319.75")
    described = [rate.described for rate in result.rates]
    assert described == ["BRL at 0.2000 (rate of 2025-01-01, admin)", "BRL at 0.2000 (rate of 2026-01-01, admin)",
                         "BRL at 0.1600 (rate of 2026-07-01, admin)"]


def test_constant_currency_converts_both_years_at_the_plan_rate(db, admin, ledger):
    target, _deals, _partner = ledger
    result = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF), f.CONSTANT)
    # 1,500 + (5,000 + 5,123.45) BRL x 0.19 = 1,500 + 1,923.4555
    assert result.won == usd("3423.46")
    assert result.prior_to_date == usd("2900.00")          # 1,000 + 10,000 x 0.19
    assert result.growth_pct == Decimal("18.1")            # 523.4555 / 2,900 = 18.05 %
    assert result.categories["best_case"] == usd("633.33")  # 3,333.33 x 0.19 = 633.3327
    assert result.weighted_open == usd("2080.00")          # 1,600 + 379.99962 + 100
    assert [rate.described for rate in result.rates] == ["BRL at 0.1900 (FY2026 plan rate)"]
    assert result.quota is None and result.attainment_pct is None and result.gap is None


def test_a_partner_reads_the_same_figures_from_its_deals(db, admin, ledger):
    target, _deals, partner = ledger
    as_partner = standing(db, admin, Target("partner", partner.id, partner.name),
                          f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    as_territory = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    for name in ("won", "prior_to_date", "prior_full_year", "categories", "weighted_open"):
        assert getattr(as_partner, name) == getattr(as_territory, name), name


def test_a_missing_plan_rate_is_a_clear_error(db, admin, ledger):
    target, _deals, _partner = ledger
    with pytest.raises(MissingPlanRate, match=r"No FY2025 plan rate for BRL→USD.*Plan rates"):
        standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2025), date(2025, 12, 31)), f.CONSTANT)


def test_a_year_to_date_splits_at_the_same_day_a_year_earlier(db, admin, ledger):
    target, _deals, _partner = ledger
    year_end = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2025), date(2026, 3, 1)))
    assert year_end.won == year_end.won_full_year == usd("3700.00")   # a past year: all of it is "to date"
    early = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), date(2026, 2, 15)))
    assert early.won == usd("1500.00") and early.prior_to_date == Money.zero("USD")
    assert early.won_full_year == usd("3319.75") and early.growth_pct is None


def test_a_forecast_call_moves_a_deal_and_the_default_clears_it(db, admin, ledger):
    target, deals, _partner = ledger
    call_forecast(db, admin, deals["H"].id, "commit", now=NOW)
    db.flush()
    result = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    assert result.categories["commit"] == usd("3000.00") and result.categories["pipeline"] == Money.zero("USD")
    assert call_forecast(db, admin, deals["I"].id, "pipeline", now=NOW) == "pipeline"
    db.flush()
    result = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    assert result.categories["omitted"] == Money.zero("USD")
    assert result.weighted_open == usd("2070.00")          # I's 50 is weighted again
    with pytest.raises(InvalidInput, match="closed"):
        call_forecast(db, admin, deals["C"].id, "commit", now=NOW)
    with pytest.raises(InvalidInput, match="not a forecast category"):
        call_forecast(db, admin, deals["F"].id, "maybe", now=NOW)


def test_a_growth_quota_is_derived_from_the_prior_year_and_split_by_quarter(db, admin, ledger):
    target, _deals, _partner = ledger
    quota = quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id,
                                                       growth_pct="25", split=("20", "20", "30", "30")))
    assert quota.base_minor == 370000 and quota.growth_pct == Decimal("25")
    assert quota.amount_minor == 462500                    # 3,700.00 x 1.25
    assert quota.quarters_minor == (92500, 92500, 138750, 138750)
    assert sum(quota.quarters_minor) == quota.amount_minor


def test_bad_quotas_get_clear_errors(db, admin, ledger, actor):
    target, _deals, _partner = ledger
    quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id,
                                               amount="4000"))
    with pytest.raises(Duplicate, match=r"FY2026 already has a bookings quota for territory Growth Test.*edit"):
        quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id,
                                                   amount="5000"))
    with pytest.raises(InvalidInput, match=r"Territory #999999 does not exist"):
        quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=999999,
                                                   amount="5000"))
    with pytest.raises(InvalidInput, match=r"adding up to 100"):
        quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2027, scope="territory", target_id=target.id,
                                                   amount="5000", split=("50", "50", "50", "0")))
    with pytest.raises(InvalidInput, match=r"closed nothing in FY2024"):
        quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2025, scope="territory", target_id=target.id,
                                                   growth_pct="10"))
    with pytest.raises(ValueError, match="either an amount or a growth percentage"):
        quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id, amount="1", growth_pct="2")
    with pytest.raises(NotPermitted):
        quotas.set_quota(db, actor("lucia"), quotas.QuotaIn(fiscal_year=2028, scope="territory",
                                                            target_id=target.id, amount="1"))
    with pytest.raises(NotFound):
        quotas.get_quota(db, actor("ana"), 1)


def test_a_fiscal_year_is_named_by_the_year_it_ends_in(db, admin):
    fiscal.set_start_month(db, admin, 3)
    db.flush()
    fy = fiscal.fiscal_year(db, 2027)
    assert (fy.start, fy.end) == (date(2026, 3, 1), date(2027, 2, 28))
    assert fy.quarter(4).start == date(2026, 12, 1) and fy.quarter(4).end == date(2027, 2, 28)
    assert fiscal.current_year(db, date(2026, 3, 1)).year == 2027
    assert fiscal.current_year(db, date(2026, 2, 28)).year == 2026
    year, quarter = fiscal.parse_quarter(db, "2027Q2")
    assert quarter.start == date(2026, 6, 1)
    with pytest.raises(InvalidInput, match="like 2026Q4|write it as 2026Q4"):
        fiscal.parse_quarter(db, "Q5 2026")
    with pytest.raises(InvalidInput, match="1 to 12"):
        fiscal.set_start_month(db, admin, 13)



def test_arr_annualises_the_subscription_share_of_each_won_deal(db, admin, ledger):
    from channelbase.deals.models import OpportunityProduct, Product, ProductPrice
    target, deals, _partner = ledger
    products = {}
    for sku, term, subscription, prices in (("ARR-1Y", "annual", True, {"USD": 10000, "BRL": 50000}),
                                            ("ARR-3Y", "3-year", True, {"BRL": 300000}),
                                            ("ARR-ONE", "one-time", False, {"BRL": 100000})):
        product = Product(sku=sku, name=sku, family="Test", term=term, is_subscription=subscription, active=True)
        db.add(product)
        db.flush()
        db.add_all(ProductPrice(product_id=product.id, currency=currency, list_price_minor=minor)
                   for currency, minor in prices.items())
        products[sku] = product
    # C: USD 1,500, all annual subscription -> ARR 1,500. E: BRL 5,123.45 with a 3-year subscription (list 3,000)
    # and a one-time service (list 1,000): a quarter of it is one year of subscription -> BRL 1,280.86 at 0.16.
    db.add_all([OpportunityProduct(opportunity_id=deals["C"].id, product_id=products["ARR-1Y"].id, quantity=2),
                OpportunityProduct(opportunity_id=deals["E"].id, product_id=products["ARR-3Y"].id, quantity=1),
                OpportunityProduct(opportunity_id=deals["E"].id, product_id=products["ARR-ONE"].id, quantity=1)])
    db.flush()
    quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="territory", target_id=target.id,
                                               metric="arr", amount="2000.00"))
    result = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF), metric="arr")
    assert result.metric == "arr"
    assert result.won == usd("1704.94")                    # 1,500 + 1,280.86 x 0.16 (204.9376)
    assert result.prior_to_date == Money.zero("USD")       # last year's deals had no products
    assert result.quota == usd("2000.00") and result.attainment_pct == Decimal("85.2")
    bookings = standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF))
    assert bookings.quota is None and bookings.won == usd("3319.75")  # the ARR quota is not a bookings quota
    with pytest.raises(InvalidInput, match="not a quota metric"):
        standing(db, admin, target, f.Window(fiscal.fiscal_year(db, 2026), AS_OF), metric="tcv")
