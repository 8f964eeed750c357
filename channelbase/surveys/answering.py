"""Answering a survey: through the personal link in the e-mail (no sign-in: the link is the secret) or in the
portal. An answer is given once; a detractor's (0–6) opens a follow-up task for the partner's manager.

Messages are English msgids, shown to the partner in their language by the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.service import token_digest
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, InvalidInput, NotFound, NotPermitted
from channelbase.core.i18n import N_, gettext
from channelbase.engagement.models import Task
from channelbase.partners.models import Contact, Partner, Territory
from channelbase.surveys import access  # noqa: F401 - the visibility rules of survey rows
from channelbase.surveys.models import QuestionKind, Survey, SurveyAnswer, SurveyInvitation, SurveyStatus
from channelbase.surveys.scores import is_detractor

MAX_TEXT = 2000
FOLLOW_UP_DAYS = 2

NPS_RANGE = N_("Choose a score from 0 to 10.")
RATING_RANGE = N_("Choose a rating from 1 to 5.")
TEXT_TOO_LONG = N_("Keep your answer under 2,000 characters.")
FIX_BELOW = N_("Please correct the answers marked below.")
NOT_YOURS = N_("This survey was sent to a colleague of yours: only they can answer it.")
REASONS = {"unknown": N_("This survey link is not valid. Check that you opened the whole link from the e-mail."),
           "used": N_("This survey was already answered. Thank you!"),
           "closed": N_("This survey is closed and takes no more answers. Thank you all the same!")}


class AnswerRefused(DomainError):
    """The invitation cannot take an answer; `reason` is a key of REASONS, worded in the reader's language."""

    status = 410

    def __init__(self, reason: str, language: str | None = None):
        self.reason = reason
        self.language = language  # the invitation's, when it is known
        super().__init__(REASONS[reason])


class UnknownLink(AnswerRefused):
    status = 404

    def __init__(self) -> None:
        super().__init__("unknown")


@dataclass(frozen=True)
class Invited:
    """An invitation with what its page shows."""

    invitation: SurveyInvitation
    survey: Survey
    contact: Contact
    partner: Partner


@dataclass(frozen=True)
class AnswerIn:
    nps: int
    answers: list[int | str | None]
    comment: str


def _score(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def read_answer(survey: Survey, data: dict[str, Any]) -> AnswerIn:
    """The submitted form (nps, q1…q5, comment) checked against the survey's questions."""
    errors: dict[str, str] = {}
    nps = _score(data.get("nps"), 0, 10)
    if nps is None:
        errors["nps"] = NPS_RANGE
    answers: list[int | str | None] = []
    for number, question in enumerate(survey.questions, start=1):
        raw = str(data.get(f"q{number}") or "").strip()
        if question["kind"] == QuestionKind.RATING:
            rating = _score(raw, 1, 5) if raw else None
            if raw and rating is None:
                errors[f"q{number}"] = RATING_RANGE
            answers.append(rating)
        else:
            if len(raw) > MAX_TEXT:
                errors[f"q{number}"] = TEXT_TOO_LONG
            answers.append(raw or None)
    comment = str(data.get("comment") or "").strip().replace("\x00", "")
    if len(comment) > MAX_TEXT:
        errors["comment"] = TEXT_TOO_LONG
    if errors:
        raise InvalidInput(FIX_BELOW, field_errors=errors)
    assert nps is not None
    return AnswerIn(nps=nps, answers=[a.replace("\x00", "") if isinstance(a, str) else a for a in answers],
                    comment=comment)


# Through the link -----------------------------------------------------------------------------------------

def invited_by_token(session: Session, secret: str) -> Invited:
    """The invitation a link's secret opens, whether or not it can still take an answer; UnknownLink if none."""
    row = session.execute(
        select(SurveyInvitation, Survey, Contact, Partner).join(Survey, Survey.id == SurveyInvitation.survey_id)
        .join(Contact, Contact.id == SurveyInvitation.contact_id).join(Partner, Partner.id == SurveyInvitation.partner_id)
        .where(SurveyInvitation.token_hash == token_digest(secret), SurveyInvitation.sent_at.is_not(None))).first()
    if row is None:
        raise UnknownLink()
    return Invited(*row)


def check_open(invited: Invited) -> None:
    """Refuse an invitation already answered, or whose survey is closed."""
    if invited.invitation.answered_at is not None:
        raise AnswerRefused("used", invited.invitation.language)
    if invited.survey.status == SurveyStatus.CLOSED:
        raise AnswerRefused("closed", invited.invitation.language)


def answer_by_token(session: Session, secret: str, data: dict[str, Any], *, now: datetime | None = None
                    ) -> SurveyAnswer:
    """The contact's answer through the e-mailed link."""
    invited = invited_by_token(session, secret)
    check_open(invited)
    answer = read_answer(invited.survey, data)
    who = f"{invited.contact.name} <{invited.contact.email}> (survey link)"
    return _record(session, who, None, invited, answer, now or utcnow())


# In the portal --------------------------------------------------------------------------------------------

def _addressed_to(actor: User):
    """Invitations whose contact has the user's e-mail address (that is who was asked)."""
    return func.lower(Contact.email) == actor.email.lower()


def portal_invitations(session: Session, actor: User, *, answered: bool = False) -> list[Invited]:
    """The partner user's own invitations: open ones (of surveys not closed), or those answered."""
    stmt = (visible(select(SurveyInvitation, Survey, Contact, Partner), actor, SurveyInvitation)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .join(Contact, Contact.id == SurveyInvitation.contact_id)
            .join(Partner, Partner.id == SurveyInvitation.partner_id)
            .where(_addressed_to(actor), SurveyInvitation.sent_at.is_not(None)))
    if answered:
        stmt = stmt.where(SurveyInvitation.answered_at.is_not(None)).order_by(SurveyInvitation.answered_at.desc())
    else:
        stmt = stmt.where(SurveyInvitation.answered_at.is_(None), Survey.status != SurveyStatus.CLOSED) \
            .order_by(SurveyInvitation.sent_at.desc())
    return [Invited(*row) for row in session.execute(stmt.limit(50))]


def answer_in_portal(session: Session, actor: User, invitation_id: int, data: dict[str, Any], *,
                     now: datetime | None = None) -> SurveyAnswer:
    """A partner user answers an invitation addressed to them (a colleague's is refused)."""
    invitation = get_visible(session, actor, SurveyInvitation, invitation_id)
    if invitation.sent_at is None:  # its e-mail failed: not sent yet
        raise NotFound(f"No surveyinvitation #{invitation_id} here, or you may not see it.")
    contact = session.get_one(Contact, invitation.contact_id)
    if actor.role != Role.PARTNER or contact.email.lower() != actor.email.lower():
        raise NotPermitted(gettext(NOT_YOURS))
    invited = Invited(invitation, session.get_one(Survey, invitation.survey_id), contact,
                      session.get_one(Partner, invitation.partner_id))
    check_open(invited)
    answer = read_answer(invited.survey, data)
    return _record(session, actor, actor.id, invited, answer, now or utcnow())


# Recording ------------------------------------------------------------------------------------------------

def _record(session: Session, who: Any, user_id: int | None, invited: Invited, data: AnswerIn,
            now: datetime) -> SurveyAnswer:
    invitation = invited.invitation
    answer = SurveyAnswer(invitation_id=invitation.id, survey_id=invitation.survey_id,
                          partner_id=invitation.partner_id, nps=data.nps, answers=data.answers, comment=data.comment,
                          answered_at=now, answered_by_id=user_id)
    session.add(answer)
    before = audit.snapshot(invitation)
    invitation.answered_at = now
    session.flush()  # the unique invitation_id refuses a second answer racing this one
    audit.record(session, who, "answer", invitation, before)
    audit.record(session, who, "create", answer, None)
    if is_detractor(data.nps):
        task = open_follow_up(session, invited, answer)
        answer.follow_up_task_id = task.id if task else None
    return answer


def follow_up_assignee(session: Session, partner: Partner) -> int | None:
    """The partner's owner, else the owner of its territory or of the nearest territory above it with one
    (Brazil has none: Latin America's manager follows up), else the first admin."""
    if partner.owner_id:
        return partner.owner_id
    own_path = select(Territory.path).where(Territory.id == partner.territory_id).scalar_subquery()
    owner = session.scalar(select(Territory.owner_id).where(own_path.startswith(Territory.path),
                                                            Territory.owner_id.is_not(None))
                           .order_by(Territory.depth.desc()).limit(1))
    return owner or session.scalar(select(User.id).where(User.role == Role.ADMIN, User.is_active)
                                   .order_by(User.id).limit(1))


def open_follow_up(session: Session, invited: Invited, answer: SurveyAnswer) -> Task | None:
    """A task for the partner's manager to call back a detractor within two days, with what they wrote."""
    assignee = follow_up_assignee(session, invited.partner)
    if assignee is None:
        return None
    title = f"Follow up NPS {answer.nps} from {invited.contact.name} ({invited.partner.name})"
    comment = f"Comment: {answer.comment}" if answer.comment else "No comment given."
    notes = (f"{invited.contact.name} <{invited.contact.email}> answered {answer.nps} to \"{invited.survey.name}\"."
             f"\n{comment}\nAll answers: /surveys/{invited.survey.id}")
    task = Task(title=title[:300], notes=notes, due_on=answer.answered_at.date() + timedelta(days=FOLLOW_UP_DAYS),
                assignee_id=assignee, partner_id=invited.partner.id)
    session.add(task)
    session.flush()
    audit.record(session, "system", "create", task, None)
    return task
