"""The demo's strategies: Brazil, Mexico and US East for the current fiscal year, by their managers, with the
focus products the catalogue has."""

from __future__ import annotations

from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.deals import products
from channelbase.deals.schemas import ProductCreate
from channelbase.strategy.demo import load_strategy
from channelbase.strategy.models import TerritoryStrategy


def test_the_demo_writes_three_strategies_by_their_managers(db, actor, world, year):
    products.create_product(db, actor("admin"), ProductCreate(sku="KPP-1Y", name="Kubernetes Platform Plus",
                                                              family="Cloud", term="annual"))
    assert load_strategy(db, utcnow().date()) == {"territory_strategies": 3}
    rows = {row.territory_id: row for row in db.scalars(select(TerritoryStrategy))}
    brazil, mexico, us_east = (rows[world.territories[key]] for key in ("brazil", "mexico", "us_east"))
    assert {row.fiscal_year for row in rows.values()} == {year}
    assert brazil.updated_by_id == world.users["lucia"] and us_east.updated_by_id == world.users["nathan"]
    assert brazil.products == ["KPP-1Y"]  # the SKUs and families the catalogue lacks are left out
    assert mexico.products == ["Cloud"] and mexico.partner_mix["dmr"] == 1
    assert all(row.goals and row.industries for row in rows.values())
    # Loading again edits the same rows.
    assert load_strategy(db, utcnow().date()) == {"territory_strategies": 3}
    assert len(db.scalars(select(TerritoryStrategy)).all()) == 3
