"""Certifications: granted by passing a certifying course, valid for its months, renewed before they lapse
(a task for the partner's channel manager 30 days ahead, which My day and the digest show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.enablement.models import Certification, Course, Enrolment
from channelbase.engagement.models import Task
from channelbase.partners.models import Contact, Partner, Territory

REMIND_DAYS = 30


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def certify(session: Session, actor: User, enrolment: Enrolment, course: Course, on: date) -> Certification | None:
    """The certification a pass grants (none for a course that certifies nothing); passing again renews it."""
    if course.certification_months is None:
        return None
    expires = _months_later(on, course.certification_months)
    current = session.scalar(select(Certification).where(Certification.contact_id == enrolment.contact_id,
                                                         Certification.course_id == course.id))
    if current is not None:
        before = audit.snapshot(current)
        current.certified_on, current.expires_on, current.enrolment_id = on, expires, enrolment.id
        current.reminder_task_id = None  # the next lapse gets its own reminder
        audit.record(session, actor, "renew", current, before)
        return current
    certification = Certification(contact_id=enrolment.contact_id, partner_id=enrolment.partner_id,
                                  course_id=course.id, enrolment_id=enrolment.id, certified_on=on, expires_on=expires)
    session.add(certification)
    session.flush()
    audit.record(session, actor, "create", certification, None)
    return certification


@dataclass(frozen=True)
class CertificationLine:
    certification: Certification
    contact: Contact
    course: Course


def _lines(session: Session, actor: User, *conditions) -> list[CertificationLine]:
    """The certifications the actor sees with their person and course, soonest to lapse first."""
    rows = session.execute(
        visible(select(Certification, Contact, Course).join(Contact, Contact.id == Certification.contact_id)
                .join(Course, Course.id == Certification.course_id), actor, Certification)
        .where(*conditions)
        .order_by(Certification.expires_on.is_(None), Certification.expires_on, Contact.name)).all()
    return [CertificationLine(*row) for row in rows]


def certifications_of_partner(session: Session, actor: User, partner_id: int) -> list[CertificationLine]:
    return _lines(session, actor, Certification.partner_id == partner_id)


def certified_people(session: Session, partner_id: int, kind: str, today: date) -> int:
    """People of the partner holding a valid certification of this kind of course (sales, pre-sales…)."""
    return session.scalar(
        select(func.count(func.distinct(Certification.contact_id)))
        .join(Course, Course.id == Certification.course_id)
        .where(Certification.partner_id == partner_id, Course.kind == kind,
               or_(Certification.expires_on.is_(None), Certification.expires_on >= today))) or 0


def _reminder_assignee(session: Session, partner: Partner) -> int | None:
    """The partner's owner, else its territory's owner, else the first admin."""
    if partner.owner_id:
        return partner.owner_id
    owner = session.scalar(select(Territory.owner_id).where(Territory.id == partner.territory_id))
    return owner or session.scalar(select(User.id).where(User.role == Role.ADMIN, User.is_active)
                                   .order_by(User.id).limit(1))


def remind_expiring(session: Session, *, today: date | None = None, days: int = REMIND_DAYS) -> int:
    """A renewal task for each certification lapsing within `days` that has none yet; returns how many.
    Run daily by the job runner (and `channelbase trainings remind`); running it twice adds nothing."""
    today = today or utcnow().date()
    due = session.execute(
        select(Certification, Contact, Course, Partner)
        .join(Contact, Contact.id == Certification.contact_id).join(Course, Course.id == Certification.course_id)
        .join(Partner, Partner.id == Certification.partner_id)
        .where(Certification.expires_on.is_not(None), Certification.expires_on >= today,
               Certification.expires_on <= today + timedelta(days=days), Certification.reminder_task_id.is_(None),
               Partner.deleted_at.is_(None))
        .order_by(Certification.expires_on)).all()
    made = 0
    for certification, contact, course, partner in due:
        assignee = _reminder_assignee(session, partner)
        if assignee is None:
            continue
        task = Task(title=f"Renew {course.name} of {contact.name} ({partner.name}): expires "
                          f"{certification.expires_on:%Y-%m-%d}",
                    notes="Enrol them in a session before the certification lapses.", due_on=today,
                    assignee_id=assignee, partner_id=partner.id)
        session.add(task)
        session.flush()
        certification.reminder_task_id = task.id
        audit.record(session, "system", "create", task, None)
        made += 1
    return made


def expiring(session: Session, actor: User, *, today: date | None = None, days: int = REMIND_DAYS
             ) -> list[CertificationLine]:
    today = today or utcnow().date()
    return _lines(session, actor, Certification.expires_on >= today,
                  Certification.expires_on <= today + timedelta(days=days))


def get_certification(session: Session, actor: User, certification_id: int) -> Certification:
    return get_visible(session, actor, Certification, certification_id)
