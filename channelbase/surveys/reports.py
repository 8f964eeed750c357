"""What the answers say: one survey's NPS, its 0–10 distribution and its questions' results; NPS by territory,
partner type and tier, and quarter by fiscal quarter. Every read is limited to the partners the actor sees."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.pagination import Page, paginate
from channelbase.growth import fiscal
from channelbase.growth.fiscal import Period
from channelbase.partners.models import PARTNER_TYPE_LABELS, Contact, Partner, Territory
from channelbase.partners.territories import territory_and_below
from channelbase.surveys import access  # noqa: F401 - the visibility rules of survey rows
from channelbase.surveys.models import QuestionKind, Survey, SurveyAnswer, SurveyInvitation
from channelbase.surveys.schemas import NpsFilter
from channelbase.surveys.scores import Breakdown, breakdown_of_counts

SCORES = range(11)


@dataclass(frozen=True)
class QuestionResult:
    number: int
    kind: str
    text: str
    answered: int
    average: Decimal | None  # rating questions: the mean of 1–5


@dataclass(frozen=True)
class SurveyResults:
    breakdown: Breakdown
    distribution: list[tuple[int, int]]  # (score 0–10, answers), every score listed
    questions: list[QuestionResult]


def survey_results(session: Session, actor: User, survey: Survey) -> SurveyResults:
    """The NPS, the spread of scores and each extra question's result over the answers the actor sees."""
    rows = session.execute(visible(select(SurveyAnswer.nps, SurveyAnswer.answers), actor, SurveyAnswer)
                           .where(SurveyAnswer.survey_id == survey.id)).all()
    counts = Counter(score for score, _answers in rows)
    questions = []
    for index, question in enumerate(survey.questions):
        given = [answers[index] for _score, answers in rows if index < len(answers or []) and answers[index]]
        average = None
        if question["kind"] == QuestionKind.RATING and given:
            average = (Decimal(sum(int(v) for v in given)) / len(given)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        questions.append(QuestionResult(index + 1, question["kind"], question["text"], len(given), average))
    return SurveyResults(breakdown=breakdown_of_counts(counts.items()),
                         distribution=[(score, counts.get(score, 0)) for score in SCORES], questions=questions)


@dataclass(frozen=True)
class AnswerLine:
    answer: SurveyAnswer
    contact: Contact
    partner: Partner


def survey_answers(session: Session, actor: User, survey_id: int, *, detractors_only: bool = False, page: int = 1,
                   per_page: int = 25) -> Page[AnswerLine]:
    """The answers the actor sees, newest first, with who gave them."""
    survey = get_visible(session, actor, Survey, survey_id)
    stmt = visible(select(SurveyAnswer), actor).where(SurveyAnswer.survey_id == survey.id)
    if detractors_only:
        stmt = stmt.where(SurveyAnswer.nps <= 6)
    result = paginate(session, stmt.order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc()), page, per_page)
    return Page(items=_lines(session, result.items), total=result.total, page=result.page, per_page=result.per_page)


def _lines(session: Session, answers: list[SurveyAnswer]) -> list[AnswerLine]:
    if not answers:
        return []
    people = {row.id: (row.Contact, row.Partner) for row in session.execute(
        select(SurveyInvitation.id, Contact, Partner).join(Contact, Contact.id == SurveyInvitation.contact_id)
        .join(Partner, Partner.id == SurveyInvitation.partner_id)
        .where(SurveyInvitation.id.in_([a.invitation_id for a in answers])))}
    return [AnswerLine(answer, *people[answer.invitation_id]) for answer in answers]


def partner_answers(session: Session, actor: User, partner_id: int, *, limit: int = 10) -> list[AnswerLine]:
    """A partner's latest answers, for its page."""
    partner = get_visible(session, actor, Partner, partner_id)
    answers = list(session.scalars(visible(select(SurveyAnswer), actor).where(SurveyAnswer.partner_id == partner.id)
                                   .order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc()).limit(limit)))
    return _lines(session, answers)


# NPS over the channel ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    key: str
    label: str
    breakdown: Breakdown


@dataclass(frozen=True)
class NpsReport:
    overall: Breakdown
    by_territory: list[Group]
    by_type: list[Group]
    by_tier: list[Group]
    by_quarter: list[Group]  # every quarter of the window, oldest first, answered or not
    start: date
    end: date


def quarter_periods(session: Session, today: date, count: int) -> list[Period]:
    """The last `count` fiscal quarters up to today's, oldest first."""
    year = fiscal.current_year(session, today)
    number = year.quarter_of(today)
    periods = []
    for _ in range(count):
        periods.append(year.quarter(number))
        number -= 1
        if number == 0:
            year, number = year.prior(), 4
    return periods[::-1]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.utc)


def _answer_rows(session: Session, actor: User, filters: NpsFilter, start: date, end: date):
    stmt = (visible(select(SurveyAnswer.nps, SurveyAnswer.answered_at, Partner.territory_id, Partner.type,
                           Partner.tier).join(Partner, Partner.id == SurveyAnswer.partner_id), actor, SurveyAnswer)
            .where(SurveyAnswer.answered_at >= _moment(start), SurveyAnswer.answered_at < _moment(end + timedelta(1))))
    if filters.territory_id is not None:
        stmt = stmt.where(Partner.territory_id.in_(territory_and_below(filters.territory_id)))
    for column, value in ((Partner.type, filters.type), (Partner.tier, filters.tier),
                          (SurveyAnswer.survey_id, filters.survey_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return session.execute(stmt).all()


def _groups(scores: dict[str, Counter], labels: dict[str, str]) -> list[Group]:
    groups = [Group(key, labels.get(key, key), breakdown_of_counts(counter.items())) for key, counter in scores.items()]
    return sorted(groups, key=lambda g: (-(g.breakdown.nps or Decimal(-1000)), g.label))


def nps_report(session: Session, actor: User, filters: NpsFilter, today: date) -> NpsReport:
    """NPS over the last `filters.quarters` fiscal quarters, overall and grouped, for the partners the actor sees."""
    periods = quarter_periods(session, today, filters.quarters)
    start, end = periods[0].start, periods[-1].end
    rows = _answer_rows(session, actor, filters, start, end)
    by: dict[str, dict[str, Counter]] = {"territory": {}, "type": {}, "tier": {}, "quarter": {}}
    for score, answered_at, territory_id, partner_type, tier in rows:
        day = answered_at.date()
        quarter = next((p.label for p in periods if day in p), periods[-1].label)
        for name, key in (("territory", str(territory_id)), ("type", partner_type), ("tier", tier),
                          ("quarter", quarter)):
            by[name].setdefault(key, Counter())[score] += 1
    names = _territory_names(session, actor, [int(key) for key in by["territory"]])
    quarters = [Group(p.label, p.label, breakdown_of_counts(by["quarter"].get(p.label, Counter()).items()))
                for p in periods]
    return NpsReport(
        overall=breakdown_of_counts(Counter(score for score, *_rest in rows).items()),
        by_territory=_groups(by["territory"], names), by_type=_groups(by["type"], dict(PARTNER_TYPE_LABELS)),
        by_tier=_groups(by["tier"], {key: key.capitalize() for key in by["tier"]}), by_quarter=quarters,
        start=start, end=end)


def _territory_names(session: Session, actor: User, ids: list[int]) -> dict[str, str]:
    if not ids:
        return {}
    return {str(row.id): row.name for row in session.execute(
        visible(select(Territory.id, Territory.name), actor, Territory).where(Territory.id.in_(ids)))}


def answer_count(session: Session, actor: User) -> int:
    return session.scalar(visible(select(func.count()).select_from(SurveyAnswer), actor, SurveyAnswer)) or 0
