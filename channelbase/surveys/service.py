"""Surveys: channel managers write them (the NPS question first, then up to five of their own), send them,
and close them when the answers are in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, NotPermitted
from channelbase.core.pagination import Page, paginate
from channelbase.partners.common import check_version, require_staff
from channelbase.surveys import access  # noqa: F401 - the visibility rules of survey rows
from channelbase.surveys.models import Survey, SurveyInvitation, SurveyStatus
from channelbase.surveys.schemas import SurveyIn, SurveyUpdate

STATUS_LABELS = {SurveyStatus.DRAFT: "Draft", SurveyStatus.SENT: "Sent", SurveyStatus.CLOSED: "Closed"}


def _check_unique_name(session: Session, name: str, survey_id: int | None = None) -> None:
    same = select(Survey.id).where(func.lower(Survey.name) == name.lower())
    if survey_id is not None:
        same = same.where(Survey.id != survey_id)
    existing = session.scalar(same)
    if existing is not None:
        raise Duplicate(f"A survey named {name} exists already: choose another name.",
                        field_errors={"name": "exists already"}, link=f"/surveys/{existing}")


def create_survey(session: Session, actor: User, data: SurveyIn) -> Survey:
    """A draft survey; it is sent from its page."""
    require_staff(actor, "create surveys")
    _check_unique_name(session, data.name)
    survey = Survey(name=data.name, intro=data.intro, questions=[q.model_dump(mode="json") for q in data.questions],
                    status=SurveyStatus.DRAFT, created_by_id=actor.id)
    session.add(survey)
    session.flush()
    audit.record(session, actor, "create", survey, None)
    return survey


def _require_author(actor: User, survey: Survey, what: str) -> None:
    """Other managers send a survey to their partners too; only its author (or an admin) changes it."""
    require_staff(actor, what)
    if not actor.is_admin and survey.created_by_id != actor.id:
        raise NotPermitted(f"Only the survey's author or an admin may {what}.")


def update_survey(session: Session, actor: User, survey_id: int, data: SurveyUpdate) -> Survey:
    """Change a draft; once sent, its questions stay as the answers were given to them."""
    require_staff(actor, "edit surveys")
    survey = get_visible(session, actor, Survey, survey_id)
    _require_author(actor, survey, "edit this survey")
    check_version(session, survey, data.version)
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(f"{survey.name} was sent already: its questions can no longer change. Create a new survey "
                       "for different questions.")
    _check_unique_name(session, data.name, survey.id)
    before = audit.snapshot(survey)
    survey.name, survey.intro = data.name, data.intro
    survey.questions = [q.model_dump(mode="json") for q in data.questions]
    audit.record(session, actor, "update", survey, before)
    return survey


def close_survey(session: Session, actor: User, survey_id: int, version: int) -> Survey:
    """No more answers are taken; the links in the e-mails then say the survey is closed."""
    require_staff(actor, "close surveys")
    survey = get_visible(session, actor, Survey, survey_id)
    _require_author(actor, survey, "close this survey")
    check_version(session, survey, version)
    if survey.status == SurveyStatus.CLOSED:
        return survey
    before = audit.snapshot(survey)
    survey.status, survey.closed_at = SurveyStatus.CLOSED, utcnow()
    audit.record(session, actor, "close", survey, before)
    return survey


def get_survey(session: Session, actor: User, survey_id: int) -> Survey:
    return get_visible(session, actor, Survey, survey_id)


@dataclass(frozen=True)
class SurveyLine:
    survey: Survey
    invited: int   # invitations sent to partners the actor sees
    answered: int

    @property
    def rate(self) -> Decimal | None:
        """Answers per invitation sent, as a percentage (None before any was sent)."""
        if not self.invited:
            return None
        return (Decimal(100 * self.answered) / self.invited).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _counts(actor: User):
    return (visible(select(SurveyInvitation.survey_id, func.count().label("invited"),
                           func.count(SurveyInvitation.answered_at).label("answered")), actor, SurveyInvitation)
            .where(SurveyInvitation.sent_at.is_not(None)).group_by(SurveyInvitation.survey_id).subquery())


def list_surveys(session: Session, actor: User, *, page: int = 1, per_page: int = 25) -> Page[SurveyLine]:
    """Newest first, with how many of the actor's partners' contacts were asked and answered."""
    require_staff(actor, "see surveys")
    counts = _counts(actor)
    stmt = (visible(select(Survey), actor).order_by(Survey.created_at.desc(), Survey.id.desc()))
    result = paginate(session, stmt, page, per_page)
    ids = [survey.id for survey in result.items]
    found = {row.survey_id: (row.invited, row.answered)
             for row in session.execute(select(counts).where(counts.c.survey_id.in_(ids)))} if ids else {}
    lines = [SurveyLine(survey, *found.get(survey.id, (0, 0))) for survey in result.items]
    return Page(items=lines, total=result.total, page=result.page, per_page=result.per_page)


def survey_line(session: Session, actor: User, survey_id: int) -> SurveyLine:
    survey = get_survey(session, actor, survey_id)
    counts = _counts(actor)
    row = session.execute(select(counts.c.invited, counts.c.answered).where(counts.c.survey_id == survey.id)).first()
    return SurveyLine(survey, *(row or (0, 0)))


def open_surveys(session: Session, actor: User) -> list[Survey]:
    """Surveys that may still be sent (drafts and sent ones), for the send form."""
    return list(session.scalars(visible(select(Survey), actor).where(Survey.status != SurveyStatus.CLOSED)
                                .order_by(Survey.created_at.desc(), Survey.id.desc())))


def recent_surveys(session: Session, actor: User, *, limit: int = 100) -> list[Survey]:
    """The latest surveys, for the report's survey filter."""
    return list(session.scalars(visible(select(Survey), actor).order_by(Survey.created_at.desc(), Survey.id.desc())
                                .limit(limit)))
