"""Access rows of joint business plans (channelbase/plans/web.py, channelbase/plans/web_portal.py): staff draft,
change and revise the plans of the partners they see; partner users read their own partner's plan and sign it
in the portal. The plan in the URLs is a draft of partner A's, made by Lucía, with one bookings commitment."""

from __future__ import annotations

from tests.access_policies import A_TERRITORY_PAGE, STAFF
from tests.access_rows.portal_web import ANON, PORTAL

AUTO_IDS = True

# Signing partner A's plan: only its own users; other partners' users (and the distributor's) do not find it;
# staff are refused the portal (an admin only views it as a partner user, read-only).
A_PLAN_SIGN = dict(anon=ANON, admin="403", lucia="403", nathan="403", ana="ok", bruno="404", dora="404")

ROWS = {
    ("GET", "/partners/{partner_id}/plan"): A_TERRITORY_PAGE,
    ("POST", "/partners/{partner_id}/plan"): A_TERRITORY_PAGE,
    ("POST", "/plans/{plan_id}"): A_TERRITORY_PAGE,
    ("POST", "/plans/{plan_id}/commitments"): A_TERRITORY_PAGE,
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}"): A_TERRITORY_PAGE,
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}/delete"): A_TERRITORY_PAGE,
    # A bookings commitment: typed actuals are refused as a 409 about its kind, so the action was reached.
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}/actuals"): A_TERRITORY_PAGE,
    # The plan is a draft: revising it is refused as a 409 about its status.
    ("POST", "/plans/{plan_id}/revise"): A_TERRITORY_PAGE,
    ("GET", "/plans"): STAFF,
    ("GET", "/portal/plan"): PORTAL,
    ("POST", "/portal/plan/sign"): A_PLAN_SIGN,
}

# The plan make_ids created for this test: ids are not reused on PostgreSQL (sequences survive rollbacks).
_MADE: dict[str, int] = {}

BODIES = {
    ("POST", "/partners/{partner_id}/plan"): lambda world: dict(fiscal_year="2099", objectives="Matrix plan"),
    ("POST", "/plans/{plan_id}"): lambda world: dict(version=str(_MADE["plan_version"]), objectives="Matrix"),
    ("POST", "/plans/{plan_id}/commitments"): lambda world: dict(side="partner", kind="registrations", q1="2"),
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}"): lambda world: dict(
        version="1", side="partner", kind="bookings", q1="100.00"),
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}/delete"): lambda world: dict(version="1"),
    ("POST", "/plans/{plan_id}/commitments/{commitment_id}/actuals"): lambda world: dict(version="1", q1="1"),
    ("POST", "/plans/{plan_id}/revise"): lambda world: dict(version=str(_MADE["plan_version"]),
                                                            reason="Matrix revision"),
    ("POST", "/portal/plan/sign"): lambda world: dict(plan_id=str(_MADE["plan_id"]),
                                                      version=str(_MADE["plan_version"]), agree="1"),
}


def make_ids(db, actor) -> dict[str, int]:
    """A draft plan of partner A for the running fiscal year, by Lucía, with one bookings commitment."""
    from channelbase.partners.models import Partner
    from channelbase.plans import commitments, plans
    from channelbase.plans.schemas import CommitmentIn, PlanCreate
    from sqlalchemy import select
    lucia = actor("lucia")
    abertas = db.scalar(select(Partner.id).where(Partner.name == "Soluções Abertas Ltda."))
    plan = plans.create_plan(db, lucia, PlanCreate(partner_id=abertas, objectives="Matrix"))
    commitment = commitments.add_commitment(db, lucia, plan.id, CommitmentIn(side="partner", kind="bookings",
                                                                            q1="1000.00"))
    db.flush()
    _MADE.update(plan_id=plan.id, plan_version=plan.version)
    return {"plan_id": plan.id, "commitment_id": commitment.id}
