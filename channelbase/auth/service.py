"""Users, passwords, web sessions, API tokens and the sign-in rate limit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import ApiToken, LoginAttempt, Role, User, WebSession
from channelbase.auth.visibility import get_visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.db import write_now
from channelbase.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from channelbase.partners.models import Partner

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Verified when the e-mail is unknown so a miss costs as long as a hit (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("channelbase-timing-equaliser")


class TooManyAttempts(DomainError):
    status = 429


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Password too short: use at least {MIN_PASSWORD_LENGTH} characters.",
            field_errors={"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"Invalid e-mail: {exc}", field_errors={"email": str(exc)}) from None


def create_user(
    session: Session, actor, *, email: str, name: str, role: str, password: str,
    partner_id: int | None = None, language: str = "en",
) -> User:
    """Create a user; partner users must belong to exactly one partner."""
    if actor is not None and not actor.is_admin:
        raise NotPermitted("Only admins create users.")
    email = normalize_email(email)
    if role not in {r.value for r in Role}:
        raise InvalidInput(f"Unknown role '{role}': use admin, manager or partner.", field_errors={"role": "unknown"})
    if (role == Role.PARTNER) != (partner_id is not None):
        raise InvalidInput("Partner users need a partner; admins and managers must not have one.",
                           field_errors={"partner_id": "required for partner users only"})
    if partner_id is not None and session.get(Partner, partner_id) is None:
        raise InvalidInput(f"No partner #{partner_id}.", field_errors={"partner_id": "not found"})
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(email=email, name=name.strip() or email, role=role, partner_id=partner_id,
                password_hash=hash_password(password), language=language)
    session.add(user)
    audit.record(session, actor or "system", "create", user, None)
    return user


def set_active(session: Session, actor, email: str, active: bool) -> User:
    """Enable or disable a user; disabling ends their sessions and tokens."""
    if actor is not None and not actor.is_admin:
        raise NotPermitted("Only admins enable or disable users.")
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise InvalidInput(f"No user with e-mail {email}.")
    before = audit.snapshot(user)
    user.is_active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.execute(
            cast(Table, ApiToken.__table__).update().where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    audit.record(session, actor or "system", "update", user, before)
    return user


def any_user(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def active_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower(), User.is_active))


def first_admin(session: Session) -> User | None:
    return session.scalars(select(User).where(User.is_active, User.role == Role.ADMIN).order_by(User.id).limit(1)).first()


def list_users(session: Session, actor) -> list[User]:
    from channelbase.auth.visibility import visible
    return list(session.scalars(visible(select(User), actor).order_by(User.role, User.name)))


# One address may try several accounts, but not endlessly: a password-spraying run stops here.
FAILURES_PER_ADDRESS_FACTOR = 4


def _failures_since(session: Session, column, value: str, since) -> int:
    return session.execute(
        select(func.count()).select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).scalar_one()


def _check_rate_limit(session: Session, email: str, ip: str, max_failures: int, window: timedelta) -> None:
    since = utcnow() - window
    minutes = int(window.total_seconds() // 60)
    if _failures_since(session, LoginAttempt.email, email, since) >= max_failures:
        raise TooManyAttempts(f"Too many failed sign-ins for this account. Try again in {minutes} minutes.")
    if ip and _failures_since(session, LoginAttempt.ip, ip, since) >= max_failures * FAILURES_PER_ADDRESS_FACTOR:
        raise TooManyAttempts(f"Too many failed sign-ins from your network. Try again in {minutes} minutes.")


def authenticate(
    session: Session, email: str, password: str, *, ip: str = "", max_failures: int = 5,
    window: timedelta = timedelta(minutes=15),
) -> User | None:
    """The active user with this e-mail and password, or None; failures are counted and limited."""
    email = email.strip().lower()
    _check_rate_limit(session, email, ip[:64], max_failures, window)
    user = session.scalar(select(User).where(User.email == email))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, ip=ip[:64], succeeded=ok))
    if not ok or user is None:
        return None  # the caller commits the failed attempt, then shows the error
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def change_password(session: Session, user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """Set a new password after checking the current one; every other session of the user ends."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("Your current password is wrong.", field_errors={"current_password": "wrong"}) from None
    if new == current:
        raise InvalidInput("Choose a password different from the current one.", field_errors={"new_password": "unchanged"})
    stored = session.get_one(User, user.id)
    stored.password_hash = hash_password(new)
    others = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        others = others.where(WebSession.token_hash != token_digest(keep_session))
    session.execute(others)
    audit.record(session, user, "password", stored, audit.snapshot(stored))


def start_session(session: Session, user: User, days: int = 14) -> str:
    """A new web session; returns the cookie value (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(days=days)))
    return token


def user_for_session(session: Session, token: str) -> User | None:
    row = session.execute(
        select(User, WebSession.expires_at)
        .join(WebSession, WebSession.user_id == User.id)
        .where(WebSession.token_hash == token_digest(token))
    ).first()
    if row is None or row.expires_at <= utcnow() or not row.User.is_active:
        return None
    return row.User


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_digest(token)))


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A personal API token; the secret is returned once and only its digest is stored."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Give the token a name of 1–100 characters.", field_errors={"name": "1–100 characters"})
    secret = "cb_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=token_digest(secret))
    session.add(token)
    audit.record(session, user, "create", token, None)
    return token, secret


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        from channelbase.core.errors import NotFound
        raise NotFound(f"No API token #{token_id}.")
    before = audit.snapshot(token)
    token.revoked_at = token.revoked_at or utcnow()
    audit.record(session, user, "update", token, before)


def user_for_api_token(session: Session, secret: str) -> User | None:
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.is_active:
        return None
    now = utcnow()
    # Write last-use at most once a minute so reads stay reads.
    if row.ApiToken.last_used_at is None or now - row.ApiToken.last_used_at > timedelta(minutes=1):
        row.ApiToken.last_used_at = now
        write_now(session)
    return row.User



def purge_expired(session: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - timedelta(days=1)))


__all__ = ["get_visible"]
