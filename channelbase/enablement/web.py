"""Trainings for the vendor's side: courses, sessions with their roster and waitlist, attendance and
results, and the certifications about to lapse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError
from channelbase.enablement import catalogue, certifications, enrolments
from channelbase.enablement.models import COURSE_KIND_LABELS
from channelbase.enablement.schemas import CourseIn, ResultIn, SessionIn
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.web.deps import CurrentActor, SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
TrainingForm = Annotated[dict[str, Any], form(optional=("certification_months",))]
ResultForm = Annotated[dict[str, Any], form(booleans=("attended",), optional=("result",))]


def _trainings_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                    values: dict[str, Any] | None = None, form_name: str = ""):
    courses = catalogue.list_courses(db, actor)
    return render(request, "enablement/trainings.html", {
        "sessions": catalogue.upcoming_sessions(db, actor), "courses": courses,
        "course_options": [(course.id, course.name) for course in courses],
        "expiring": certifications.expiring(db, actor), "kind_labels": COURSE_KIND_LABELS,
        "error": error, "errors": (error.field_errors or {}) if error else {}, "values": values or {},
        "form_name": form_name,
    }, status_code=error.status if error else 200)


@router.get("/trainings", include_in_schema=False)
def trainings(request: Request, db: SessionDep, actor: StaffActor):
    return _trainings_page(request, db, actor)


@router.post("/trainings/courses", include_in_schema=False)
def create_course(request: Request, db: SessionDep, actor: StaffActor, data: TrainingForm):
    _course, error = attempt(db, lambda: catalogue.create_course(db, actor, parse(CourseIn, data)))
    if error:
        return _trainings_page(request, db, actor, error, data, "course")
    return redirect("/trainings?created=course")


@router.post("/trainings/sessions", include_in_schema=False)
def schedule_session(request: Request, db: SessionDep, actor: StaffActor, data: TrainingForm):
    training, error = attempt(db, lambda: catalogue.schedule_session(db, actor, parse(SessionIn, data)))
    if error:
        return _trainings_page(request, db, actor, error, data, "session")
    assert training is not None
    return redirect(f"/trainings/sessions/{training.id}")


def _session_page(request: Request, db: Session, actor: User, session_id: int, error: DomainError | None = None,
                  notice: str = ""):
    line = catalogue.session_line(db, actor, session_id)
    return render(request, "enablement/session.html", {
        "line": line, "roster": enrolments.roster(db, actor, session_id), "kind_labels": COURSE_KIND_LABELS,
        "error": error, "errors": (error.field_errors or {}) if error else {}, "notice": notice,
    }, status_code=error.status if error else 200)


@router.get("/trainings/sessions/{session_id}", include_in_schema=False)
def session_detail(request: Request, db: SessionDep, actor: StaffActor, session_id: int):
    return _session_page(request, db, actor, session_id, notice=request.query_params.get("notice", "")[:40])


@router.post("/trainings/sessions/{session_id}/enrol", include_in_schema=False)
def enrol_contact(request: Request, db: SessionDep, actor: StaffActor, session_id: int, data: TrainingForm):
    def run():
        contact = enrolments.contact_by_email(db, actor, str(data.get("email") or ""))
        return enrolments.enrol(db, actor, session_id, contact.id)

    enrolment, error = attempt(db, run)
    if error:
        return _session_page(request, db, actor, session_id, error)
    assert enrolment is not None
    return redirect(f"/trainings/sessions/{session_id}?notice={enrolment.status}")


@router.post("/trainings/sessions/{session_id}/cancel", include_in_schema=False)
def cancel_session(request: Request, db: SessionDep, actor: StaffActor, session_id: int, data: TrainingForm):
    _done, error = attempt(db, lambda: catalogue.cancel_session(db, actor, session_id, to_int(data.get("version"))))
    if error:
        return _session_page(request, db, actor, session_id, error)
    return redirect(f"/trainings/sessions/{session_id}?notice=cancelled")


@router.post("/trainings/enrolments/{enrolment_id}/cancel", include_in_schema=False)
def cancel_enrolment(request: Request, db: SessionDep, actor: CurrentActor, enrolment_id: int, data: TrainingForm):
    enrolment = enrolments.get_enrolment(db, actor, enrolment_id)
    _promoted, error = attempt(db, lambda: enrolments.cancel(db, actor, enrolment_id, to_int(data.get("version"))))
    back = "/portal/trainings" if actor.is_partner else f"/trainings/sessions/{enrolment.session_id}"
    if error and not actor.is_partner:
        return _session_page(request, db, actor, enrolment.session_id, error)
    if error:
        raise error
    return redirect(back)


@router.post("/trainings/enrolments/{enrolment_id}/result", include_in_schema=False)
def record_result(request: Request, db: SessionDep, actor: StaffActor, enrolment_id: int, data: ResultForm):
    enrolment = enrolments.get_enrolment(db, actor, enrolment_id)
    fields = {k: data.get(k) for k in ("version", "attended", "result")}
    _done, error = attempt(db, lambda: enrolments.record_result(db, actor, enrolment_id, parse(ResultIn, fields)))
    if error:
        return _session_page(request, db, actor, enrolment.session_id, error)
    return redirect(f"/trainings/sessions/{enrolment.session_id}?notice=result")
