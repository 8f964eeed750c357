"""A survey with two questions of its own, invitations made without e-mail for the answering tests, and a
real SMTP server (aiosmtpd on 127.0.0.1) for the sending tests."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

import pytest
from tests.mail_fixtures import BASE, inbox, settings, smtp_server

from channelbase.auth.service import token_digest
from channelbase.partners.models import Contact
from channelbase.surveys import service
from channelbase.surveys.models import Channel, Survey, SurveyInvitation
from channelbase.surveys.schemas import QuestionIn, SurveyIn

__all__ = ["BASE", "inbox", "settings", "smtp_server"]  # the mail fixtures, shared


@pytest.fixture
def survey(db, actor) -> Survey:
    made = service.create_survey(db, actor("lucia"), SurveyIn(
        name="Partner satisfaction 2026", intro="Three questions, two minutes.",
        questions=[QuestionIn(kind="rating", text="How well does your channel manager support you?"),
                   QuestionIn(kind="text", text="What should we improve first?")]))
    db.flush()
    return made


def invite(db, survey: Survey, contact_id: int, *, channel: str = Channel.EMAIL,
           sent_at: datetime | None = None) -> tuple[SurveyInvitation, str]:
    """An invitation as sending makes it (without the e-mail): the row and its link's secret."""
    contact = db.get(Contact, contact_id)
    secret = secrets.token_urlsafe(32)
    invitation = SurveyInvitation(survey_id=survey.id, partner_id=contact.partner_id, contact_id=contact.id,
                                  language=contact.language, token_hash=token_digest(secret), channel=channel,
                                  sent_at=sent_at or datetime.now(timezone.utc))
    db.add(invitation)
    survey.status = "sent"
    db.flush()
    return invitation, secret


def link_in(message) -> str:
    """The survey link's path in an e-mail's plain text."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(re.escape(BASE) + r"(/survey/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)
