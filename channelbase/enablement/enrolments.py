"""Enrolling a partner's people in sessions (by a manager, or by partner users in the portal), the waitlist
when a session is full, attendance and results, and the certification a pass grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, InvalidInput
from channelbase.deals.fx import require_staff
from channelbase.enablement.certifications import certify
from channelbase.enablement.models import Course, Enrolment, EnrolmentStatus, Result, TrainingSession
from channelbase.enablement.schemas import ResultIn
from channelbase.partners.common import check_version
from channelbase.partners.models import Contact


def _locked_session(session: Session, actor: User, session_id: int) -> TrainingSession:
    """The session, locked for this transaction on PostgreSQL, so two enrolments racing for the last seat
    cannot both take it (SQLite has a single writer already)."""
    get_visible(session, actor, TrainingSession, session_id)
    return session.scalars(select(TrainingSession).where(TrainingSession.id == session_id)
                           .with_for_update()).one()


def _seats_taken(session: Session, session_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.ENROLLED)) or 0


def enrol(session: Session, actor: User, session_id: int, contact_id: int, *, now: datetime | None = None
          ) -> Enrolment:
    """Enrol a contact (staff: of a partner they see; partner users: of their own partner). A full session
    puts them on the waitlist."""
    now = now or utcnow()
    contact = get_visible(session, actor, Contact, contact_id)
    training = _locked_session(session, actor, session_id)
    if training.cancelled_at is not None:
        raise Conflict("This session was cancelled: choose another one.")
    if training.starts_at <= now:
        raise Conflict("This session has started already: choose a later one.")
    existing = session.scalar(select(Enrolment).where(Enrolment.session_id == training.id,
                                                      Enrolment.contact_id == contact.id))
    if existing is not None and existing.status != EnrolmentStatus.CANCELLED:
        raise Duplicate(f"{contact.name} is {existing.status} in this session already.",
                        field_errors={"contact_id": f"already {existing.status}"})
    full = _seats_taken(session, training.id) >= training.capacity
    status = EnrolmentStatus.WAITLISTED if full else EnrolmentStatus.ENROLLED
    if existing is not None:  # enrolling again after cancelling: back in the queue, at its end
        before = audit.snapshot(existing)
        existing.status, existing.enrolled_by_id, existing.created_at = status, actor.id, now
        audit.record(session, actor, "enrol", existing, before)
        return existing
    enrolment = Enrolment(session_id=training.id, contact_id=contact.id, partner_id=contact.partner_id,
                          status=status, enrolled_by_id=actor.id, created_at=now)
    session.add(enrolment)
    session.flush()
    audit.record(session, actor, "enrol", enrolment, None)
    return enrolment


def cancel(session: Session, actor: User, enrolment_id: int, version: int) -> Enrolment | None:
    """Cancel an enrolment; a freed seat goes to the first on the waitlist, who is returned."""
    enrolment = get_visible(session, actor, Enrolment, enrolment_id)
    check_version(session, enrolment, version)
    training = _locked_session(session, actor, enrolment.session_id)
    if enrolment.status == EnrolmentStatus.CANCELLED:
        raise Conflict("This enrolment was cancelled already.")
    freed = enrolment.status == EnrolmentStatus.ENROLLED
    before = audit.snapshot(enrolment)
    enrolment.status = EnrolmentStatus.CANCELLED
    audit.record(session, actor, "cancel", enrolment, before)
    if not freed or _seats_taken(session, training.id) >= training.capacity:
        return None
    first = session.scalar(select(Enrolment).where(Enrolment.session_id == training.id,
                                                   Enrolment.status == EnrolmentStatus.WAITLISTED)
                           .order_by(Enrolment.created_at, Enrolment.id).limit(1))
    if first is not None:
        promoted = audit.snapshot(first)
        first.status = EnrolmentStatus.ENROLLED
        audit.record(session, actor, "promote", first, promoted)
    return first


def record_result(session: Session, actor: User, enrolment_id: int, data: ResultIn, *,
                  now: datetime | None = None) -> Enrolment:
    """Attendance and result after the session; a pass in a certifying course grants the certification."""
    require_staff(actor, "record attendance and results")
    now = now or utcnow()
    enrolment = get_visible(session, actor, Enrolment, enrolment_id)
    check_version(session, enrolment, data.version)
    training = session.get_one(TrainingSession, enrolment.session_id)
    if training.starts_at > now:
        raise InvalidInput("The session has not taken place yet: record attendance after it.",
                           field_errors={"attended": "session not held yet"})
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise InvalidInput(f"Only enrolled people attend; this one is {enrolment.status}.")
    before = audit.snapshot(enrolment)
    enrolment.attended, enrolment.result = data.attended, data.result.value if data.result else None
    audit.record(session, actor, "result", enrolment, before)
    if data.result == Result.PASSED:
        certify(session, actor, enrolment, session.get_one(Course, training.course_id), training.starts_at.date())
    return enrolment


@dataclass(frozen=True)
class RosterLine:
    enrolment: Enrolment
    contact: Contact
    position: int | None  # place on the waitlist (1 = next in)


def roster(session: Session, actor: User, session_id: int) -> list[RosterLine]:
    """Who is in the session, as far as the actor may see: enrolled first, then the waitlist in order."""
    get_visible(session, actor, TrainingSession, session_id)
    rows = session.execute(visible(select(Enrolment, Contact).join(Contact, Contact.id == Enrolment.contact_id),
                                   actor, Enrolment)
                           .where(Enrolment.session_id == session_id)
                           .order_by(Enrolment.status != EnrolmentStatus.ENROLLED, Enrolment.created_at,
                                     Enrolment.id)).all()
    waiting = session.scalars(select(Enrolment.id).where(Enrolment.session_id == session_id,
                                                         Enrolment.status == EnrolmentStatus.WAITLISTED)
                              .order_by(Enrolment.created_at, Enrolment.id)).all()
    place = {enrolment_id: index + 1 for index, enrolment_id in enumerate(waiting)}
    return [RosterLine(enrolment, contact, place.get(enrolment.id)) for enrolment, contact in rows]


def enrolments_of_partner(session: Session, actor: User, partner_id: int, *, now: datetime | None = None
                          ) -> list[tuple[Enrolment, Contact, TrainingSession, Course]]:
    """The partner's enrolments in sessions still to come, soonest first."""
    now = now or utcnow()
    return list(session.execute(
        visible(select(Enrolment, Contact, TrainingSession, Course)
                .join(Contact, Contact.id == Enrolment.contact_id)
                .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
                .join(Course, Course.id == TrainingSession.course_id), actor, Enrolment)
        .where(Enrolment.partner_id == partner_id, Enrolment.status != EnrolmentStatus.CANCELLED,
               TrainingSession.starts_at > now)
        .order_by(TrainingSession.starts_at)).all())


def contact_by_email(session: Session, actor: User, email: str) -> Contact:
    """A contact the actor sees, by e-mail (how a manager names the person to enrol)."""
    address = email.strip().lower()
    contact = session.scalar(visible(select(Contact), actor).where(func.lower(Contact.email) == address)
                             .order_by(Contact.id).limit(1))
    if contact is None:
        raise InvalidInput(f"No contact with the e-mail {email} among the partners you see.",
                           field_errors={"email": "no such contact"})
    return contact


def contact_of_user(session: Session, user: User) -> Contact:
    """A partner user's own contact record at their partner, made from their account if there is none."""
    contact = session.scalar(select(Contact).where(Contact.partner_id == user.partner_id,
                                                   func.lower(Contact.email) == user.email.lower())
                             .order_by(Contact.id).limit(1))
    if contact is None:
        contact = Contact(partner_id=user.partner_id, name=user.name, email=user.email, language=user.language)
        session.add(contact)
        session.flush()
        audit.record(session, user, "create", contact, None)
    return contact


def colleagues(session: Session, actor: User) -> list[Contact]:
    """The people a partner user may enrol: their partner's contacts."""
    return list(session.scalars(visible(select(Contact), actor).where(Contact.partner_id == actor.partner_id)
                                .order_by(Contact.name)))


def get_enrolment(session: Session, actor: User, enrolment_id: int) -> Enrolment:
    return get_visible(session, actor, Enrolment, enrolment_id)
