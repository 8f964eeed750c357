"""Territory strategies through the service: writing, editing with the version seen, stale and concurrent saves,
the checks on what is typed, and who may read or write whose strategy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from channelbase.auth.visibility import visible
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.deals import products
from channelbase.deals.schemas import ProductCreate
from channelbase.strategy import service
from channelbase.strategy.models import TerritoryStrategy
from channelbase.strategy.schemas import StrategyIn
from channelbase.web.forms import parse


def _audit(db, strategy) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "territory_strategies",
                                                           AuditEntry.entity_id == strategy.id)
                           .order_by(AuditEntry.id)))


def test_a_manager_writes_the_strategy_of_a_territory_below_hers_and_edits_it(db, actor, world, write, year):
    lucia = actor("lucia")  # owns Latin America: Brazil is below it
    strategy = write("lucia", "brazil", partner_mix={"var": 12, "msp": "4", "distributor": 0},
                     industries="Government\nFinancial services, Healthcare\ngovernment", goals="  Win the tenders. ")
    assert strategy.partner_mix == {"distributor": 0, "var": 12, "msp": 4}  # in the partner types' order
    assert strategy.industries == ["Government", "Financial services", "Healthcare"]  # repeats dropped
    assert strategy.goals == "Win the tenders." and strategy.version == 1 and strategy.updated_by_id == lucia.id
    edited = write("admin", "brazil", partner_mix={"var": 14}, goals="Win the tenders and the banks.",
                   version=strategy.version)
    assert edited.id == strategy.id and edited.version == 2 and edited.partner_mix == {"var": 14}
    assert edited.updated_by_id == actor("admin").id
    assert _audit(db, strategy) == ["create", "update"]
    assert service.get_strategy(db, lucia, world.territories["brazil"], year).id == strategy.id
    assert service.get_strategy(db, lucia, world.territories["brazil"], year + 1) is None


def test_saving_the_same_values_again_changes_and_audits_nothing(db, write):
    strategy = write("lucia", "brazil", partner_mix={"var": 3}, goals="Same")
    again = write("lucia", "brazil", partner_mix={"var": 3}, goals="Same", version=1)
    assert again.version == 1 and _audit(db, strategy) == ["create"]


def test_an_edit_made_on_an_older_version_is_refused_and_says_who_saved(db, write):
    strategy = write("lucia", "brazil", goals="First")
    write("admin", "brazil", goals="The admin's", version=1)
    with pytest.raises(StaleEdit, match="changed by Ada Admin"):
        write("lucia", "brazil", goals="Lucía's, on version 1", version=1)
    db.refresh(strategy)
    assert strategy.goals == "The admin's"


def test_a_second_strategy_for_the_same_year_is_an_edit_of_the_first_not_a_duplicate(db, world, write, year):
    first = write("lucia", "brazil", goals="First")
    # Saved from the empty form (no version) after someone wrote one: refused, so nothing is overwritten unseen.
    with pytest.raises(StaleEdit, match=r"Lucía Fernández <lucia@channelbase.demo> saved Brazil's FY\d+ strategy"):
        write("admin", "brazil", goals="Also first")
    edited = write("admin", "brazil", goals="Second", version=first.version)
    next_year = write("lucia", "brazil", goals="Next year", fiscal_year=year + 1)
    rows = db.scalars(select(TerritoryStrategy).where(
        TerritoryStrategy.territory_id == world.territories["brazil"]).order_by(TerritoryStrategy.fiscal_year)).all()
    assert [r.id for r in rows] == [first.id, next_year.id] and edited.id == first.id
    assert [r.goals for r in rows] == ["Second", "Next year"]


def test_a_save_racing_another_insert_is_a_stale_edit_not_a_server_error(db, actor, world, year):
    # Another request inserts this year's strategy between this save's look-up and its insert: simulated by a
    # look-up that misses the row.
    db.add(TerritoryStrategy(territory_id=world.territories["mexico"], fiscal_year=year, goals="Theirs"))
    db.flush()
    original = db.scalars
    missed = []

    def lookup_misses_once(stmt, *args, **kwargs):
        if not missed and stmt.column_descriptions[0].get("entity") is TerritoryStrategy:
            missed.append(stmt)
            stmt = stmt.where(TerritoryStrategy.id == -1)
        return original(stmt, *args, **kwargs)

    db.scalars = lookup_misses_once
    try:
        with pytest.raises(StaleEdit, match="after you opened the page"):
            service.save_strategy(db, actor("lucia"), world.territories["mexico"],
                                  StrategyIn(fiscal_year=year, goals="Mine"))
    finally:
        del db.scalars
    assert missed
    assert db.scalars(select(TerritoryStrategy.goals).where(
        TerritoryStrategy.territory_id == world.territories["mexico"])).all() == ["Theirs"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"partner_mix": {"reseller": 3}}, "partner_mix", "unknown partner type 'reseller': use distributor, dmr, var"),
    ({"partner_mix": {"var": -2}}, "partner_mix", "VAR: -2 is negative; a target is 0 partners or more"),
    ({"partner_mix": {"msp": "many"}}, "partner_mix", "MSP: 'many' is not a whole number of partners"),
    ({"partner_mix": {"si": 10_001}}, "partner_mix", "SI / GSI: 10,001 is more than 10,000 partners"),
    ({"goals": "x" * 4001}, "goals", "at most 4,000 characters (this is 4,001): shorten it by 1"),
    ({"industries": "\n".join(f"Industry {n}" for n in range(21))}, "industries", "at most 20 industries"),
    ({"industries": "y" * 81}, "industries", "an industry is at most 80 characters"),
])
def test_what_is_typed_is_checked_with_a_message_that_says_what_to_fix(fields, field, message, year):
    with pytest.raises(InvalidInput) as refused:
        parse(StrategyIn, {"fiscal_year": year, **fields})
    assert message in refused.value.field_errors[field]


def test_goals_of_exactly_the_limit_fit_even_with_line_breaks_sent_as_two_characters(year):
    goals = ("a" * 99 + "\r\n") * 40  # 4,000 characters once each break counts one, as the browser counted them
    assert len(parse(StrategyIn, {"fiscal_year": year, "goals": goals.strip()}).goals) <= 4000


@pytest.mark.parametrize("fiscal_year", [1999, 2101])
def test_a_fiscal_year_the_calendar_cannot_name_is_refused(write, fiscal_year):
    with pytest.raises(InvalidInput, match=f"{fiscal_year} is not a fiscal year Channelbase plans for") as refused:
        write("lucia", "brazil", fiscal_year=fiscal_year)
    assert refused.value.field_errors == {"fiscal_year": "between 2000 and 2100"}


def test_focus_products_resolve_to_skus_and_families_and_unknown_or_retired_ones_are_named(db, actor, write):
    admin = actor("admin")
    products.create_product(db, admin, ProductCreate(sku="KPP-1Y", name="Kubernetes Platform Plus, 1 year",
                                                     family="Cloud", term="annual"))
    products.create_product(db, admin, ProductCreate(sku="OLD-1Y", name="Old Server", family="OS", term="annual",
                                                     active=False))
    strategy = write("lucia", "brazil", products="kpp-1y\nKubernetes Platform Plus, 1 year\ncloud")
    assert strategy.products == ["KPP-1Y", "Cloud"]  # by SKU or name (once), and the family as the catalogue has it
    assert service.product_labels(db, strategy.products) == {
        "KPP-1Y": "Kubernetes Platform Plus, 1 year (KPP-1Y)", "Cloud": "Cloud (product family)"}
    with pytest.raises(InvalidInput, match="not in the product catalogue: 'Quantum Widget'") as unknown:
        write("lucia", "brazil", products="KPP-1Y\nQuantum Widget", version=1)
    assert "products" in unknown.value.field_errors
    with pytest.raises(InvalidInput, match="no longer sold: 'OLD-1Y'"):
        write("lucia", "brazil", products="Old Server", version=1)


def test_managers_read_and_write_only_their_territories_and_partner_users_nothing(db, actor, world, write, year):
    brazil, us_east = world.territories["brazil"], world.territories["us_east"]
    write("lucia", "brazil", goals="Brazil")
    write("nathan", "us_east", goals="US East")
    nathan, lucia, ana = actor("nathan"), actor("lucia"), actor("ana")
    with pytest.raises(NotFound):
        service.get_strategy(db, nathan, brazil, year)
    with pytest.raises(NotFound):
        service.save_strategy(db, nathan, brazil, StrategyIn(fiscal_year=year, goals="Not mine"))
    with pytest.raises(NotFound):
        service.save_strategy(db, lucia, us_east, StrategyIn(fiscal_year=year, goals="Not mine either"))
    for attempt in (lambda: service.get_strategy(db, ana, brazil, year),  # ana's partner is in Brazil
                    lambda: service.save_strategy(db, ana, brazil, StrategyIn(fiscal_year=year)),
                    lambda: service.list_strategies(db, ana, year)):
        with pytest.raises(NotPermitted):
            attempt()
    assert [s.goals for s in service.list_strategies(db, nathan, year)] == ["US East"]
    assert [s.goals for s in service.list_strategies(db, lucia)] == ["Brazil"]
    assert {s.goals for s in service.list_strategies(db, actor("admin"), year)} == {"Brazil", "US East"}
    # The visibility rule itself: partner users read no strategy rows, even of their own territory.
    assert db.scalars(visible(select(TerritoryStrategy), ana)).all() == []
