"""The demo's trainings: a course of each kind in each language, sessions in the coming weeks (one of them
full, with a waitlist), and certifications of the named partner users, one about to lapse."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.enablement.certifications import remind_expiring
from channelbase.enablement.models import Certification, Course, Enrolment, EnrolmentStatus, TrainingSession
from channelbase.partners.models import Contact

COURSES = [
    ("Vender Linux empresarial", "sales", "pt", 4, 12, "America/Sao_Paulo", "https://meet.example.com/linux-pt"),
    ("Preventa de nube híbrida", "presales", "es", 8, 24, "America/Mexico_City", ""),
    ("Kubernetes for partners", "technical", "en", 16, 24, "America/New_York", "https://meet.example.com/k8s"),
]


def load_enablement(session: Session, today: date) -> dict[str, int]:
    courses, sessions = [], []
    for index, (name, kind, language, hours, months, zone, url) in enumerate(COURSES):
        course = Course(name=name, kind=kind, language=language, duration_hours=hours, certification_months=months,
                        description="")
        session.add(course)
        session.flush()
        courses.append(course)
        starts = datetime.combine(today + timedelta(days=7 * (index + 1)), time(15), timezone.utc)
        training = TrainingSession(course_id=course.id, starts_at=starts, timezone=zone, capacity=2 if index == 0
                                   else 20, url=url, location="" if url else "Ciudad de México, Torre Reforma",
                                   trainer="Rosa Díaz")
        session.add(training)
        sessions.append(training)
    session.flush()
    people = list(session.scalars(select(Contact).join(User, User.email == Contact.email)
                                  .where(User.role == Role.PARTNER).order_by(Contact.id)))
    for position, contact in enumerate(people):  # the first session fills up: the third person waits
        session.add(Enrolment(session_id=sessions[0].id, contact_id=contact.id, partner_id=contact.partner_id,
                              status=EnrolmentStatus.ENROLLED if position < 2 else EnrolmentStatus.WAITLISTED))
    for offset, contact in zip((20, 200), people[:2], strict=False):
        session.add(Certification(contact_id=contact.id, partner_id=contact.partner_id, course_id=courses[0].id,
                                  certified_on=today - timedelta(days=365 - offset),
                                  expires_on=today + timedelta(days=offset)))
    session.flush()
    reminders = remind_expiring(session, today=today)
    return {"courses": len(courses), "training_sessions": len(sessions), "enrolments": len(people),
            "certifications": min(2, len(people)), "certification_reminders": reminders}
