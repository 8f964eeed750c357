"""The demo's recruitment loads on the named world: targets, criteria and prospects across every stage."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from channelbase.onboarding.models import PartnerJourney
from channelbase.partners.models import Partner
from channelbase.recruitment import coverage, funnel, metrics
from channelbase.recruitment.demo import PROSPECTS, load_recruitment
from channelbase.recruitment.models import FitCriterion, RecruitmentRecord


def test_the_demo_fills_every_stage_with_history_and_sets_targets(db, actor):
    added = load_recruitment(db, date.today())
    assert added["prospects"] == len(PROSPECTS) and added["coverage_targets"] > 20 and added["fit_criteria"] == 6
    stages = {record.stage for record in db.scalars(select(RecruitmentRecord))}
    assert stages == {"identified", "contacted", "qualified", "agreement_sent", "signed", "declined"}
    signed = db.scalars(select(RecruitmentRecord.partner_id).where(RecruitmentRecord.stage == "signed")).all()
    assert {db.get(Partner, pid).status for pid in signed} == {"onboarding"}
    assert db.scalar(select(PartnerJourney.id).where(PartnerJourney.partner_id == signed[0])) is not None
    assert len(db.scalars(select(FitCriterion)).all()) == 6
    figures = metrics.funnel_metrics(db, actor("admin"))
    assert figures.recruited == 2 and figures.days_to_recruit == 38.5
    lucia = actor("lucia")
    assert coverage.coverage(db, lucia).total_gap > 0
    assert sum(column.total for column in funnel.board(db, lucia)) == 8  # Latin America's prospects
