"""One-time sign-in links sent by e-mail: short-lived, single use, stored only as a digest.

An invitation is the same kind of link with a longer life. Following a link first shows a page with a
button: mail scanners that open every link must not spend it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.auth.service import token_digest
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError
from channelbase.core.i18n import N_
from channelbase.portal.models import MagicLink

SIGN_IN = "sign_in"
INVITE = "invite"
LIFETIME = {SIGN_IN: timedelta(minutes=15), INVITE: timedelta(days=7)}
# Links asked for one address within an hour: enough for a lost e-mail or two, not for mail-bombing.
MAX_SIGN_IN_LINKS_PER_HOUR = 5


class LinkNotValid(DomainError):
    status = 410

    def __init__(self, reason: str, language: str | None = None):
        self.reason = reason  # unknown | used | expired | disabled: the page words it in the user's language
        self.language = language  # the link's user's, when the link is known
        super().__init__(REASONS[reason])


REASONS = {"unknown": N_("This sign-in link is not valid. Ask for a new one."),
           "used": N_("This sign-in link was already used. Ask for a new one."),
           "expired": N_("This sign-in link has expired. Ask for a new one."),
           "disabled": N_("This account is disabled. Ask your channel manager.")}


class TooManyLinks(DomainError):
    status = 429


def issue(session: Session, user: User, purpose: str, *, created_by: User | None = None,
          now: datetime | None = None) -> str:
    """A new link's secret (returned once; only its digest is kept)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    session.add(MagicLink(user_id=user.id, token_hash=token_digest(secret), purpose=purpose, created_at=now,
                          expires_at=now + LIFETIME[purpose], created_by_id=created_by.id if created_by else None))
    return secret


def sign_in_link_for(session: Session, email: str, *, now: datetime | None = None) -> tuple[User, str] | None:
    """A sign-in link for the active user with this e-mail, or None when there is none (the caller answers
    the same either way, so the form tells nobody which addresses have accounts)."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == email.strip().lower(), User.is_active))
    if user is None:
        return None
    recent = session.scalar(select(func.count()).select_from(MagicLink).where(
        MagicLink.user_id == user.id, MagicLink.purpose == SIGN_IN, MagicLink.created_at >= now - timedelta(hours=1)))
    if (recent or 0) >= MAX_SIGN_IN_LINKS_PER_HOUR:
        raise TooManyLinks("Several sign-in links were sent to this address in the last hour. Use the newest "
                              "one, or try again later.")
    return user, issue(session, user, SIGN_IN, now=now)


def peek(session: Session, secret: str, *, now: datetime | None = None) -> tuple[MagicLink, User]:
    """The link and its user if it can still be used; LinkNotValid (saying why) otherwise."""
    now = now or utcnow()
    row = session.execute(select(MagicLink, User).join(User, User.id == MagicLink.user_id)
                          .where(MagicLink.token_hash == token_digest(secret))).first()
    if row is None:
        raise LinkNotValid("unknown")
    link, user = row
    if link.used_at is not None:
        raise LinkNotValid("used", user.language)
    if link.expires_at <= now:
        raise LinkNotValid("expired", user.language)
    if not user.is_active:
        raise LinkNotValid("disabled", user.language)
    return link, user


def consume(session: Session, secret: str, *, now: datetime | None = None) -> User:
    """Spend the link and return its user. The update is conditional, so two clicks racing each other
    cannot both sign in."""
    now = now or utcnow()
    link, user = peek(session, secret, now=now)
    spent = session.execute(update(MagicLink).where(MagicLink.id == link.id, MagicLink.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise LinkNotValid("used", user.language)
    # The other unused sign-in links of this user are worth nothing now.
    session.execute(delete(MagicLink).where(MagicLink.user_id == user.id, MagicLink.used_at.is_(None),
                                            MagicLink.purpose == SIGN_IN))
    auth_service.unlock(session, None, user, now=now)  # proving the mailbox ends a lock on password sign-in
    audit.record(session, user, "link_sign_in", user, None)
    return user


def purge_expired(session: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(delete(MagicLink).where(MagicLink.expires_at <= now - timedelta(days=1)))
