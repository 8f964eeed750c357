"""The growth tests' known dataset: a territory of its own with USD and BRL deals over FY2025 and FY2026, a BRL
rate that falls from 0.20 to 0.16 in July 2026, and a FY2026 plan rate of 0.19."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from channelbase.core.money import Money
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Stage
from channelbase.growth.forecast_calls import call_forecast
from channelbase.growth.plan_rates import set_plan_rate
from channelbase.growth.standing import Target
from channelbase.partners.models import Partner, Territory

NOW = datetime(2026, 9, 30, 12, 0, tzinfo=timezone.utc)
AS_OF = NOW.date()


@pytest.fixture
def admin(actor):
    return actor("admin")


@pytest.fixture
def ledger(db, world, admin):
    """The dataset; returns (territory target, {deal name: opportunity})."""
    root = db.get_one(Territory, world.territories["americas"]) if "americas" in world.territories else \
        db.scalars(select(Territory).where(Territory.parent_id.is_(None))).first()
    territory = Territory(name="Growth Test", parent_id=root.id, currency="USD", depth=root.depth + 1)
    db.add(territory)
    db.flush()
    territory.path = f"{root.path}{territory.id}/"
    partner = Partner(name="Ledger Partner Ltda.", name_key="ledgerpartner", type="var", tier="gold",
                      status="active", territory_id=territory.id, country="BR", currency="BRL")
    db.add(partner)
    db.flush()
    for currency, day, rate in (("BRL", date(2025, 1, 1), "0.20"), ("BRL", date(2026, 1, 1), "0.20"),
                                ("BRL", date(2026, 7, 1), "0.16")):
        fx.set_rate(db, admin, currency, day, rate)
    set_plan_rate(db, admin, 2026, "BRL", "0.19")
    stages = {stage.key: stage for stage in db.scalars(select(Stage))}
    deals = {}
    for name, currency, amount, stage, close in (
            ("A", "USD", "1000.00", "won", date(2025, 3, 10)),
            ("B", "BRL", "10000.00", "won", date(2025, 5, 20)),
            ("late 2025", "USD", "700.00", "won", date(2025, 11, 5)),     # prior year, after the same day
            ("C", "USD", "1500.00", "won", date(2026, 2, 1)),
            ("D", "BRL", "5000.00", "won", date(2026, 3, 15)),
            ("E", "BRL", "5123.45", "won", date(2026, 8, 10)),            # after the rate fell to 0.16
            ("F", "USD", "2000.00", "commit", date(2026, 11, 30)),
            ("G", "BRL", "3333.33", "negotiate", date(2026, 12, 15)),
            ("H", "USD", "1000.00", "qualify", date(2026, 10, 1)),
            ("I", "USD", "500.00", "qualify", date(2026, 10, 2)),
            ("J", "USD", "9999.00", "lost", date(2026, 5, 1)),
            ("next year", "USD", "4242.00", "commit", date(2027, 1, 15))):
        chosen = stages[stage]
        deal = Opportunity(name=f"Ledger {name}", account_id=world.accounts["brazil"], partner_id=partner.id,
                           territory_id=territory.id, currency=currency,
                           amount_minor=Money(Decimal(amount), currency).to_minor(), close_date=close,
                           stage_id=chosen.id, outcome=chosen.outcome, probability=chosen.probability,
                           stage_changed_at=NOW)
        db.add(deal)
        deals[name] = deal
    db.flush()
    call_forecast(db, admin, deals["I"].id, "omitted", now=NOW)
    db.flush()
    return Target("territory", territory.id, territory.name), deals, partner


