"""Strategy tests: the current fiscal year, a helper writing a strategy as a persona, and a won deal."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from channelbase.core.money import Money
from channelbase.deals.models import Opportunity, Stage
from channelbase.growth import fiscal
from channelbase.strategy import service
from channelbase.strategy.schemas import StrategyIn


@pytest.fixture
def year(db) -> int:
    """The fiscal year the pages show by default."""
    return fiscal.current_year(db, datetime.now(timezone.utc).date()).year


@pytest.fixture
def write(db, actor, world, year):
    """write('lucia', 'brazil', partner_mix={...}, ...) -> the saved strategy (this fiscal year by default)."""
    def save(who: str, territory: str, **fields):
        fields.setdefault("fiscal_year", year)
        strategy = service.save_strategy(db, actor(who), world.territories[territory], StrategyIn(**fields))
        db.flush()
        return strategy
    return save


@pytest.fixture
def won_deal(db, world):
    """won_deal('brazil', '25000.00') -> a closed-won USD deal of partner A in that territory, closing today."""
    def add(territory: str, amount: str, close: date | None = None) -> Opportunity:
        won = db.scalars(select(Stage).where(Stage.key == "won")).one()
        deal = Opportunity(name=f"Strategy won {amount}", account_id=world.accounts["brazil"],
                           partner_id=world.partners["abertas"], territory_id=world.territories[territory],
                           currency="USD", amount_minor=Money(Decimal(amount), "USD").to_minor(),
                           close_date=close or datetime.now(timezone.utc).date(), stage_id=won.id,
                           outcome=won.outcome, probability=won.probability,
                           stage_changed_at=datetime.now(timezone.utc))
        db.add(deal)
        db.flush()
        return deal
    return add
