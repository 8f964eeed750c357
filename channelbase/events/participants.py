"""Who takes part in an event: partners (exhibiting, sponsoring or attending) and the people who came,
matched by e-mail to the contacts of the partners the actor sees."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import Conflict, Duplicate
from channelbase.events.models import PARTNER_ROLE_LABELS, EventAttendee, EventPartner, PartnerRole
from channelbase.events.schemas import AttendeeIn, EventPartnerIn
from channelbase.events.service import get_event
from channelbase.partners.models import Contact, Partner


@dataclass(frozen=True)
class PartnerLine:
    link: EventPartner
    partner: Partner


def _taking_part(session: Session, event_id: int, partner_id: int) -> EventPartner | None:
    return session.scalar(select(EventPartner).where(EventPartner.event_id == event_id,
                                                     EventPartner.partner_id == partner_id))


def add_partner(session: Session, actor: User, event_id: int, data: EventPartnerIn) -> EventPartner:
    """A partner the actor sees takes part in the event, in one role."""
    event = get_event(session, actor, event_id)
    partner = get_visible(session, actor, Partner, data.partner_id)
    existing = _taking_part(session, event.id, partner.id)
    if existing is not None:
        role = PARTNER_ROLE_LABELS.get(PartnerRole(existing.role), existing.role).lower()
        raise Duplicate(f"{partner.name} takes part already (as {role}): remove it first to change its role.",
                        field_errors={"partner_id": "takes part already"})
    link = EventPartner(event_id=event.id, partner_id=partner.id, role=data.role.value)
    session.add(link)
    session.flush()
    audit.record(session, actor, "create", link, None)
    return link


def remove_partner(session: Session, actor: User, event_id: int, partner_id: int) -> None:
    """The partner no longer takes part (its attendees stay listed)."""
    event = get_event(session, actor, event_id)
    partner = get_visible(session, actor, Partner, partner_id)
    link = _taking_part(session, event.id, partner.id)
    if link is None:
        raise Conflict(f"{partner.name} does not take part in this event.")
    audit.record(session, actor, "delete", link, audit.snapshot(link))
    session.delete(link)
    session.flush()


def partners_of(session: Session, actor: User, event_id: int) -> list[PartnerLine]:
    """The partners taking part that the actor sees, by name."""
    get_event(session, actor, event_id)
    rows = session.execute(visible(select(EventPartner, Partner).join(Partner, Partner.id == EventPartner.partner_id),
                                   actor, Partner)
                           .where(EventPartner.event_id == event_id).order_by(Partner.name)).all()
    return [PartnerLine(link, partner) for link, partner in rows]


def matching_contact(session: Session, actor: User, email: str) -> Contact | None:
    """The contact with this e-mail at a live partner the actor sees (the oldest, if several)."""
    return session.scalar(visible(select(Contact), actor)
                          .join(Partner, Partner.id == Contact.partner_id)
                          .where(func.lower(Contact.email) == email.lower(), Partner.deleted_at.is_(None))
                          .order_by(Contact.id).limit(1))


def add_attendee(session: Session, actor: User, event_id: int, data: AttendeeIn) -> EventAttendee:
    """Someone at the event. A partner's contact with the same e-mail is matched, and their partner is then
    counted among the partners taking part (as an attendee, unless it has a role already)."""
    event = get_event(session, actor, event_id)
    email = str(data.email).lower()
    if session.scalar(select(EventAttendee.id).where(EventAttendee.event_id == event.id,
                                                     EventAttendee.email == email)) is not None:
        raise Duplicate(f"{email} is on this event's attendee list already.", field_errors={"email": "already listed"})
    contact = matching_contact(session, actor, email)
    attendee = EventAttendee(event_id=event.id, name=data.name, email=email, company=data.company,
                             attended=data.attended, contact_id=contact.id if contact else None,
                             partner_id=contact.partner_id if contact else None)
    session.add(attendee)
    session.flush()
    audit.record(session, actor, "create", attendee, None)
    if contact is not None and _taking_part(session, event.id, contact.partner_id) is None:
        link = EventPartner(event_id=event.id, partner_id=contact.partner_id, role=PartnerRole.ATTENDEE)
        session.add(link)
        session.flush()
        audit.record(session, actor, "create", link, None)
    return attendee


def attendees_of(session: Session, actor: User, event_id: int, limit: int = 500) -> list[EventAttendee]:
    """The event's attendees by name (the first `limit`; attendee_count says how many in all)."""
    get_event(session, actor, event_id)
    return list(session.scalars(visible(select(EventAttendee), actor).where(EventAttendee.event_id == event_id)
                                .order_by(EventAttendee.name, EventAttendee.id).limit(limit)))


def attendee_count(session: Session, actor: User, event_id: int) -> int:
    return session.scalar(visible(select(func.count()).select_from(EventAttendee), actor, EventAttendee)
                          .where(EventAttendee.event_id == event_id)) or 0
