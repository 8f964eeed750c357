"""Reading journeys: the manager's list (progress, next open step, time to first deal and its average) and one
partner's panel. Both refresh the journeys they show first, so a step whose evidence exists is shown ticked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

import channelbase.onboarding.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.base import utcnow
from channelbase.core.pagination import Page
from channelbase.deals.models import Registration
from channelbase.onboarding.journey_templates import template_names
from channelbase.onboarding.journeys import steps_of
from channelbase.onboarding.models import PartnerJourney, PartnerJourneyStep
from channelbase.onboarding.rules import AUTOMATIC_RULES, refresh_quietly
from channelbase.onboarding.schemas import JourneyFilter
from channelbase.partners.common import require_staff
from channelbase.partners.models import Partner, Territory
from channelbase.partners.territories import territory_and_below

DEFAULT_SORT = "started"


def days_to_first_deal(started_on: date, first_deal_at: datetime | None) -> int | None:
    """Whole days from the journey's start to the partner's first registration (0 if it came before)."""
    if first_deal_at is None:
        return None
    return max(0, (first_deal_at.date() - started_on).days)


def average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _first_deal_at() -> Any:
    # The partner's own measure: read as the partner's, whoever logged the registration's territory.
    return (select(func.min(Registration.submitted_at)).where(Registration.partner_id == PartnerJourney.partner_id)
            .correlate(PartnerJourney).scalar_subquery())


@dataclass(frozen=True)
class JourneyLine:
    journey: PartnerJourney
    partner: Partner
    territory: str
    done: int
    total: int
    first_deal_at: datetime | None
    today: date
    next_step: str | None = None

    @property
    def days_since_start(self) -> int:
        return max(0, ((self.journey.completed_on or self.today) - self.journey.started_on).days)

    @property
    def days_to_first_deal(self) -> int | None:
        return days_to_first_deal(self.journey.started_on, self.first_deal_at)


@dataclass(frozen=True)
class JourneyListing:
    page: Page[JourneyLine]
    average_days_to_first_deal: float | None
    with_first_deal: int
    filtered: bool


SORT_KEYS: dict[str, Callable[[JourneyLine], Any]] = {
    "partner": lambda line: line.partner.name.casefold(),
    "type": lambda line: (line.partner.type, line.partner.name.casefold()),
    "progress": lambda line: (line.done / line.total if line.total else 1.0, line.partner.name.casefold()),
    "started": lambda line: (line.journey.started_on, line.journey.id),
    # Partners without a first deal last either way.
    "first_deal": lambda line: (line.days_to_first_deal is None, line.days_to_first_deal or 0),
}
SORTS = tuple(SORT_KEYS) + tuple(f"-{key}" for key in SORT_KEYS)


def _journeys(actor: User, filters: JourneyFilter) -> Select:
    stmt = (visible(select(PartnerJourney), actor).join(Partner, Partner.id == PartnerJourney.partner_id)
            .where(Partner.deleted_at.is_(None)))
    if filters.territory_id is not None:
        stmt = stmt.where(Partner.territory_id.in_(territory_and_below(filters.territory_id)))
    if filters.state == "in_progress":
        stmt = stmt.where(PartnerJourney.completed_on.is_(None))
    elif filters.state == "completed":
        stmt = stmt.where(PartnerJourney.completed_on.is_not(None))
    return stmt


def _lines(session: Session, stmt: Select, today: date) -> list[JourneyLine]:
    counts = (select(PartnerJourneyStep.journey_id, func.count().label("total"),
                     func.count(PartnerJourneyStep.done_at).label("done"))
              .group_by(PartnerJourneyStep.journey_id).subquery())
    rows = session.execute(
        stmt.add_columns(Partner, Territory.name, func.coalesce(counts.c.done, 0), func.coalesce(counts.c.total, 0),
                         _first_deal_at())
        .join(Territory, Territory.id == Partner.territory_id)
        .outerjoin(counts, counts.c.journey_id == PartnerJourney.id)).all()
    return [JourneyLine(journey, partner, territory, done, total, first, today)
            for journey, partner, territory, done, total, first in rows]


def _next_steps(session: Session, journey_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    if journey_ids:
        for journey_id, label in session.execute(
                select(PartnerJourneyStep.journey_id, PartnerJourneyStep.label)
                .where(PartnerJourneyStep.journey_id.in_(journey_ids), PartnerJourneyStep.done_at.is_(None))
                .order_by(PartnerJourneyStep.journey_id, PartnerJourneyStep.position)):
            found.setdefault(journey_id, label)
    return found


def list_journeys(session: Session, actor: User, filters: JourneyFilter, *, sort: str = DEFAULT_SORT, page: int = 1,
                  per_page: int = 25, today: date | None = None) -> JourneyListing:
    """The visible partners' journeys, refreshed, filtered and sorted, one page of them, and the average time
    to first deal over all those matching (partners without a first deal left out of the average).

    Sorted and paged in Python: there is one journey per partner being onboarded (hundreds, not the hundreds
    of thousands of deals), and progress and time to first deal are computed values."""
    require_staff(actor, "see onboarding journeys")
    today = today or utcnow().date()
    # The open journeys first, whatever the state shown: a refresh may complete some of them.
    open_ones = _journeys(actor, JourneyFilter(territory_id=filters.territory_id, state="in_progress"))
    refresh_quietly(session, session.scalars(open_ones).all())
    stmt = _journeys(actor, filters)
    lines = _lines(session, stmt, today)
    key = sort if sort in SORTS else DEFAULT_SORT
    lines.sort(key=SORT_KEYS[key.lstrip("-")], reverse=key.startswith("-"))
    per_page = max(1, per_page)
    page = max(1, min(page, -(-len(lines) // per_page) or 1))
    shown = lines[(page - 1) * per_page:page * per_page]
    nexts = _next_steps(session, [line.journey.id for line in shown])
    shown = [JourneyLine(**{**line.__dict__, "next_step": nexts.get(line.journey.id)}) for line in shown]
    days = [line.days_to_first_deal for line in lines if line.days_to_first_deal is not None]
    return JourneyListing(page=Page(items=shown, total=len(lines), page=page, per_page=per_page),
                          average_days_to_first_deal=average(days), with_first_deal=len(days),
                          filtered=filters != JourneyFilter())


@dataclass(frozen=True)
class JourneyPanel:
    partner: Partner
    journey: PartnerJourney | None
    steps: list[PartnerJourneyStep]
    ticked_by: dict[int, str]  # user id -> name, for steps ticked by hand
    template_name: str | None
    first_deal_at: datetime | None
    automatic_rules: frozenset[str] = AUTOMATIC_RULES

    @property
    def done(self) -> int:
        return sum(step.done_at is not None for step in self.steps)

    @property
    def days_to_first_deal(self) -> int | None:
        return days_to_first_deal(self.journey.started_on, self.first_deal_at) if self.journey else None


def journey_panel(session: Session, actor: User, partner_id: int) -> JourneyPanel:
    """One partner's journey with its steps, refreshed from the partner's data (or no journey yet)."""
    require_staff(actor, "see onboarding journeys")
    partner = get_visible(session, actor, Partner, partner_id)
    journey = session.scalar(visible(select(PartnerJourney), actor).where(PartnerJourney.partner_id == partner.id))
    if journey is None:
        return JourneyPanel(partner, None, [], {}, None, None)
    refresh_quietly(session, [journey])
    steps = steps_of(session, [journey.id])[journey.id]
    by_ids = {step.done_by_id for step in steps if step.done_by_id is not None}
    names = dict(session.execute(visible(select(User.id, User.name), actor, User).where(User.id.in_(list(by_ids))))
                 .all()) if by_ids else {}
    first = session.scalar(select(func.min(Registration.submitted_at)).where(Registration.partner_id == partner.id))
    templates = template_names(session, actor, {journey.template_id} if journey.template_id else set())
    return JourneyPanel(partner, journey, steps, names, templates.get(journey.template_id or 0), first)


def partner_of_step(session: Session, actor: User, step_id: int) -> int:
    """The partner whose journey holds the step (NotFound if the actor may not see it)."""
    step = get_visible(session, actor, PartnerJourneyStep, step_id)
    return session.get_one(PartnerJourney, step.journey_id).partner_id
