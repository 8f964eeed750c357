"""The demo's plans load onto the personas' partners: two signed in the portal, two drafts."""

from __future__ import annotations

from sqlalchemy import select

from channelbase.plans.attainment import plan_attainment
from channelbase.plans.demo import load_plans
from channelbase.plans.models import BusinessPlan, PlanRevision
from tests.plans.conftest import TODAY


def test_the_demo_loads_signed_and_draft_plans(db, world):
    added = load_plans(db, TODAY)
    assert added == {"business_plans": 4, "plan_commitments": 18, "plan_revisions": 2}
    statuses = {plan.partner_id: plan.status for plan in db.scalars(select(BusinessPlan))}
    assert statuses[world.partners["abertas"]] == "signed" and statuses[world.partners["delta"]] == "draft"
    assert len(db.scalars(select(PlanRevision)).all()) == 2
    attainment = plan_attainment(db, list(world.partners.values()), TODAY)
    assert attainment[world.partners["abertas"]] is not None and attainment[world.partners["delta"]] is None
