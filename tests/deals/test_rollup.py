"""The pipeline rollup stays in step with the deals through every kind of write, and the totals it
answers equal the totals computed from the deals themselves."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from channelbase.deals import fx, opportunities, pipeline, registrations, rollup
from channelbase.deals.deal_schemas import (
    ApproveIn, ConvertIn, MoveIn, OpportunityCreate, OpportunityFilter, OpportunityUpdate,
)
from channelbase.deals.models import Opportunity, PipelineRollup
from tests.deals.deal_helpers import NOW


@pytest.fixture
def rates(db, actor):
    for currency, rate in (("BRL", "0.18"), ("MXN", "0.055")):
        fx.set_rate(db, actor("admin"), currency, NOW.date() - timedelta(days=400), rate)


def _deal(db, lucia, world, name, amount, currency, days, stage="qualify", partner="abertas"):
    return opportunities.create_opportunity(db, lucia, OpportunityCreate(
        name=name, account_id=world.accounts["brazil" if partner == "abertas" else "bravo"],
        partner_id=world.partners[partner], amount=amount, currency=currency,
        close_date=NOW.date() + timedelta(days=days), stage=stage), now=NOW)


def test_every_write_keeps_the_rollup_in_step(db, actor, world, rates):
    lucia = actor("lucia")
    assert rollup.drift(db) == []
    first = _deal(db, lucia, world, "One", "1000.00", "BRL", 10)
    second = _deal(db, lucia, world, "Two", "2500.50", "BRL", 10)  # same rollup row as the first
    third = _deal(db, lucia, world, "Three", "999999.99", "MXN", 40, partner="bravo")
    assert rollup.drift(db) == []
    shared = db.scalars(select(PipelineRollup).where(PipelineRollup.currency == "BRL")).one()
    assert (shared.deals, shared.amount_minor, shared.weighted_minor) == (2, 350050, 350050 * 10)

    opportunities.move_stage(db, lucia, first.id, MoveIn(version=first.version, stage="negotiate"), now=NOW)
    opportunities.update_opportunity(db, lucia, second.id, OpportunityUpdate(
        version=second.version, amount="3000", currency="MXN", close_date=NOW.date() + timedelta(days=90)), now=NOW)
    opportunities.move_stage(db, lucia, third.id, MoveIn(version=third.version, stage="won"), now=NOW)
    assert rollup.drift(db) == []
    assert db.scalars(select(PipelineRollup).where(PipelineRollup.deals <= 0)).all() == []  # emptied rows go

    db.delete(db.get(Opportunity, second.id))
    db.flush()
    assert rollup.drift(db) == []


def test_a_converted_registration_lands_in_the_rollup(db, actor, world):
    lucia = actor("lucia")
    reg_id = world.registrations["abertas"]
    registrations.approve(db, lucia, reg_id, ApproveIn(version=1))
    registrations.convert(db, lucia, reg_id, ConvertIn(version=2))
    assert rollup.drift(db) == []


def test_a_rebuild_gives_what_the_incremental_upkeep_gave(db, actor, world, rates):
    lucia = actor("lucia")
    for days in (5, 5, 30, 200):
        _deal(db, lucia, world, f"Deal {days}", f"{days}00.00", "BRL", days)
    kept = sorted(db.execute(select(PipelineRollup.territory_id, PipelineRollup.stage_id, PipelineRollup.currency,
                                    PipelineRollup.close_date, PipelineRollup.deals, PipelineRollup.amount_minor,
                                    PipelineRollup.weighted_minor)).all())
    assert rollup.rebuild(db) == len(kept)
    rebuilt = sorted(db.execute(select(PipelineRollup.territory_id, PipelineRollup.stage_id, PipelineRollup.currency,
                                       PipelineRollup.close_date, PipelineRollup.deals, PipelineRollup.amount_minor,
                                       PipelineRollup.weighted_minor)).all())
    assert rebuilt == kept


@pytest.mark.parametrize("who", ["admin", "lucia", "nathan"])
@pytest.mark.parametrize("filters", [
    OpportunityFilter(), OpportunityFilter(outcome="open"), OpportunityFilter(stage="negotiate"),
    OpportunityFilter(close_from=NOW.date() + timedelta(days=20)), OpportunityFilter(territory_id=None),
], ids=["all", "open", "stage", "from", "none"])
def test_the_rollup_answers_exactly_what_the_deals_answer(db, actor, world, rates, who, filters):
    lucia = actor("lucia")
    for index, (currency, stage) in enumerate([("BRL", "qualify"), ("USD", "negotiate"), ("MXN", "won"),
                                               ("BRL", "negotiate")]):
        _deal(db, lucia, world, f"Deal {index}", f"{(index + 1) * 1234}.56", currency, 10 + 15 * index, stage=stage,
              partner="bravo" if currency == "MXN" else "abertas")
    viewer = actor(who)
    by_day = (pipeline.PipelineRollup.currency, pipeline.PipelineRollup.close_date, pipeline.PipelineRollup.stage_id)
    rollup = pipeline._rollup_source(viewer, filters)
    from_rollup = sorted(tuple(row) for row in db.execute(
        rollup.with_only_columns(*by_day, pipeline.func.sum(pipeline.PipelineRollup.deals),
                                 pipeline.func.sum(pipeline.PipelineRollup.amount_minor),
                                 pipeline.func.sum(pipeline.PipelineRollup.weighted_minor)).group_by(*by_day)))
    from_deals = sorted(tuple(row) for row in db.execute(opportunities.opportunity_query(viewer, filters, NOW, columns=(
        Opportunity.currency, Opportunity.close_date, Opportunity.stage_id, pipeline.func.count(),
        pipeline.func.sum(Opportunity.amount_minor), pipeline.func.sum(Opportunity.amount_minor * Opportunity.probability),
    )).group_by(Opportunity.currency, Opportunity.close_date, Opportunity.stage_id)))
    assert from_rollup == from_deals
    assert (len(from_deals) > 0) == (who != "nathan")  # North America has no deals here
    # and grouped by the rate each deal converts at, as the totals read them
    assert (sorted(pipeline.rate_groups(db, rollup))
            == sorted(pipeline.rate_groups(db, pipeline._deal_source(viewer, filters, NOW))))


def test_partner_users_never_read_the_rollup(db, actor, world, rates):
    _deal(db, actor("lucia"), world, "Abertas deal", "100.00", "BRL", 10)
    assert pipeline.rate_groups(db, pipeline._rollup_source(actor("ana"), OpportunityFilter())) == []  # refused
    totals = pipeline.pipeline_totals(db, actor("ana"), OpportunityFilter(), now=NOW)  # from their own deals
    assert totals.count == 2  # the world's deal and this one, both Abertas'
