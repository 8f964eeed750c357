"""The demo's onboarding: a template for distributors and one for VARs (other types get the built-in steps), and
a journey for every partner in status "onboarding", started 5 to 120 days ago, with some manual steps done by
its owner and the automatic ones ticked from whatever data the demo holds for the partner."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.visibility import system_actor
from channelbase.onboarding import journey_templates, journeys, rules
from channelbase.onboarding.models import PartnerJourney, PartnerJourneyStep
from channelbase.onboarding.schemas import TemplateIn
from channelbase.partners.models import Partner, PartnerStatus

TEMPLATES = [
    ("Distributor onboarding", "distributor", "\n".join([
        "Distribution agreement signed | agreement_signed",
        "Credit line and price list set up",
        "Portal users invited | portal_users_invited",
        "Sales training passed | sales_training_passed",
        "Reseller recruitment plan agreed",
        "First deal registered | first_registration",
        "First QBR held | first_qbr",
    ])),
    ("VAR onboarding", "var", "\n".join([
        "Partner agreement signed | agreement_signed",
        "Welcome call held",
        "Portal users invited | portal_users_invited",
        "Sales training passed | sales_training_passed",
        "Pre-sales training passed | presales_training_passed",
        "First deal registered | first_registration",
        "First QBR held | first_qbr",
    ])),
]
SEED = 29


def load_onboarding(session: Session, today: date) -> dict[str, int]:
    admin = system_actor()
    for name, partner_type, steps in TEMPLATES:
        journey_templates.create_template(session, admin, TemplateIn(name=name, partner_type=partner_type,
                                                                     steps=steps))
    partners = session.scalars(select(Partner).where(Partner.status == PartnerStatus.ONBOARDING,
                                                     Partner.deleted_at.is_(None)).order_by(Partner.id)).all()
    rng = random.Random(SEED)
    started = []
    for partner in partners:
        signed = today - timedelta(days=rng.randint(5, 120))
        journey = journeys.start_journey(session, admin, partner.id, agreement_signed_on=signed, today=today)
        _tick_manual_steps(session, rng, journey, partner.owner_id, today)
        started.append(journey)
    now = datetime.combine(today, time(12), timezone.utc)
    ticked = rules.refresh(session, started, now=now) if started else 0
    done = session.scalar(select(func.count()).select_from(PartnerJourneyStep)
                          .where(PartnerJourneyStep.done_at.is_not(None))) or 0
    completed = session.scalar(select(func.count()).select_from(PartnerJourney)
                               .where(PartnerJourney.completed_on.is_not(None))) or 0
    return {"journey_templates": len(TEMPLATES), "partner_journeys": len(started), "journey_steps_done": done,
            "journey_steps_ticked_from_data": ticked, "partner_journeys_completed": completed}


def _tick_manual_steps(session: Session, rng: random.Random, journey: PartnerJourney, owner_id: int | None,
                       today: date) -> None:
    """Two journeys in three have their manual steps done by the owner a few days after the start."""
    if rng.random() >= 2 / 3 or owner_id is None:
        return
    for step in journeys.steps_of(session, [journey.id])[journey.id]:
        if step.rule is None and step.done_at is None:
            day = min(today, journey.started_on + timedelta(days=rng.randint(1, 10)))
            step.done_at = datetime.combine(day, time(15), timezone.utc)
            step.done_by_id, step.evidence = owner_id, "Done on the welcome call"
    journeys.settle_completion(session, journey)
