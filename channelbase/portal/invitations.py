"""Portal users: a manager invites a partner's contacts, a partner admin invites colleagues of the same
partner. An invited user signs in with the link in the invitation and may set a password later."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.service import normalize_email
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit, i18n
from channelbase.core.errors import Duplicate, InvalidInput, NotPermitted
from channelbase.partners.models import Contact, Partner
from channelbase.portal import magic_links
from channelbase.portal.models import PortalAdmin


@dataclass(frozen=True)
class Invitation:
    user: User
    partner: Partner
    link_secret: str


def is_portal_admin(session: Session, user: User) -> bool:
    return user.is_partner and session.get(PortalAdmin, user.id) is not None


def _check_may_invite(session: Session, actor: User, partner: Partner) -> None:
    if actor.is_staff:
        return  # get_visible already kept managers to their own territories' partners
    if actor.partner_id != partner.id or not is_portal_admin(session, actor):
        raise NotPermitted("Only your partner's portal admins and your channel manager invite colleagues.")


def invite(session: Session, actor: User, partner_id: int, *, email: str, name: str, language: str | None = None,
           make_admin: bool = False) -> Invitation:
    """A new portal user of the partner, with an invitation link. Refused for an address that already has
    an account (of any partner: the answer names no partner)."""
    partner = get_visible(session, actor, Partner, partner_id)
    _check_may_invite(session, actor, partner)
    if partner.status == "inactive":
        raise InvalidInput(f"{partner.name} is inactive: reactivate it before inviting users.")
    address = normalize_email(email)
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise InvalidInput("Give the person's name (1–200 characters).", field_errors={"name": "required"})
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Duplicate(f"{address} already has a Channelbase account. Ask an admin if it should move here.",
                        field_errors={"email": "already has an account"})
    user = User(email=address, name=name, role=Role.PARTNER, partner_id=partner.id, password_hash="",
                language=i18n.normalise(language) or i18n.DEFAULT_LANGUAGE, is_active=True)
    session.add(user)
    session.flush()
    if make_admin:
        set_portal_admin(session, actor, user, True)
    audit.record(session, actor, "invite", user, None)
    return Invitation(user, partner, magic_links.issue(session, user, magic_links.INVITE, created_by=actor))


def invite_contact(session: Session, actor: User, contact_id: int, *, make_admin: bool = False) -> Invitation:
    """Invite one of a partner's contacts, in the contact's language."""
    contact = get_visible(session, actor, Contact, contact_id)
    return invite(session, actor, contact.partner_id, email=contact.email, name=contact.name,
                  language=contact.language, make_admin=make_admin)


def set_portal_admin(session: Session, actor: User, user: User, admin: bool) -> None:
    """Staff (and a partner's own portal admins) decide who else may invite colleagues."""
    if not user.is_partner:
        raise InvalidInput("Only partner users are portal admins.")
    partner = get_visible(session, actor, Partner, user.partner_id or 0)
    _check_may_invite(session, actor, partner)
    current = session.get(PortalAdmin, user.id)
    if admin and current is None:
        session.add(PortalAdmin(user_id=user.id, granted_by_id=actor.id))
    elif not admin and current is not None:
        session.execute(delete(PortalAdmin).where(PortalAdmin.user_id == user.id))
    audit.record(session, actor, "portal_admin" if admin else "portal_member", user, None)


def portal_users(session: Session, actor: User, partner_id: int) -> list[tuple[User, bool]]:
    """The partner's portal users, each with whether they are a portal admin."""
    partner = get_visible(session, actor, Partner, partner_id)
    rows = session.execute(
        select(User, PortalAdmin.user_id).outerjoin(PortalAdmin, PortalAdmin.user_id == User.id)
        .where(User.partner_id == partner.id, User.role == Role.PARTNER).order_by(User.name)
    ).all()
    return [(user, admin_id is not None) for user, admin_id in rows]


def contacts_to_invite(session: Session, actor: User, partner_id: int) -> list[Contact]:
    """The partner's contacts who have no Channelbase account yet."""
    partner = get_visible(session, actor, Partner, partner_id)
    with_account = select(User.email).where(User.email == func.lower(Contact.email)).exists()
    return list(session.scalars(visible(select(Contact), actor)
                                .where(Contact.partner_id == partner.id, ~with_account).order_by(Contact.name)))


def set_language(session: Session, actor: User, language: str) -> User:
    """A user's own choice of language for the portal and their e-mails."""
    code = i18n.normalise(language)
    if code is None:
        raise InvalidInput(i18n.gettext("Choose English, Spanish or Portuguese."), field_errors={"language": "unknown"})
    user = session.get_one(User, actor.id)
    before = audit.snapshot(user)
    user.language = code
    audit.record(session, actor, "update", user, before)
    return user
