"""The demo's survey: one continuous satisfaction survey sent to the primary contacts of the active partners,
answered over the last four quarters (a few detractors among them, each with its follow-up task; those older
than two weeks are done). No e-mail is sent."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.service import token_digest
from channelbase.partners.models import Contact, Partner, PartnerStatus
from channelbase.surveys.answering import Invited, open_follow_up
from channelbase.surveys.models import Channel, Survey, SurveyAnswer, SurveyInvitation, SurveyStatus
from channelbase.surveys.scores import is_detractor

MAX_CONTACTS = 48
SCORES = (9, 3, 10, 8, 6, 10, 9, 5, 7, 10, 9, 8)  # cycled; every fourth contact does not answer
COMMENTS = {
    10: "Great support from our channel manager.",
    9: "Deal registration is quick now.",
    6: "Registrations took a week to be approved this quarter.",
    5: "We lost a deal to a direct quote; nobody called us back.",
    3: "No trainings in Spanish this year and margins went down.",
}
QUESTIONS = [{"kind": "rating", "text": "How well does your channel manager support you?"},
             {"kind": "text", "text": "What should we improve first?"}]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(14), timezone.utc)


def load_surveys(session: Session, today: date) -> dict[str, int]:
    contacts = session.execute(
        select(Contact, Partner).join(Partner, Partner.id == Contact.partner_id)
        .where(Contact.is_primary.is_(True), Partner.deleted_at.is_(None),
               Partner.status.in_((PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)))
        .order_by(Partner.id, Contact.id).limit(MAX_CONTACTS)).all()
    started = today - timedelta(days=365)
    survey = Survey(name="Partner satisfaction (continuous)", status=SurveyStatus.SENT, questions=QUESTIONS,
                    intro="Every quarter we ask a few partners how we are doing. Two minutes, three questions.",
                    sent_at=_moment(started))
    session.add(survey)
    session.flush()
    answers = tasks = 0
    for index, (contact, partner) in enumerate(contacts):
        # Spread over the year, newest last; every fourth contact has not answered (yet).
        sent_on = started + timedelta(days=index * 360 // max(1, len(contacts)))
        invitation = SurveyInvitation(survey_id=survey.id, partner_id=partner.id, contact_id=contact.id,
                                      language=contact.language, token_hash=token_digest(secrets.token_urlsafe(32)),
                                      channel=Channel.EMAIL, sent_at=_moment(sent_on))
        session.add(invitation)
        session.flush()
        if index % 4 == 3:
            continue
        answers += 1
        tasks += _answer(session, survey, invitation, contact, partner, SCORES[index % len(SCORES)],
                         min(today, sent_on + timedelta(days=2)), today)
    return {"surveys": 1, "survey_invitations": len(contacts), "survey_answers": answers,
            "survey_follow_up_tasks": tasks}


def _answer(session: Session, survey: Survey, invitation: SurveyInvitation, contact: Contact, partner: Partner,
            score: int, day: date, today: date) -> int:
    """One answer; 1 when a detractor's follow-up task was made."""
    answered_at = _moment(day)
    answer = SurveyAnswer(invitation_id=invitation.id, survey_id=survey.id, partner_id=partner.id, nps=score,
                          answers=[min(5, max(1, score // 2)), "More co-selling" if score < 9 else None],
                          comment=COMMENTS.get(score, ""), answered_at=answered_at)
    invitation.answered_at = answered_at
    session.add(answer)
    session.flush()
    if not is_detractor(score):
        return 0
    task = open_follow_up(session, Invited(invitation, survey, contact, partner), answer)
    if task is None:
        return 0
    answer.follow_up_task_id = task.id
    if day < today - timedelta(days=14):
        task.done_at = _moment(day + timedelta(days=1))
    return 1
