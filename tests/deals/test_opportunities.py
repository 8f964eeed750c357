"""Opportunities and stages: who creates and edits deals, stage moves and velocity, stalled deals, the list."""

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from channelbase.core.config import get_settings
from channelbase.core.errors import Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.core.audit import history
from channelbase.core.money import Money, MoneyError
from channelbase.deals import fx, opportunities, products, stages
from channelbase.deals.deal_schemas import MoveIn, OpportunityFilter, OpportunityUpdate, StageIn, StageUpdate
from channelbase.deals.models import Opportunity, OpportunityProduct, StageChange
from channelbase.deals.schemas import ProductCreate
from tests.deals.deal_helpers import (
    CLOSE, NOW, TODAY, actions, audit_rows, day, fresh_indexes, later, new_opportunity, open_deal, rows,
)

__all__ = ["fresh_indexes"]


def _stage(db, key: str):
    return stages.stage_by_key(db, key)


def _update(db, who, opportunity, now=NOW, **fields) -> Opportunity:
    opportunities.update_opportunity(db, who, opportunity.id, OpportunityUpdate(version=opportunity.version,
                                                                                **fields), now=now)
    db.flush()
    return opportunity


def _move(db, who, opportunity, stage: str, now=NOW) -> Opportunity:
    opportunities.move_stage(db, who, opportunity.id, MoveIn(version=opportunity.version, stage=stage), now=now)
    db.flush()
    return opportunity


def _written(db) -> tuple[int, int, int, int]:
    return rows(db, Opportunity), rows(db, StageChange), rows(db, OpportunityProduct), audit_rows(db)


# Creating ---------------------------------------------------------------------------------------

def test_a_manager_opens_an_opportunity_in_the_first_open_stage(db, lucia, world):
    opportunity = open_deal(db, lucia, world, next_step="Demo on Friday")
    qualify = _stage(db, "qualify")
    assert (opportunity.partner_id, opportunity.account_id, opportunity.territory_id) == (
        world.partners["abertas"], world.accounts["brazil"], world.territories["brazil"])
    assert (opportunity.stage_id, opportunity.outcome, opportunity.probability, opportunity.stage_changed_at) == (
        qualify.id, "open", 10, NOW)
    assert (opportunity.amount_minor, opportunity.currency, opportunity.close_date, opportunity.source,
            opportunity.owner_id, opportunity.next_step, opportunity.registration_id) == (
        1000000, "USD", CLOSE, "partner", world.users["lucia"], "Demo on Friday", None)
    [move] = db.scalars(select(StageChange).where(StageChange.opportunity_id == opportunity.id)).all()
    assert (move.from_stage_id, move.to_stage_id, move.at, move.by_id) == (None, qualify.id, NOW,
                                                                          world.users["lucia"])
    assert actions(db, "opportunities", opportunity.id) == ["create"]


def test_an_opportunity_may_start_in_a_named_stage_with_products_and_a_distributor(db, admin, lucia, world):
    linux = products.create_product(db, admin, ProductCreate(sku="ELS-1Y", name="Linux", family="OS",
                                                             term="annual"))
    db.flush()
    opportunity = open_deal(db, lucia, world, stage="Negotiate", distributor_id=world.partners["delta"],
                            hidden_from_distributor=True, source="vendor",
                            products=[{"product_id": linux.id, "quantity": 2}, {"product_id": linux.id}])
    assert (opportunity.stage_id, opportunity.probability) == (_stage(db, "negotiate").id, 60)
    assert (opportunity.distributor_id, opportunity.hidden_from_distributor, opportunity.source) == (
        world.partners["delta"], True, "vendor")
    lines = opportunities.lines_of(db, lucia, [opportunity.id])[opportunity.id]
    assert [(p.sku, q) for p, q in lines] == [("ELS-1Y", 3)]


def test_partner_users_register_deals_instead_of_creating_opportunities(db, ana, world):
    with pytest.raises(NotPermitted, match="partners register deals"):
        open_deal(db, ana, world)


def test_a_manager_creates_opportunities_only_for_partners_they_see(db, actor, world):
    with pytest.raises(NotFound):
        open_deal(db, actor("nathan"), world)
    with pytest.raises(NotFound):
        open_deal(db, actor("lucia"), world, partner_id=world.partners["northwind"], account_id=world.accounts["us"])


def test_the_owner_must_be_staff(db, lucia, world):
    with pytest.raises(InvalidInput, match="active manager or admin"):
        open_deal(db, lucia, world, owner_id=world.users["ana"])
    assert open_deal(db, lucia, world, owner_id=world.users["admin"]).owner_id == world.users["admin"]


def test_an_opportunity_may_be_worth_zero_but_not_less(db, lucia, world):
    assert open_deal(db, lucia, world, amount="0").amount_minor == 0


@pytest.mark.parametrize("overrides, error, field, message", [
    ({"amount": "-1.00"}, MoneyError, "amount", "0 or more"),
    ({"stage": "closing"}, InvalidInput, "stage", "Unknown stage 'closing': use one of qualify, discover, propose"),
    ({"close_date": day(-366)}, InvalidInput, "close_date", "more than a year in the past"),
    ({"close_date": date(2031, 12, 2)}, InvalidInput, "close_date", "more than 5 years"),
    ({"currency": "MXN"}, fx.MissingRate, "currency", "No MXN→USD FX rate effective on"),
    ({"distributor_id": 999_999}, InvalidInput, "distributor_id", "not a distributor"),
    ({"products": [{"product_id": 999_999}]}, InvalidInput, "products", "No active product"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(db, lucia, world, overrides, error, field,
                                                                      message):
    before = _written(db)
    with pytest.raises(error, match=message) as caught:
        open_deal(db, lucia, world, **overrides)
    assert field in caught.value.field_errors
    assert _written(db) == before


def test_a_deal_won_last_month_may_be_entered(db, lucia, world):
    assert open_deal(db, lucia, world, close_date=day(-30), stage="won").outcome == "won"
    assert open_deal(db, lucia, world, close_date=day(-365)).close_date == day(-365)


@pytest.mark.parametrize("overrides, message", [
    ({"amount": 10.5}, "float"), ({"currency": "BRX"}, "not an ISO 4217"), ({"stage": ""}, "at least 1"),
])
def test_the_schema_refuses_malformed_opportunities(world, overrides, message):
    with pytest.raises(ValidationError, match=message):
        new_opportunity(world, **overrides)


# Editing ----------------------------------------------------------------------------------------

def test_a_partner_user_updates_its_own_deals_stage_amount_close_date_and_next_step(db, lucia, ana, world):
    opportunity = open_deal(db, lucia, world)
    _update(db, ana, opportunity, now=later(2), stage="propose", amount="12.500,00", decimal_comma=True,
            close_date=day(90), next_step="Send the proposal")
    assert (opportunity.probability, opportunity.amount_minor, opportunity.close_date, opportunity.next_step,
            opportunity.stage_changed_at) == (40, 1250000, day(90), "Send the proposal", later(2))
    entry = opportunities.history_of(db, ana, opportunity.id)[0]
    assert entry.action == "update" and entry.actor_id == world.users["ana"]
    assert entry.before["amount_minor"] == 1000000 and entry.after["amount_minor"] == 1250000


@pytest.mark.parametrize("fields, refused", [
    ({"name": "Mine now"}, "name"), ({"owner_id": 1}, "owner_id"), ({"source": "vendor"}, "source"),
    ({"distributor_id": None}, "distributor_id"), ({"hidden_from_distributor": True}, "hidden_from_distributor"),
])
def test_partner_users_may_not_change_the_managers_fields(db, lucia, ana, world, fields, refused):
    opportunity = open_deal(db, lucia, world, distributor_id=world.partners["delta"])
    before = audit_rows(db)
    with pytest.raises(NotPermitted, match=f"Ask your channel manager to change {refused}"):
        _update(db, ana, opportunity, next_step="ok", **fields)
    assert audit_rows(db) == before and opportunity.next_step == ""


def test_partner_users_edit_only_their_own_partners_deals(db, lucia, actor, world):
    opportunity = open_deal(db, lucia, world, distributor_id=world.partners["delta"])
    with pytest.raises(NotPermitted, match="Only the selling partner"):
        _update(db, actor("dora"), opportunity, next_step="Delta was here")  # the distributor sees it
    with pytest.raises(NotFound):
        _update(db, actor("bruno"), opportunity, next_step="Bravo was here")
    bravo = open_deal(db, lucia, world, partner_id=world.partners["bravo"], account_id=world.accounts["bravo"])
    with pytest.raises(NotFound):
        _update(db, actor("ana"), bravo, next_step="Abertas was here")


def test_an_edit_on_a_stale_version_is_refused(db, lucia, ana, world):
    opportunity = open_deal(db, lucia, world)
    loaded = opportunity.version
    _update(db, ana, opportunity, next_step="First")
    with pytest.raises(StaleEdit, match="Ana Souza"):
        opportunities.update_opportunity(db, lucia, opportunity.id, OpportunityUpdate(version=loaded,
                                                                                      next_step="Second"))
    assert opportunity.next_step == "First"


@pytest.mark.parametrize("fields, error, field", [
    ({"currency": "BRL"}, fx.MissingRate, "currency"),
    ({"amount": "5000", "currency": "MXN"}, fx.MissingRate, "currency"),
    ({"amount": "-5"}, MoneyError, "amount"),
    ({"close_date": day(-400), "next_step": "x"}, InvalidInput, "close_date"),
    ({"next_step": "x", "stage": "nowhere"}, InvalidInput, "stage"),
    ({"next_step": "x", "owner_id": 999_999}, InvalidInput, "owner_id"),
    ({"next_step": "x", "distributor_id": 999_999}, InvalidInput, "distributor_id"),
])
def test_a_refused_edit_leaves_the_opportunity_as_it_was(db, lucia, world, fields, error, field):
    opportunity = open_deal(db, lucia, world)
    loaded = (opportunity.version, opportunity.amount_minor, opportunity.currency, opportunity.close_date,
              opportunity.next_step, opportunity.stage_id, opportunity.owner_id)
    before = _written(db)
    with pytest.raises(error) as caught:
        _update(db, lucia, opportunity, **fields)
    assert field in caught.value.field_errors
    db.flush()
    db.expire_all()
    assert (opportunity.version, opportunity.amount_minor, opportunity.currency, opportunity.close_date,
            opportunity.next_step, opportunity.stage_id, opportunity.owner_id) == loaded
    assert _written(db) == before


def test_a_new_currency_alone_keeps_the_amount_as_written(db, admin, lucia, world):
    fx.set_rate(db, admin, "CLP", date(2026, 11, 1), "0.00105")
    fx.set_rate(db, admin, "BRL", date(2026, 11, 1), "0.18")
    opportunity = open_deal(db, lucia, world, amount="10000.00")
    _update(db, lucia, opportunity, currency="CLP")
    assert opportunity.amount == Money("10000", "CLP")
    _update(db, lucia, opportunity, currency="BRL")
    assert opportunity.amount == Money("10000.00", "BRL")


def test_an_amount_given_as_null_is_left_alone(db, lucia, world):
    opportunity = open_deal(db, lucia, world)
    _update(db, lucia, opportunity, amount=None, currency=None, next_step="Call back")
    assert (opportunity.amount_minor, opportunity.currency, opportunity.next_step) == (1000000, "USD", "Call back")


def test_the_distributor_may_be_changed_or_removed_by_the_manager(db, lucia, world):
    opportunity = open_deal(db, lucia, world, distributor_id=world.partners["delta"], hidden_from_distributor=True)
    _update(db, lucia, opportunity, hidden_from_distributor=False)
    assert (opportunity.distributor_id, opportunity.hidden_from_distributor) == (world.partners["delta"], False)
    _update(db, lucia, opportunity, hidden_from_distributor=None, distributor_id=world.partners["delta"])
    assert opportunity.hidden_from_distributor is False
    _update(db, lucia, opportunity, distributor_id=None)
    assert (opportunity.distributor_id, opportunity.hidden_from_distributor) == (None, False)
    with pytest.raises(InvalidInput, match="not a distributor of"):
        _update(db, lucia, opportunity, distributor_id=world.partners["bravo"])


# Stage moves and velocity ---------------------------------------------------------------------------

def test_a_stage_move_sets_outcome_probability_and_time_and_is_kept(db, lucia, world):
    opportunity = open_deal(db, lucia, world)
    _move(db, lucia, opportunity, "propose", now=later(3))
    _move(db, lucia, opportunity, "won", now=later(10))
    assert (opportunity.outcome, opportunity.probability, opportunity.stage_changed_at) == ("won", 100, later(10))
    history = opportunities.stage_history(db, lucia, opportunity.id)
    ids = {key: _stage(db, key).id for key in ("qualify", "propose", "won")}
    assert [(m.from_stage_id, m.to_stage_id, m.at) for m in history] == [
        (None, ids["qualify"], NOW), (ids["qualify"], ids["propose"], later(3)), (ids["propose"], ids["won"],
                                                                                  later(10))]
    assert opportunities.days_in_stages(history, later(12)) == [(ids["qualify"], 3.0), (ids["propose"], 7.0),
                                                                (ids["won"], 2.0)]
    _move(db, lucia, opportunity, "lost", now=later(11))
    assert (opportunity.outcome, opportunity.probability) == ("lost", 0)


def test_moving_to_the_same_stage_changes_nothing(db, lucia, world):
    opportunity = open_deal(db, lucia, world)
    _move(db, lucia, opportunity, "Qualify", now=later(5))
    assert opportunity.stage_changed_at == NOW
    assert len(opportunities.stage_history(db, lucia, opportunity.id)) == 1


def test_velocity_counts_part_days(db, lucia, world):
    opportunity = open_deal(db, lucia, world)
    _move(db, lucia, opportunity, "discover", now=later(hours=36))
    history = opportunities.stage_history(db, lucia, opportunity.id)
    assert [days for _, days in opportunities.days_in_stages(history, later(hours=42))] == [1.5, 0.2]


def test_stage_history_follows_visibility(db, lucia, actor, world):
    opportunity = open_deal(db, lucia, world)
    with pytest.raises(NotFound):
        opportunities.stage_history(db, actor("bruno"), opportunity.id)


def test_an_open_deal_unmoved_for_the_stalled_days_is_stalled(db, lucia, world):
    stalled_days = get_settings().stalled_days
    opportunity = open_deal(db, lucia, world)
    assert not opportunities.is_stalled(opportunity, later(stalled_days))
    assert opportunities.is_stalled(opportunity, later(stalled_days, hours=1))
    _move(db, lucia, opportunity, "won", now=later(1))
    assert not opportunities.is_stalled(opportunity, later(365))


def test_the_stalled_filter(db, lucia, world):
    old = open_deal(db, lucia, world, now=later(-40), name="Old deal")
    fresh = open_deal(db, lucia, world, name="Fresh deal")
    closed = open_deal(db, lucia, world, now=later(-40), stage="lost", name="Lost deal")
    stalled = _ids(db, lucia, stalled=True)
    assert old.id in stalled and fresh.id not in stalled and closed.id not in stalled
    assert old.id not in _ids(db, lucia, stalled=False) and fresh.id in _ids(db, lucia, stalled=False)


# Listing ----------------------------------------------------------------------------------------

def _ids(db, who, sort="close", **filters) -> list[int]:
    page = opportunities.list_opportunities(db, who, OpportunityFilter(**filters), sort=sort, per_page=100, now=NOW)
    return [o.id for o in page.items]


@pytest.fixture
def deals(db, lucia, actor, world):
    """Deals of Abertas (shown to Delta, hidden from it, direct), of Nube Bravo and of Northwind."""
    return dict(
        world=world.opportunities["abertas"],
        hidden=open_deal(db, lucia, world, name="Banco Horizonte — hidden", distributor_id=world.partners["delta"],
                         hidden_from_distributor=True, close_date=day(10), amount="300", stage="propose").id,
        direct=open_deal(db, lucia, world, name="Banco Horizonte — direct", close_date=day(20), amount="200",
                         source="vendor").id,
        bravo=open_deal(db, lucia, world, name="Cervecería — backup", partner_id=world.partners["bravo"],
                        account_id=world.accounts["bravo"], close_date=day(30), amount="100", stage="won").id,
        northwind=open_deal(db, actor("nathan"), world, name="Harbor — platform",
                            partner_id=world.partners["northwind"], account_id=world.accounts["us"],
                            close_date=day(40), amount="400").id,
    )


def test_partner_users_see_only_their_own_partners_opportunities(db, actor, deals):
    assert set(_ids(db, actor("ana"))) == {deals["world"], deals["hidden"], deals["direct"]}
    assert _ids(db, actor("bruno")) == [deals["bravo"]]
    with pytest.raises(NotFound):
        opportunities.get_opportunity(db, actor("bruno"), deals["world"])


def test_a_distributor_sees_the_deals_that_name_it_unless_hidden(db, actor, deals):
    dora = actor("dora")
    assert _ids(db, dora) == [deals["world"]]
    for key in ("hidden", "direct", "bravo", "northwind"):
        with pytest.raises(NotFound):
            opportunities.get_opportunity(db, dora, deals[key])


def test_managers_see_their_territories_opportunities(db, actor, deals):
    assert set(_ids(db, actor("lucia"))) == {deals[k] for k in ("world", "hidden", "direct", "bravo")}
    assert _ids(db, actor("nathan")) == [deals["northwind"]]
    assert len(_ids(db, actor("admin"))) == 5


def test_the_list_filters(db, admin, lucia, world, deals):
    assert _ids(db, admin, territory_id=world.territories["latam"]) == [
        deals["hidden"], deals["direct"], deals["bravo"], deals["world"]]
    assert _ids(db, admin, territory_id=world.territories["mexico"]) == [deals["bravo"]]
    assert _ids(db, admin, territory_id=world.territories["north_america"]) == [deals["northwind"]]
    assert _ids(db, admin, partner_id=world.partners["bravo"]) == [deals["bravo"]]
    assert _ids(db, admin, partner_type="lvar") == [deals["northwind"]]
    assert _ids(db, admin, stage="propose") == [deals["hidden"]]
    assert _ids(db, admin, stage=str(_stage(db, "won").id)) == [deals["bravo"]]
    assert _ids(db, admin, outcome="won") == [deals["bravo"]]
    assert _ids(db, admin, outcome="open", source="vendor") == [deals["direct"]]
    assert _ids(db, admin, close_from=day(15), close_to=day(35)) == [deals["direct"], deals["bravo"]]
    assert _ids(db, admin, q="HORIZONTE —") == [deals["hidden"], deals["direct"], deals["world"]]
    assert _ids(db, admin, q="100%") == []
    assert _ids(db, lucia, owner_id=world.users["lucia"], partner_id=world.partners["abertas"]) == [
        deals["hidden"], deals["direct"], deals["world"]]


def test_the_list_sorts(db, admin, deals):
    by_close = [deals[k] for k in ("hidden", "direct", "bravo", "northwind", "world")]
    assert _ids(db, admin) == by_close
    assert _ids(db, admin, sort="-close") == by_close[::-1]
    assert _ids(db, admin, sort="amount") == [deals[k] for k in ("world", "northwind", "hidden", "direct", "bravo")]
    assert _ids(db, admin, sort="name")[-2:] == [deals["bravo"], deals["northwind"]]  # Cervecería, Harbor
    assert _ids(db, admin, sort="-name")[:2] == [deals["northwind"], deals["bravo"]]
    assert _ids(db, admin, sort="nonsense") == by_close


def test_sorting_by_stage_follows_the_board_order(db, admin, lucia, world):
    discover = open_deal(db, lucia, world, stage="discover")
    stages.create_stage(db, admin, StageIn(key="intro", name="Intro call", position=15, probability=15))
    db.flush()
    intro = open_deal(db, lucia, world, stage="intro")
    qualify = world.opportunities["abertas"]
    assert _ids(db, lucia, sort="stage") == [qualify, intro.id, discover.id]
    assert _ids(db, lucia, sort="-stage") == [discover.id, intro.id, qualify]


# Stages -----------------------------------------------------------------------------------------

def test_the_default_stages_are_in_board_order(db):
    assert [(s.key, s.probability, s.outcome) for s in stages.list_stages(db)] == [
        ("qualify", 10, "open"), ("discover", 20, "open"), ("propose", 40, "open"), ("negotiate", 60, "open"),
        ("commit", 80, "open"), ("won", 100, "won"), ("lost", 0, "lost")]


@pytest.mark.parametrize("typed, key", [("propose", "propose"), ("Closed WON", "won"), ("  Negotiate ", "negotiate")])
def test_a_stage_is_found_by_key_or_name(db, typed, key):
    assert stages.stage_by_key(db, typed).key == key


def test_an_unknown_stage_names_the_valid_keys(db):
    with pytest.raises(InvalidInput) as caught:
        stages.stage_by_key(db, "closing")
    assert caught.value.message == ("Unknown stage 'closing': use one of qualify, discover, propose, negotiate, "
                                    "commit, won, lost.")
    assert caught.value.field_errors == {"stage": "unknown stage"}


def test_an_admin_adds_a_stage_and_a_new_first_stage_becomes_the_default(db, admin, lucia, world):
    stage = stages.create_stage(db, admin, StageIn(key="lead", name="Lead", position=5, probability=5))
    db.flush()
    assert [e.action for e in history(db, "stages", stage.id)] == ["create"]
    assert stages.first_open_stage(db).key == "lead"
    assert open_deal(db, lucia, world).stage_id == stage.id
    with pytest.raises(Duplicate):
        stages.create_stage(db, admin, StageIn(key="lead", name="Again", position=6, probability=5))
    with pytest.raises(NotPermitted):
        stages.create_stage(db, lucia, StageIn(key="other", name="Other", position=7, probability=5))


def test_an_admin_renames_reorders_and_reweights_a_stage(db, admin, lucia):
    propose = _stage(db, "propose")
    stages.update_stage(db, admin, propose.id, StageUpdate(version=propose.version, name="Proposal", position=45,
                                                           probability=50))
    db.flush()
    assert [s.key for s in stages.list_stages(db)][2:4] == ["negotiate", "propose"]
    assert (stages.stage_by_key(db, "proposal").id, propose.probability) == (propose.id, 50)
    with pytest.raises(NotPermitted):
        stages.update_stage(db, lucia, propose.id, StageUpdate(version=propose.version, name="Mine"))
    with pytest.raises(StaleEdit):
        stages.update_stage(db, admin, propose.id, StageUpdate(version=1, name="Stale"))


def test_a_stage_holding_opportunities_is_not_retired(db, admin, lucia, world):
    qualify, commit = _stage(db, "qualify"), _stage(db, "commit")
    with pytest.raises(InvalidInput, match="still holds opportunities") as caught:
        stages.update_stage(db, admin, qualify.id, StageUpdate(version=qualify.version, active=False))
    assert caught.value.field_errors == {"active": "stage in use"} and qualify.active
    stages.update_stage(db, admin, commit.id, StageUpdate(version=commit.version, active=False))
    db.flush()
    assert "commit" not in [s.key for s in stages.list_stages(db)]
    assert "commit" in [s.key for s in stages.list_stages(db, include_inactive=True)]
    with pytest.raises(InvalidInput, match="Unknown stage 'commit'"):
        open_deal(db, lucia, world, stage="commit")


def test_schema_refuses_bad_stage_keys_and_probabilities():
    with pytest.raises(ValidationError):
        StageIn(key="Has Space", name="X", position=1, probability=10)
    with pytest.raises(ValidationError):
        StageIn(key="ok", name="X", position=1, probability=101)


def test_today_is_a_valid_close_date_for_pipeline_deals(db, lucia, world):
    assert open_deal(db, lucia, world, close_date=TODAY).close_date == TODAY


def test_sending_back_an_unchanged_old_close_date_is_not_refused(db, actor, world):
    from channelbase.deals import opportunities
    from channelbase.deals.deal_schemas import OpportunityUpdate
    from channelbase.deals.models import Opportunity
    lucia = actor("lucia")
    deal = db.get(Opportunity, world.opportunities["abertas"])
    deal.close_date = deal.close_date.replace(year=deal.close_date.year - 2)  # e.g. an imported old deal
    db.flush()
    updated = opportunities.update_opportunity(db, lucia, deal.id, OpportunityUpdate(
        version=deal.version, close_date=deal.close_date, amount=str(deal.amount.amount), currency=deal.currency,
        next_step="Renewal call"))
    assert updated.next_step == "Renewal call"
