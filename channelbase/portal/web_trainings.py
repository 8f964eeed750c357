"""Trainings in the portal: the sessions to come, enrolling oneself or a colleague (a full session puts
them on the waitlist), the company's enrolments and certifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.core.errors import DomainError
from channelbase.enablement import catalogue, certifications, enrolments
from channelbase.enablement.models import COURSE_KIND_LABELS
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.portal.access import Portal, PortalView
from channelbase.portal.web import show
from channelbase.web.deps import SessionDep

router = APIRouter(prefix="/portal")
EnrolForm = Annotated[dict[str, Any], form(optional=("contact_id",))]


def _page(request: Request, db: Session, view: PortalView, error: DomainError | None = None, notice: str = ""):
    actor = view.actor
    return show(request, view, "portal/trainings.html", {
        "sessions": catalogue.upcoming_sessions(db, actor), "kind_labels": COURSE_KIND_LABELS,
        "colleagues": enrolments.colleagues(db, actor),
        "enrolled": enrolments.enrolments_of_partner(db, actor, actor.partner_id or 0),
        "certifications": certifications.certifications_of_partner(db, actor, actor.partner_id or 0),
        "error": error, "notice": notice,
    }, status_code=error.status if error else 200)


@router.get("/trainings", include_in_schema=False)
def trainings(request: Request, db: SessionDep, view: Portal):
    return _page(request, db, view, notice=request.query_params.get("notice", "")[:20])


@router.post("/trainings/{session_id}/enrol", include_in_schema=False)
def enrol(request: Request, db: SessionDep, view: Portal, session_id: int, data: EnrolForm):
    view.require_writable()

    def run():
        contact_id = to_int(data.get("contact_id")) or enrolments.contact_of_user(db, view.actor).id
        return enrolments.enrol(db, view.actor, session_id, contact_id)

    enrolment, error = attempt(db, run)
    if error:
        return _page(request, db, view, error)
    assert enrolment is not None
    return redirect(f"/portal/trainings?notice={enrolment.status}")
