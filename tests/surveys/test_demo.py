"""The demo's survey: answers over the last four quarters, detractors with follow-up tasks, no e-mail sent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from channelbase.engagement.models import Task
from channelbase.surveys.demo import load_surveys
from channelbase.surveys.models import SurveyAnswer
from channelbase.surveys.reports import nps_report
from channelbase.surveys.schemas import NpsFilter


def test_the_demo_survey_has_answers_across_the_year_and_a_detractor_to_call(db, actor, world, inbox):
    today = date(2026, 11, 29)
    added = load_surveys(db, today)
    assert added == {"surveys": 1, "survey_invitations": 4, "survey_answers": 3, "survey_follow_up_tasks": 1}
    answers = list(db.scalars(select(SurveyAnswer).order_by(SurveyAnswer.answered_at)))
    assert [a.nps for a in answers] == [9, 3, 10]
    assert answers[0].answered_at.date() < date(2026, 1, 1) and answers[-1].answered_at.date() <= today
    task = db.get(Task, answers[1].follow_up_task_id)
    assert task.title.startswith("Follow up NPS 3 from") and task.assignee_id == world.users["lucia"]
    report = nps_report(db, actor("admin"), NpsFilter(), today)
    assert sum(1 for q in report.by_quarter if q.breakdown.total) >= 2
    assert inbox.recipients() == []
