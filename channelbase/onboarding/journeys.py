"""A partner's onboarding journey: starting it from a template (or the built-in steps), ticking and unticking
steps by hand, and the completion date that follows the steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import channelbase.onboarding.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.onboarding.models import (
    JourneyTemplate, JourneyTemplateStep, PartnerJourney, PartnerJourneyStep, StepRule,
)
from channelbase.partners.common import check_version, require_staff
from channelbase.partners.models import Partner


@dataclass(frozen=True)
class StepSpec:
    key: str
    label: str
    rule: str | None


# Used when no active template names the partner's type and no active template is for any type.
DEFAULT_STEPS: tuple[StepSpec, ...] = (
    StepSpec("agreement-signed", "Partner agreement signed", StepRule.AGREEMENT_SIGNED),
    StepSpec("portal-users-invited", "Portal users invited", StepRule.PORTAL_USERS_INVITED),
    StepSpec("sales-training-passed", "Sales training passed", StepRule.SALES_TRAINING_PASSED),
    StepSpec("presales-training-passed", "Pre-sales training passed", StepRule.PRESALES_TRAINING_PASSED),
    StepSpec("first-registration", "First deal registered", StepRule.FIRST_REGISTRATION),
    StepSpec("first-qbr", "First QBR held", StepRule.FIRST_QBR),
)


def fitting_template(session: Session, partner_type: str) -> JourneyTemplate | None:
    """The active template for the partner's type, else the active template for any type, else None."""
    candidates = session.scalars(select(JourneyTemplate).where(
        JourneyTemplate.active.is_(True),
        (JourneyTemplate.partner_type == partner_type) | JourneyTemplate.partner_type.is_(None),
    ).order_by(JourneyTemplate.partner_type.is_(None), JourneyTemplate.id)).all()
    return candidates[0] if candidates else None


def _steps_for(session: Session, template: JourneyTemplate | None) -> list[StepSpec]:
    if template is None:
        return list(DEFAULT_STEPS)
    rows = session.scalars(select(JourneyTemplateStep).where(JourneyTemplateStep.template_id == template.id)
                           .order_by(JourneyTemplateStep.position)).all()
    return [StepSpec(row.key, row.label, row.rule) for row in rows]


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def start_journey(session: Session, actor: User, partner_id: int, *, agreement_signed_on: date | None = None,
                  today: date | None = None) -> PartnerJourney:
    """The partner's onboarding journey, started now with its template's steps (or returned if it exists).
    Given the signing date, the agreement step is ticked at once and the journey starts that day."""
    require_staff(actor, "start onboarding journeys")
    partner = get_visible(session, actor, Partner, partner_id)
    existing = session.scalar(select(PartnerJourney).where(PartnerJourney.partner_id == partner.id))
    if existing is not None:
        return existing
    today = today or utcnow().date()
    if agreement_signed_on is not None and agreement_signed_on > today:
        raise InvalidInput("The agreement cannot be signed in the future.",
                           field_errors={"agreement_signed_on": "in the future"})
    template = fitting_template(session, partner.type)
    journey = PartnerJourney(partner_id=partner.id, template_id=template.id if template else None,
                             started_on=agreement_signed_on or today)
    session.add(journey)
    session.flush()
    for position, spec in enumerate(_steps_for(session, template), start=1):
        step = PartnerJourneyStep(journey_id=journey.id, position=position, key=spec.key, label=spec.label,
                                  rule=spec.rule, evidence="")
        if spec.rule == StepRule.AGREEMENT_SIGNED and agreement_signed_on is not None:
            step.done_at = start_of_day(agreement_signed_on)
            step.evidence = f"Agreement signed {agreement_signed_on.isoformat()}"
        session.add(step)
    session.flush()
    audit.record(session, actor, "start", journey, None)
    settle_completion(session, journey)
    return journey


def steps_of(session: Session, journey_ids: list[int]) -> dict[int, list[PartnerJourneyStep]]:
    """The steps of the journeys, in order, keyed by journey id (journeys already checked visible)."""
    found: dict[int, list[PartnerJourneyStep]] = {journey_id: [] for journey_id in journey_ids}
    if not journey_ids:
        return found
    for step in session.scalars(select(PartnerJourneyStep).where(PartnerJourneyStep.journey_id.in_(journey_ids))
                                .order_by(PartnerJourneyStep.journey_id, PartnerJourneyStep.position)):
        found[step.journey_id].append(step)
    return found


def settle_completions(session: Session, journeys: Sequence[PartnerJourney]) -> None:
    """Complete each journey on the day its last step was done once every step is; reopen it otherwise.
    One query for all the journeys given."""
    if not journeys:
        return
    session.flush()
    counts = {row.journey_id: row for row in session.execute(
        select(PartnerJourneyStep.journey_id, func.count().label("total"),
               func.count(PartnerJourneyStep.done_at).label("done"), func.max(PartnerJourneyStep.done_at).label("last"))
        .where(PartnerJourneyStep.journey_id.in_([journey.id for journey in journeys]))
        .group_by(PartnerJourneyStep.journey_id))}
    for journey in journeys:
        row = counts.get(journey.id)
        completed_on = _day(row.last) if row is not None and row.done == row.total else None
        if journey.completed_on != completed_on:
            journey.completed_on = completed_on
    session.flush()


def _day(value: datetime | str) -> date:
    # MAX() over a column loses its type on SQLite (a string comes back); PostgreSQL returns the datetime.
    return value.date() if isinstance(value, datetime) else datetime.fromisoformat(value).date()


def settle_completion(session: Session, journey: PartnerJourney) -> None:
    settle_completions(session, [journey])


def _visible_step(session: Session, actor: User, step_id: int, version: int) -> PartnerJourneyStep:
    require_staff(actor, "tick onboarding steps")
    step = get_visible(session, actor, PartnerJourneyStep, step_id)
    check_version(session, step, version)
    return step


def mark_done(session: Session, actor: User, step_id: int, version: int, *, evidence: str = "",
              now: datetime | None = None) -> PartnerJourneyStep:
    """Tick a step by hand (any step, automatic ones too: the actor is recorded as having ticked it)."""
    step = _visible_step(session, actor, step_id, version)
    if step.done_at is not None:
        raise Conflict("This step is done already.")
    before = audit.snapshot(step)
    step.done_at, step.done_by_id = now or utcnow(), actor.id
    step.evidence = " ".join(evidence.split())[:500]  # who and when are recorded beside it
    audit.record(session, actor, "done", step, before)
    settle_completion(session, session.get_one(PartnerJourney, step.journey_id))
    return step


def mark_undone(session: Session, actor: User, step_id: int, version: int) -> PartnerJourneyStep:
    """Untick a step; an automatic step ticks itself again at the next refresh if its evidence still stands."""
    step = _visible_step(session, actor, step_id, version)
    if step.done_at is None:
        raise Conflict("This step is not done.")
    before = audit.snapshot(step)
    step.done_at, step.done_by_id, step.evidence = None, None, ""
    audit.record(session, actor, "undone", step, before)
    settle_completion(session, session.get_one(PartnerJourney, step.journey_id))
    return step
