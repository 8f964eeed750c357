"""Demo catalogue and FX history: ~15 products with list prices, and 24 monthly rates per currency.

Deterministic with the seed and free of floats: the rate walk moves in whole basis points. The
peso argentino loses about 2.5% a month, so constant-currency reporting has something to show."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.core.money import Money
from channelbase.deals import fx, products
from channelbase.deals.models import RATE_SCALE, FxRate
from channelbase.deals.schemas import ProductCreate

LAST_RATE_DATE = date(2026, 11, 1)
MONTHS = 24
# sku, name, family, term, subscription, USD list price, active
CATALOGUE = [
    ("ELS-STD-1Y", "Enterprise Linux Server — Standard, 1 year", "OS", "annual", True, 799, True),
    ("ELS-PRM-1Y", "Enterprise Linux Server — Premium, 1 year", "OS", "annual", True, 1299, True),
    ("ELS-PRM-3Y", "Enterprise Linux Server — Premium, 3 years", "OS", "3-year", True, 3499, True),
    ("ELW-STD-1Y", "Enterprise Linux Workstation — Standard, 1 year", "OS", "annual", True, 179, True),
    ("ELS-VDC-1Y", "Enterprise Linux for Virtual Datacenters — Premium, 1 year", "OS", "annual", True, 3999, True),
    ("ELS-ELS-1Y", "Enterprise Linux Extended Life Support, 1 year", "OS", "annual", True, 1500, False),
    ("CMP-STD-1Y", "Cloud Management Platform — Standard, 1 year", "Cloud", "annual", True, 5000, True),
    ("KPP-1Y", "Kubernetes Platform Plus — 2 cores, 1 year", "Cloud", "annual", True, 9500, True),
    ("KPP-3Y", "Kubernetes Platform Plus — 2 cores, 3 years", "Cloud", "3-year", True, 25650, True),
    ("OBS-TB-MO", "Object Storage — per TB, monthly", "Cloud", "monthly", True, 25, True),
    ("AUT-STD-1Y", "Automation Platform — Standard, 100 nodes, 1 year", "Automation", "annual", True, 10000, True),
    ("AUT-PRM-1Y", "Automation Platform — Premium, 100 nodes, 1 year", "Automation", "annual", True, 14000, True),
    ("SVC-TAM-1Y", "Technical Account Manager, 1 year", "Services", "annual", True, 45000, True),
    ("TRN-SYS-5D", "Training: System Administration I (5 days)", "Services", "one-time", False, 3200, True),
    ("TRN-EXAM", "Certification exam voucher", "Services", "one-time", False, 450, True),
    ("SVC-DAY", "Consulting day, on site", "Services", "one-time", False, 1800, True),
]
# List prices in other currencies: the USD price at a list rate, rounded to the step local price lists use.
PRICE_LISTS = {"BRL": (Decimal("5.40"), 10), "MXN": (Decimal("18.50"), 10), "CAD": (Decimal("1.37"), 1)}
# USD per unit at the start of the history, and the monthly drift in basis points.
START_RATES = {
    "BRL": ("0.16500000", 0), "MXN": ("0.04900000", 0), "ARS": ("0.00098000", -250), "CLP": ("0.00102000", 0),
    "COP": ("0.00022700", 0), "PEN": ("0.26500000", 10), "CAD": ("0.71000000", 0), "EUR": ("1.05000000", 10),
}
NOISE_BPS = 150


def load_demo_catalogue(session: Session, seed: int) -> dict[str, int]:
    """Add the demo products with list prices and the FX history; returns the rows added per table."""
    admin = auth_service.first_admin(session)
    prices = sum(_add_product(session, admin, *row) for row in CATALOGUE)
    rates = _rate_rows(seed, fx.reporting_currency())
    if rates:
        session.execute(insert(FxRate), rates)
    return {"products": len(CATALOGUE), "product_prices": prices, "fx_rates": len(rates)}


def _add_product(session: Session, admin, sku: str, name: str, family: str, term: str, subscription: bool,
                 usd: int, active: bool) -> int:
    product = products.create_product(session, admin, ProductCreate(
        sku=sku, name=name, family=family, term=term, is_subscription=subscription, active=active))
    products.set_price(session, admin, product.id, Money(Decimal(usd), "USD"))
    for currency, (rate, step) in PRICE_LISTS.items():
        local = (Decimal(usd) * rate / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * step
        products.set_price(session, admin, product.id, Money(local, currency))
    return 1 + len(PRICE_LISTS)


def _months() -> list[date]:
    """The first of each month, oldest first, ending on LAST_RATE_DATE."""
    index = LAST_RATE_DATE.year * 12 + LAST_RATE_DATE.month - 1
    return [date((i // 12), i % 12 + 1, 1) for i in range(index - MONTHS + 1, index + 1)]


def _usd_walks(seed: int) -> dict[str, list[Decimal]]:
    """USD per unit for each currency and month: a seeded random walk in whole basis points."""
    rng = random.Random(f"channelbase-demo:{seed}:fx_rates")
    walks: dict[str, list[Decimal]] = {"USD": [Decimal(1)] * MONTHS}
    for currency, (start, drift) in START_RATES.items():
        rate, walk = Decimal(start), []
        for _ in range(MONTHS):
            walk.append(rate)
            rate = rate * (10_000 + drift + rng.randint(-NOISE_BPS, NOISE_BPS)) / 10_000
        walks[currency] = walk
    return walks


def _rate_rows(seed: int, reporting: str) -> list[dict]:
    """Rates quoted in the reporting currency (cross rates through USD); none if it is not in the table."""
    walks = _usd_walks(seed)
    if reporting not in walks:
        return []
    return [{"currency": currency, "quote_currency": reporting, "effective_date": month, "source": "demo",
             "rate": _published(walk[i] / walks[reporting][i])}
            for currency, walk in walks.items() if currency != reporting
            for i, month in enumerate(_months())]


def _published(rate: Decimal) -> Decimal:
    """Six significant digits, as published rates have (0.000561798 for ARS, 0.172502 for BRL)."""
    places = min(RATE_SCALE, 5 - rate.adjusted())
    return rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
