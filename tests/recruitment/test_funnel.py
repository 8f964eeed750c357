"""The recruitment funnel: adding prospects, moving them (stale edits refused, nothing moves out of signed),
signing hands the partner to onboarding, and conversion, days per stage and time to recruit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.onboarding.models import PartnerJourney, PartnerJourneyStep
from channelbase.partners.models import Partner
from channelbase.recruitment import funnel, metrics
from channelbase.recruitment.models import RecruitmentStageChange
from channelbase.recruitment.schemas import StageMoveIn

from tests.recruitment.conftest import START, counted_statements


def _move(db, actor, record, stage: str, days: float, who: str = "lucia", **extra):
    moved = funnel.move_stage(db, actor(who), record.partner_id, StageMoveIn(version=record.version, stage=stage,
                                                                             **extra),
                              now=START + timedelta(days=days))
    db.flush()
    return moved


def test_adding_a_prospect_makes_a_prospect_partner_its_record_and_its_first_history_line(db, actor, world,
                                                                                          add_prospect):
    record = add_prospect("Andes Nube SpA", type="msp", territory="chile", country="CL", skills="Linux, cloud",
                          employees=40)
    partner = db.get(Partner, record.partner_id)
    assert (partner.status, partner.owner_id, partner.currency) == ("prospect", world.users["lucia"], "CLP")
    assert (record.stage, record.source, record.skills, record.employees) == ("identified", "manual", "Linux, cloud", 40)
    changes = db.scalars(select(RecruitmentStageChange).where(RecruitmentStageChange.partner_id == partner.id)).all()
    assert [(c.from_stage, c.to_stage, c.changed_at) for c in changes] == [(None, "identified", START)]
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.entity_type == "recruitment_records",
                                                 AuditEntry.entity_id == record.id))
    with pytest.raises(Duplicate):  # the directory's duplicate check applies
        add_prospect("Andes Nube S.p.A.", territory="chile", country="CL")


def test_only_staff_add_prospects_and_managers_only_in_their_territories(actor, add_prospect):
    with pytest.raises(NotPermitted):
        add_prospect("Portal Redes Ltda.", who="ana")
    with pytest.raises(InvalidInput, match="not one of yours"):
        add_prospect("Boston Cloud LLC", territory="us_east", country="US")


def test_moves_are_audited_and_a_stale_version_or_the_same_stage_is_refused(db, actor, add_prospect):
    record = add_prospect("Cerrado Cloud Ltda.")
    stale = record.version
    _move(db, actor, record, "contacted", 2)
    assert record.stage == "contacted" and record.stage_changed_at == START + timedelta(days=2)
    with pytest.raises(StaleEdit):
        funnel.move_stage(db, actor("lucia"), record.partner_id, StageMoveIn(version=stale, stage="qualified"))
    with pytest.raises(InvalidInput, match="already"):
        _move(db, actor, record, "contacted", 3)
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.entity_type == "recruitment_records",
                                                     AuditEntry.entity_id == record.id, AuditEntry.action == "move"))


def test_other_regions_and_partner_users_cannot_see_or_move_a_prospect(db, actor, add_prospect):
    record = add_prospect("Pampa Sistemas S.R.L.", territory="argentina", country="AR")
    with pytest.raises(NotFound):
        funnel.move_stage(db, actor("nathan"), record.partner_id, StageMoveIn(version=record.version,
                                                                              stage="contacted"))
    with pytest.raises(NotPermitted):
        funnel.prospect_detail(db, actor("ana"), record.partner_id)


def test_signing_makes_the_partner_onboarding_starts_its_journey_and_is_final(db, actor, add_prospect):
    record = add_prospect("Ipê Integração Ltda.", type="si")
    _move(db, actor, record, "agreement_sent", 5)
    signed_on = (START + timedelta(days=8)).date()
    _move(db, actor, record, "signed", 9, signed_on=signed_on)
    partner = db.get(Partner, record.partner_id)
    assert partner.status == "onboarding"
    assert record.signed_at == START + timedelta(days=9)
    journey = db.scalar(select(PartnerJourney).where(PartnerJourney.partner_id == partner.id))
    assert journey is not None and journey.started_on == signed_on
    agreement = db.scalar(select(PartnerJourneyStep).where(PartnerJourneyStep.journey_id == journey.id,
                                                           PartnerJourneyStep.rule == "agreement_signed"))
    assert agreement is not None and agreement.done_at is not None
    with pytest.raises(Conflict, match="does not move back"):
        _move(db, actor, record, "qualified", 10)
    with pytest.raises(Conflict):
        _move(db, actor, record, "declined", 10)


def test_declining_keeps_the_partner_a_prospect_and_it_can_be_reopened(db, actor, add_prospect):
    record = add_prospect("Quetzal Datos S.A.", territory="mexico", country="MX")
    _move(db, actor, record, "declined", 1)
    assert db.get(Partner, record.partner_id).status == "prospect"
    _move(db, actor, record, "contacted", 3)
    assert record.stage == "contacted"


def test_conversion_days_per_stage_and_time_to_recruit(db, actor, add_prospect):
    signed = add_prospect("Araucaria Cloud SpA", territory="chile", country="CL")
    for stage, day in (("contacted", 2), ("qualified", 6), ("agreement_sent", 10), ("signed", 12)):
        _move(db, actor, signed, stage, day)
    declined = add_prospect("Bosque Redes SpA", territory="chile", country="CL")
    _move(db, actor, declined, "contacted", 4)
    _move(db, actor, declined, "declined", 5)
    add_prospect("Cóndor Datos SpA", territory="chile", country="CL")
    figures = metrics.funnel_metrics(db, actor("lucia"), territory_id=None)
    rates = [(c.from_stage, c.to_stage, c.reached_from, c.reached_to) for c in figures.conversions]
    assert rates == [("identified", "contacted", 3, 2), ("contacted", "qualified", 2, 1),
                     ("qualified", "agreement_sent", 1, 1), ("agreement_sent", "signed", 1, 1)]
    assert figures.conversions[0].rate == pytest.approx(2 / 3)
    days = {t.stage: (t.average_days, t.stays) for t in figures.stage_times}
    assert days == {"identified": (3.0, 2), "contacted": (2.5, 2), "qualified": (4.0, 1), "agreement_sent": (2.0, 1)}
    assert (figures.days_to_recruit, figures.recruited) == (12.0, 1)
    # Filters: no MSP prospects; Nathan's region has none of Lucía's.
    assert metrics.funnel_metrics(db, actor("lucia"), partner_type="msp").conversions[0].reached_from == 0
    assert metrics.funnel_metrics(db, actor("nathan")).days_to_recruit is None


def test_skipped_stages_count_as_passed(db, actor, add_prospect):
    record = add_prospect("Salto Redes Ltda.")
    _move(db, actor, record, "qualified", 1)
    reached = [c.reached_to for c in metrics.funnel_metrics(db, actor("lucia")).conversions]
    assert reached == [1, 1, 0, 0]


def test_the_board_shows_a_column_per_stage_and_costs_the_same_queries_for_more_cards(db, actor, add_prospect):
    lucia = actor("lucia")
    first = add_prospect("Orquídea Redes Ltda.", source="event")
    _move(db, actor, first, "contacted", 1)
    add_prospect("Jatobá Redes Ltda.")
    with counted_statements(db) as few:
        columns = funnel.board(db, lucia, today=(START + timedelta(days=11)).date())
    by_stage = {c.stage: c for c in columns}
    assert list(by_stage) == ["identified", "contacted", "qualified", "agreement_sent", "signed", "declined"]
    card = by_stage["contacted"].cards[0]
    assert card.partner.name == "Orquídea Redes Ltda." and card.days_in_stage == 10 and not card.from_application
    for index in range(4):
        add_prospect(f"Ypê {index} Redes Ltda.", skills="linux")
    with counted_statements(db) as many:
        columns = funnel.board(db, lucia)
    assert {c.stage: c.total for c in columns}["identified"] == 5
    assert len(many) == len(few)
    assert funnel.board(db, lucia, partner_type="msp")[0].total == 0
