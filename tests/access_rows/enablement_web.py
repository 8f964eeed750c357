"""Access rows of trainings (channelbase/enablement/web.py, channelbase/portal/web_trainings.py): managers and
admins run courses and sessions; partner users enrol from the portal. The enrolment in the URLs is partner A's
(Ana, enrolled by Lucía), so only partner A's side and its manager reach it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.access_policies import A_ROW, A_TERRITORY_PAGE, STAFF
from tests.access_rows.portal_web import PORTAL

ROWS = {
    ("GET", "/trainings"): STAFF,
    ("POST", "/trainings/courses"): STAFF,
    ("POST", "/trainings/sessions"): STAFF,
    ("GET", "/trainings/sessions/{session_id}"): STAFF,
    ("POST", "/trainings/sessions/{session_id}/enrol"): STAFF,
    ("POST", "/trainings/sessions/{session_id}/cancel"): STAFF,
    # Partner A's enrolment: its users may cancel it; the other region's manager and other partners see nothing.
    ("POST", "/trainings/enrolments/{enrolment_id}/cancel"): A_ROW,
    # Results are the vendor's to record: partner users are refused, the other region's manager sees nothing.
    ("POST", "/trainings/enrolments/{enrolment_id}/result"): A_TERRITORY_PAGE,
    ("GET", "/portal/trainings"): PORTAL,
    ("POST", "/portal/trainings/{session_id}/enrol"): PORTAL,
}


# The course make_ids created for this test: ids are not reused on PostgreSQL (sequences survive rollbacks).
_MADE: dict[str, int] = {}


def _next_week() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")


BODIES = {
    ("POST", "/trainings/courses"): lambda world: dict(name="Matrix course", kind="sales", language="en",
                                                       duration_hours="2"),
    ("POST", "/trainings/sessions"): lambda world: dict(course_id=str(_MADE["course_id"]), starts_at=_next_week(), timezone="UTC",
                                                        capacity="5", location="Matrix room"),
    ("POST", "/trainings/sessions/{session_id}/enrol"): lambda world: dict(email="ana@abertas.com.br"),
    ("POST", "/trainings/sessions/{session_id}/cancel"): lambda world: dict(version="1"),
    ("POST", "/trainings/enrolments/{enrolment_id}/cancel"): lambda world: dict(version="1"),
    ("POST", "/trainings/enrolments/{enrolment_id}/result"): lambda world: dict(version="1", attended="1"),
}


def make_ids(db, actor) -> dict[str, int]:
    """A course, its session next week, and Ana enrolled in it by Lucía."""
    from channelbase.enablement import catalogue, enrolments
    from channelbase.enablement.schemas import CourseIn, SessionIn
    from channelbase.partners.models import Contact
    from sqlalchemy import select
    lucia = actor("lucia")
    course = catalogue.create_course(db, lucia, CourseIn(name="Matrix sales", kind="sales", duration_hours=2,
                                                         certification_months=12))
    training = catalogue.schedule_session(db, lucia, SessionIn(
        course_id=course.id, starts_at=datetime.now(timezone.utc) + timedelta(days=7), capacity=5,
        location="Matrix room"))
    ana = db.scalar(select(Contact.id).where(Contact.email == "ana@abertas.com.br"))
    enrolment = enrolments.enrol(db, lucia, training.id, ana)
    db.flush()
    _MADE["course_id"] = course.id
    return {"session_id": training.id, "enrolment_id": enrolment.id}
