"""Steps that tick themselves: each automatic rule finds its evidence in the partner's real data (portal users,
training results, deal registrations, QBRs), and the step is dated by the evidence, not by when it was noticed.

Set-based: `refresh` runs one query per rule (two for trainings: results and certifications) for all the
journeys given, whatever their number."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import system_actor
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.deals.models import Registration
from channelbase.enablement.models import Certification, Course, CourseKind, Enrolment, Result, TrainingSession
from channelbase.engagement.models import Activity, ActivityType
from channelbase.onboarding.journeys import settle_completions, start_of_day
from channelbase.onboarding.models import PartnerJourney, PartnerJourneyStep, StepRule
from channelbase.partners.models import Contact

log = logging.getLogger(__name__)
BATCH = 500  # journeys per refresh in refresh_all: keeps each IN list well under SQLite's variable limit


@dataclass(frozen=True)
class Evidence:
    at: datetime
    text: str


Finder = Callable[[Session, set[int], datetime], dict[int, Evidence]]  # partner ids -> evidence per partner


def _first_rows(session: Session, partner_col: Any, at_col: Any, columns: Iterable[Any],
                *where: ColumnElement[bool]) -> dict[int, Any]:
    """The earliest row per partner among those matching `where`, ranked in SQL (one query)."""
    rank = func.row_number().over(partition_by=partner_col, order_by=at_col).label("rank")
    ranked = select(partner_col.label("partner_id"), at_col.label("at"), *columns, rank).where(*where).subquery()
    return {row.partner_id: row for row in session.execute(select(ranked).where(ranked.c.rank == 1))}


def _first_registration(session: Session, partner_ids: set[int], now: datetime) -> dict[int, Evidence]:
    rows = _first_rows(session, Registration.partner_id, Registration.submitted_at,
                       [Registration.id.label("registration_id")], Registration.partner_id.in_(partner_ids))
    return {pid: Evidence(row.at, f"Registration {Registration(id=row.registration_id).reference} "
                                  f"submitted {row.at.date().isoformat()}")
            for pid, row in rows.items()}


def _portal_users_invited(session: Session, partner_ids: set[int], now: datetime) -> dict[int, Evidence]:
    rows = _first_rows(session, User.partner_id, User.created_at, [User.email],
                       User.partner_id.in_(partner_ids), User.role == Role.PARTNER)
    return {pid: Evidence(row.at, f"Portal user {row.email} invited {row.at.date().isoformat()}")
            for pid, row in rows.items()}


def _first_qbr(session: Session, partner_ids: set[int], now: datetime) -> dict[int, Evidence]:
    # A QBR logged ahead of time is a plan: it counts once it has taken place.
    rows = _first_rows(session, Activity.partner_id, Activity.occurred_at, [Activity.summary],
                       Activity.partner_id.in_(partner_ids), Activity.type == ActivityType.QBR,
                       Activity.occurred_at <= now)
    return {pid: Evidence(row.at, f"QBR held {row.at.date().isoformat()}: {row.summary}"[:500])
            for pid, row in rows.items()}


def _training_passed(kind: CourseKind) -> Finder:
    """A pass in a course of `kind` (dated by its session), or a certification of one (dated by certification)."""

    def find(session: Session, partner_ids: set[int], now: datetime) -> dict[int, Evidence]:
        passes = _first_rows(
            session, Enrolment.partner_id, TrainingSession.starts_at, [Course.name.label("course"),
                                                                       Contact.name.label("person")],
            Enrolment.partner_id.in_(partner_ids), Enrolment.result == Result.PASSED, Course.kind == kind,
            Enrolment.session_id == TrainingSession.id, TrainingSession.course_id == Course.id,
            Contact.id == Enrolment.contact_id)
        certified = _first_rows(
            session, Certification.partner_id, Certification.certified_on, [Course.name.label("course"),
                                                                            Contact.name.label("person")],
            Certification.partner_id.in_(partner_ids), Course.kind == kind, Certification.course_id == Course.id,
            Contact.id == Certification.contact_id)
        found = {pid: Evidence(row.at, f"{row.person} passed “{row.course}” {row.at.date().isoformat()}")
                 for pid, row in passes.items()}
        for pid, row in certified.items():
            # A certification is dated by its day only: it wins only when that day comes before the first pass.
            if pid not in found or row.at < found[pid].at.date():
                found[pid] = Evidence(start_of_day(row.at),
                                      f"{row.person} certified in “{row.course}” {row.at.isoformat()}")
        return found

    return find


FINDERS: dict[str, Finder] = {
    StepRule.PORTAL_USERS_INVITED: _portal_users_invited,
    StepRule.SALES_TRAINING_PASSED: _training_passed(CourseKind.SALES),
    StepRule.PRESALES_TRAINING_PASSED: _training_passed(CourseKind.PRESALES),
    StepRule.FIRST_REGISTRATION: _first_registration,
    StepRule.FIRST_QBR: _first_qbr,
}
# agreement_signed has no data to find (the agreement lives outside Channelbase): it ticks at start when the
# signing date is given, and by hand otherwise.
AUTOMATIC_RULES = frozenset(FINDERS)


def refresh(session: Session, journeys: Sequence[PartnerJourney], *, now: datetime | None = None) -> int:
    """Tick every open automatic step of the journeys whose evidence now exists; returns how many ticked."""
    now = now or utcnow()
    partner_of = {journey.id: journey.partner_id for journey in journeys}
    if not partner_of:
        return 0
    open_steps = session.scalars(select(PartnerJourneyStep).where(
        PartnerJourneyStep.journey_id.in_(list(partner_of)), PartnerJourneyStep.done_at.is_(None),
        PartnerJourneyStep.rule.in_(AUTOMATIC_RULES))).all()
    wanted: dict[str, set[int]] = {}
    for step in open_steps:
        wanted.setdefault(step.rule or "", set()).add(partner_of[step.journey_id])
    found = {rule: FINDERS[rule](session, partner_ids, now) for rule, partner_ids in wanted.items()}
    system, ticked, touched = system_actor(), 0, set[int]()
    for step in open_steps:
        evidence = found[step.rule or ""].get(partner_of[step.journey_id])
        if evidence is None:
            continue
        before = audit.snapshot(step)
        step.done_at, step.done_by_id, step.evidence = evidence.at, None, evidence.text
        audit.record(session, system, "done", step, before)
        ticked, touched = ticked + 1, touched | {step.journey_id}
    settle_completions(session, [journey for journey in journeys if journey.id in touched])
    return ticked


def refresh_quietly(session: Session, journeys: Sequence[PartnerJourney]) -> int:
    """`refresh` for pages that read journeys: if a concurrent writer beat us to it (SQLite's stale snapshot,
    or another request ticking the same step), show what is stored; the next read or the daily job ticks it."""
    try:
        with session.begin_nested():
            return refresh(session, journeys)
    except (OperationalError, StaleDataError) as exc:
        log.info("onboarding refresh skipped: %s", exc)
        return 0


def refresh_all(session: Session, *, now: datetime | None = None) -> int:
    """The daily job: refresh every journey not yet completed; returns how many steps ticked."""
    ticked, after_id = 0, 0
    while True:
        batch = session.scalars(select(PartnerJourney).where(PartnerJourney.completed_on.is_(None),
                                                             PartnerJourney.id > after_id)
                                .order_by(PartnerJourney.id).limit(BATCH)).all()
        if not batch:
            return ticked
        ticked += refresh(session, batch, now=now)
        after_id = batch[-1].id
