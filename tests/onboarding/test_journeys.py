"""Journeys: starting one (idempotent, from the partner type's template or the built-in steps), ticking steps
by hand with optimistic locking, and the completion date that follows the steps."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Conflict, NotFound, NotPermitted, StaleEdit
from channelbase.onboarding import journey_templates, journeys
from channelbase.onboarding.models import PartnerJourney, PartnerJourneyStep
from channelbase.onboarding.schemas import TemplateIn, TemplateUpdate

SIGNED = date(2026, 11, 2)


def _steps(db, journey) -> list[PartnerJourneyStep]:
    return journeys.steps_of(db, [journey.id])[journey.id]


def test_starting_twice_returns_the_same_journey(db, actor, new_partner):
    partner = new_partner()
    first = journeys.start_journey(db, actor("lucia"), partner.id)
    again = journeys.start_journey(db, actor("lucia"), partner.id, agreement_signed_on=SIGNED)
    assert again.id == first.id
    assert db.scalar(select(PartnerJourney.id).where(PartnerJourney.partner_id == partner.id)) == first.id
    assert len(_steps(db, first)) == len(journeys.DEFAULT_STEPS)


def test_a_signing_date_ticks_the_agreement_at_start_and_starts_the_journey_that_day(db, actor, new_partner):
    journey = journeys.start_journey(db, actor("lucia"), new_partner().id, agreement_signed_on=SIGNED,
                                     today=date(2026, 11, 20))
    agreement, *others = _steps(db, journey)
    assert agreement.rule == "agreement_signed"
    assert agreement.done_at == datetime(2026, 11, 2, tzinfo=timezone.utc) and agreement.done_by_id is None
    assert agreement.evidence == "Agreement signed 2026-11-02"
    assert journey.started_on == SIGNED
    assert all(step.done_at is None for step in others)


def test_without_a_signing_date_the_agreement_waits_for_a_manual_tick(db, actor, new_partner):
    journey = journeys.start_journey(db, actor("lucia"), new_partner().id, today=date(2026, 11, 20))
    assert journey.started_on == date(2026, 11, 20)
    assert _steps(db, journey)[0].done_at is None


def test_only_staff_who_see_the_partner_start_a_journey(db, actor, new_partner):
    partner = new_partner()
    with pytest.raises(NotPermitted):
        journeys.start_journey(db, actor("ana"), partner.id)
    with pytest.raises(NotFound):  # Nathan manages US East, not Brazil
        journeys.start_journey(db, actor("nathan"), partner.id)


def test_a_journey_copies_its_types_template_and_keeps_its_steps_when_the_template_changes(db, actor, new_partner):
    admin = actor("admin")
    template = journey_templates.create_template(db, admin, TemplateIn(
        name="VAR onboarding", partner_type="var", steps="Welcome call\nSales training | sales_training_passed"))
    journey = journeys.start_journey(db, actor("lucia"), new_partner().id)
    assert journey.template_id == template.id
    assert [(s.key, s.label, s.rule) for s in _steps(db, journey)] == [
        ("welcome-call", "Welcome call", None), ("sales-training", "Sales training", "sales_training_passed")]
    journey_templates.update_template(db, admin, template.id, TemplateUpdate(
        version=template.version, name="VAR onboarding", partner_type="var", steps="Kick-off only"))
    db.flush()
    assert [s.label for s in _steps(db, journey)] == ["Welcome call", "Sales training"]
    msp = journeys.start_journey(db, actor("lucia"), new_partner("Outra MSP Ltda.", type="msp").id)
    assert msp.template_id is None  # no template for MSPs and none for any type: the built-in steps


def test_a_template_for_any_type_serves_types_without_their_own(db, actor, new_partner):
    anyone = journey_templates.create_template(db, actor("admin"), TemplateIn(name="Everyone", steps="Kick-off"))
    journey = journeys.start_journey(db, actor("lucia"), new_partner(type="si").id)
    assert journey.template_id == anyone.id


def test_a_manual_tick_records_who_and_is_audited_and_can_be_undone(db, actor, new_partner, world):
    lucia = actor("lucia")
    journey = journeys.start_journey(db, lucia, new_partner().id)
    agreement = _steps(db, journey)[0]
    journeys.mark_done(db, lucia, agreement.id, agreement.version, evidence="Scanned copy in the CRM")
    assert agreement.done_by_id == world.users["lucia"] and agreement.evidence == "Scanned copy in the CRM"
    journeys.mark_undone(db, lucia, agreement.id, agreement.version)
    assert agreement.done_at is None and agreement.done_by_id is None and agreement.evidence == ""
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "partner_journey_steps",
                                                         AuditEntry.entity_id == agreement.id)
                         .order_by(AuditEntry.id)).all()
    assert actions == ["done", "undone"]


def test_a_tick_on_a_stale_version_is_refused(db, actor, new_partner):
    lucia = actor("lucia")
    journey = journeys.start_journey(db, lucia, new_partner().id)
    step = _steps(db, journey)[0]
    seen = step.version
    journeys.mark_done(db, lucia, step.id, seen)
    with pytest.raises(StaleEdit):
        journeys.mark_undone(db, lucia, step.id, seen)
    with pytest.raises(Conflict, match="done already"):
        journeys.mark_done(db, lucia, step.id, step.version)


def test_partner_users_and_other_regions_cannot_tick(db, actor, new_partner):
    journey = journeys.start_journey(db, actor("lucia"), new_partner().id)
    step = _steps(db, journey)[0]
    with pytest.raises(NotPermitted):
        journeys.mark_done(db, actor("ana"), step.id, step.version)
    with pytest.raises(NotFound):
        journeys.mark_done(db, actor("nathan"), step.id, step.version)


def test_the_journey_completes_with_its_last_step_and_reopens_when_one_is_unticked(db, actor, new_partner):
    lucia = actor("lucia")
    journey_templates.create_template(db, actor("admin"), TemplateIn(
        name="Short", partner_type="var", steps="Welcome call\nBusiness plan agreed"))
    journey = journeys.start_journey(db, lucia, new_partner().id)
    welcome, plan = _steps(db, journey)
    journeys.mark_done(db, lucia, welcome.id, welcome.version, now=datetime(2026, 11, 3, 10, tzinfo=timezone.utc))
    assert journey.completed_on is None
    journeys.mark_done(db, lucia, plan.id, plan.version, now=datetime(2026, 11, 9, 16, tzinfo=timezone.utc))
    assert journey.completed_on == date(2026, 11, 9)
    journeys.mark_undone(db, lucia, welcome.id, welcome.version)
    assert journey.completed_on is None


def test_an_automatic_step_ticked_by_hand_stays_recorded_as_by_hand(db, actor, new_partner, world):
    from channelbase.onboarding import rules
    lucia = actor("lucia")
    journey = journeys.start_journey(db, lucia, new_partner().id)
    qbr = next(step for step in _steps(db, journey) if step.rule == "first_qbr")
    journeys.mark_done(db, lucia, qbr.id, qbr.version, evidence="QBR held offline, in Campinas")
    assert rules.refresh(db, [journey]) == 0
    assert qbr.done_by_id == world.users["lucia"] and qbr.evidence == "QBR held offline, in Campinas"
