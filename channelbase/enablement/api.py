"""The trainings JSON API: the course catalogue, upcoming sessions with their seats, enrolment (a full
session puts the person on the waitlist) and a partner's certifications.

Staff enrol the contacts of the partners they see; partner users enrol their own partner's people (the
services decide, as on the web pages)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from channelbase.core.api_errors import ERRORS
from channelbase.enablement import catalogue, certifications, enrolments
from channelbase.enablement.catalogue import SessionLine
from channelbase.enablement.schemas import EnrolIn
from channelbase.partners import service as partners
from channelbase.web.deps import ApiActor, SessionDep

router = APIRouter(responses=ERRORS, tags=["trainings"])


class CourseOut(BaseModel):
    id: int
    name: str
    kind: str
    language: str
    duration_hours: int
    certification_months: int | None


class SessionOut(BaseModel):
    id: int
    course: CourseOut
    starts_at: datetime
    timezone: str
    location: str
    url: str
    trainer: str
    capacity: int
    enrolled: int
    waitlisted: int
    seats_left: int


class EnrolmentOut(BaseModel):
    id: int
    session_id: int
    contact_id: int
    partner_id: int
    status: str
    version: int


class CertificationOut(BaseModel):
    id: int
    contact_id: int
    contact_name: str
    course: CourseOut
    certified_on: date
    expires_on: date | None


def _course(course) -> CourseOut:
    return CourseOut(id=course.id, name=course.name, kind=course.kind, language=course.language,
                     duration_hours=course.duration_hours, certification_months=course.certification_months)


def _session(line: SessionLine) -> SessionOut:
    training = line.training
    return SessionOut(id=training.id, course=_course(line.course), starts_at=training.starts_at,
                      timezone=training.timezone, location=training.location, url=training.url,
                      trainer=training.trainer, capacity=training.capacity, enrolled=line.enrolled,
                      waitlisted=line.waitlisted, seats_left=line.seats_left)


@router.get("/trainings/courses", response_model=list[CourseOut])
def list_courses(db: SessionDep, actor: ApiActor):
    """The active courses."""
    return [_course(course) for course in catalogue.list_courses(db, actor)]


@router.get("/trainings/sessions", response_model=list[SessionOut])
def list_sessions(db: SessionDep, actor: ApiActor, language: str | None = None):
    """Sessions not yet started nor cancelled, soonest first, with seats taken and the waitlist."""
    return [_session(line) for line in catalogue.upcoming_sessions(db, actor, language=language)]


@router.post("/trainings/sessions/{session_id}/enrolments", response_model=EnrolmentOut,
             status_code=status.HTTP_201_CREATED)
def enrol(session_id: int, data: EnrolIn, db: SessionDep, actor: ApiActor, response: Response):
    """Enrol a contact; when the session is full the enrolment's status is "waitlisted"."""
    enrolment = enrolments.enrol(db, actor, session_id, data.contact_id)
    db.flush()
    response.headers["Location"] = f"/api/v1/trainings/sessions/{session_id}"
    return EnrolmentOut(id=enrolment.id, session_id=enrolment.session_id, contact_id=enrolment.contact_id,
                        partner_id=enrolment.partner_id, status=enrolment.status, version=enrolment.version)


@router.get("/partners/{partner_id}/certifications", response_model=list[CertificationOut])
def partner_certifications(partner_id: int, db: SessionDep, actor: ApiActor):
    """The partner's certifications, soonest to lapse first (expired ones included, with their date)."""
    partners.get_partner(db, actor, partner_id)
    return [CertificationOut(id=line.certification.id, contact_id=line.contact.id, contact_name=line.contact.name,
                             course=_course(line.course), certified_on=line.certification.certified_on,
                             expires_on=line.certification.expires_on)
            for line in certifications.certifications_of_partner(db, actor, partner_id)]
