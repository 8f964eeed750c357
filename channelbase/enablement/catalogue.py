"""Courses and their sessions: channel managers run trainings; everyone signed in reads the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, InvalidInput
from channelbase.deals.fx import require_staff
from channelbase.enablement.models import Course, Enrolment, EnrolmentStatus, TrainingSession
from channelbase.enablement.schemas import CourseIn, SessionIn


def create_course(session: Session, actor: User, data: CourseIn) -> Course:
    require_staff(actor, "create courses")
    if session.scalar(select(Course.id).where(func.lower(Course.name) == data.name.lower())) is not None:
        raise Duplicate(f"A course named {data.name} exists already.", field_errors={"name": "exists already"})
    course = Course(**data.model_dump())
    session.add(course)
    session.flush()
    audit.record(session, actor, "create", course, None)
    return course


def list_courses(session: Session, actor: User) -> list[Course]:
    return list(session.scalars(visible(select(Course), actor).order_by(Course.name)))


def _utc(moment: datetime, zone: str) -> datetime:
    """A moment typed in the session's own time zone (a naive value) as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(timezone.utc)


def schedule_session(session: Session, actor: User, data: SessionIn, *, now: datetime | None = None
                     ) -> TrainingSession:
    """A new session of a course; it must start in the future."""
    require_staff(actor, "schedule training sessions")
    now = now or utcnow()
    course = get_visible(session, actor, Course, data.course_id)
    starts_at = _utc(data.starts_at, data.timezone)
    if starts_at <= now:
        raise InvalidInput(f"The session would start in the past ({starts_at:%Y-%m-%d %H:%M} UTC): pick a later "
                           "date and time.", field_errors={"starts_at": "in the past"})
    training = TrainingSession(course_id=course.id, starts_at=starts_at, timezone=data.timezone,
                               capacity=data.capacity, location=data.location, url=data.url, trainer=data.trainer)
    session.add(training)
    session.flush()
    audit.record(session, actor, "create", training, None)
    return training


def cancel_session(session: Session, actor: User, session_id: int, version: int) -> TrainingSession:
    require_staff(actor, "cancel training sessions")
    training = get_visible(session, actor, TrainingSession, session_id)
    if training.version != version:
        raise Conflict("Someone changed this session meanwhile: reload it and try again.")
    before = audit.snapshot(training)
    training.cancelled_at = training.cancelled_at or utcnow()
    audit.record(session, actor, "cancel", training, before)
    return training


@dataclass(frozen=True)
class SessionLine:
    training: TrainingSession
    course: Course
    enrolled: int
    waitlisted: int

    @property
    def seats_left(self) -> int:
        return max(0, self.training.capacity - self.enrolled)


def upcoming_sessions(session: Session, actor: User, *, now: datetime | None = None, language: str | None = None,
                      limit: int = 100) -> list[SessionLine]:
    """Sessions not yet started nor cancelled, soonest first, with their seat counts."""
    now = now or utcnow()
    counts = (select(Enrolment.session_id,
                     func.count().filter(Enrolment.status == EnrolmentStatus.ENROLLED).label("enrolled"),
                     func.count().filter(Enrolment.status == EnrolmentStatus.WAITLISTED).label("waitlisted"))
              .group_by(Enrolment.session_id).subquery())
    stmt = (visible(select(TrainingSession, Course, counts.c.enrolled, counts.c.waitlisted)
                    .join(Course, Course.id == TrainingSession.course_id)
                    .outerjoin(counts, counts.c.session_id == TrainingSession.id), actor, TrainingSession)
            .where(TrainingSession.starts_at > now, TrainingSession.cancelled_at.is_(None), Course.active.is_(True))
            .order_by(TrainingSession.starts_at, TrainingSession.id).limit(limit))
    if language:
        stmt = stmt.where(Course.language == language)
    return [SessionLine(training, course, enrolled or 0, waitlisted or 0)
            for training, course, enrolled, waitlisted in session.execute(stmt)]


def session_line(session: Session, actor: User, session_id: int) -> SessionLine:
    training = get_visible(session, actor, TrainingSession, session_id)
    course = session.get_one(Course, training.course_id)
    enrolled, waitlisted = session.execute(
        select(func.count().filter(Enrolment.status == EnrolmentStatus.ENROLLED),
               func.count().filter(Enrolment.status == EnrolmentStatus.WAITLISTED))
        .where(Enrolment.session_id == training.id)).one()
    return SessionLine(training, course, enrolled, waitlisted)
