"""Users, passwords, web sessions, API tokens, the sign-in rate limit and account locks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channelbase.auth.models import ApiToken, LoginAttempt, Role, User, WebSession
from channelbase.auth.passwords import check_new_password
from channelbase.auth.visibility import get_visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.db import write_now
from channelbase.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from channelbase.partners.models import Partner
from channelbase.portal.models import AccountLock

_hasher = PasswordHasher()
# Verified when the e-mail is unknown so a miss costs as long as a hit (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("channelbase-timing-equaliser")


class TooManyAttempts(DomainError):
    status = 429


class AccountLocked(DomainError):
    """Password sign-in refused, even with the right password, until the lock ends or is lifted."""

    status = 423


def hash_password(password: str) -> str:
    check_new_password(password)  # the callers check with the e-mail and name first; this is the floor
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
    check_new_password(password, email=email, name=name)
    user = User(email=email, name=name.strip() or email, role=role, partner_id=partner_id,
                password_hash=hash_password(password), language=language)
    session.add(user)
    audit.record(session, actor or "system", "create", user, None)
    return user


def set_active(session: Session, actor, email: str, active: bool) -> User:
    """Enable or disable a user; disabling ends their sessions and tokens."""
    if actor is not None and not actor.is_admin:
        raise NotPermitted("Only admins enable or disable users.")
    user = user_with_email(session, email)
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


def user_with_email(session: Session, email: str) -> User:
    """The user (active or not) with this e-mail; InvalidInput when there is none."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise InvalidInput(f"No user with e-mail {email}.")
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
# Failures older than this never count toward a lock, however long ago the last successful sign-in was.
LOCKOUT_LOOKBACK = timedelta(hours=24)


def _failures_since(session: Session, column, value: str, since) -> int:
    return session.execute(
        select(func.count()).select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).scalar_one()


def _check_rate_limit(session: Session, email: str, ip: str, max_failures: int, window: timedelta,
                      now: datetime) -> None:
    since = now - window
    minutes = int(window.total_seconds() // 60)
    if _failures_since(session, LoginAttempt.email, email, since) >= max_failures:
        raise TooManyAttempts(f"Too many failed sign-ins for this account. Try again in {minutes} minutes.")
    if ip and _failures_since(session, LoginAttempt.ip, ip, since) >= max_failures * FAILURES_PER_ADDRESS_FACTOR:
        raise TooManyAttempts(f"Too many failed sign-ins from your network. Try again in {minutes} minutes.")


def authenticate(
    session: Session, email: str, password: str, *, ip: str = "", max_failures: int = 5,
    window: timedelta = timedelta(minutes=15), lockout_failures: int = 10, lockout: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> User | None:
    """The active user with this e-mail and password, or None; failures are counted, limited, and lock the
    account after `lockout_failures` of them (AccountLocked refuses even the right password while it lasts)."""
    now = now or utcnow()
    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    lock = lock_of(session, user, now=now) if user is not None else None
    if lock is not None:  # refused before the password is even checked: a locked account answers no guesses
        raise AccountLocked(_locked_message(lock, now))
    _check_rate_limit(session, email, ip[:64], max_failures, window, now)
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, ip=ip[:64], succeeded=ok, at=now))
    if user is None:
        return None
    if not ok:
        _lock_after_failures(session, user, lockout_failures, lockout, now)
        return None  # the caller commits the failed attempt (and a new lock), then shows the error
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def lock_of(session: Session, user: User, *, now: datetime | None = None) -> AccountLock | None:
    """The user's lock on password sign-in while it lasts, else None."""
    lock = session.get(AccountLock, user.id)
    return lock if lock is not None and lock.locked_until > (now or utcnow()) else None


def locks_of(session: Session, users: list[User], *, now: datetime | None = None) -> dict[int, AccountLock]:
    """The current locks of these users, by user id (few accounts are locked at any time)."""
    ids = {user.id for user in users}
    locks = session.scalars(select(AccountLock).where(AccountLock.locked_until > (now or utcnow())))
    return {lock.user_id: lock for lock in locks if lock.user_id in ids}


def unlock(session: Session, actor: User | None, user: User, *, now: datetime | None = None) -> bool:
    """Lift the user's lock on password sign-in; True if there was one. Admins only; actor None is the app
    itself (a sign-in with an e-mailed link proves the mailbox). The failures before it stop counting."""
    if actor is not None and not actor.is_admin:
        raise NotPermitted("Only admins unlock accounts.")
    now = now or utcnow()
    lock = lock_of(session, user, now=now)
    if lock is None:
        return False
    before = audit.snapshot(lock)
    lock.locked_until = now  # kept rather than deleted: the failures before this moment no longer count
    _audit_lock(session, actor or "system", "unlock", user, before, lock)
    return True


def _lock_after_failures(session: Session, user: User, threshold: int, lockout: timedelta, now: datetime) -> None:
    failures = _failures_toward_lock(session, user, now)
    if failures < threshold:
        return
    lock = session.get(AccountLock, user.id)
    before = audit.snapshot(lock) if lock is not None else None
    if lock is None:
        lock = _new_lock(session, user, now + lockout)
    lock.locked_until, lock.failures, lock.created_at = now + lockout, failures, now
    _audit_lock(session, "system", "lock", user, before, lock)


def _failures_toward_lock(session: Session, user: User, now: datetime) -> int:
    """Failed sign-ins since the latest of: the last successful one, the end of the last lock, 24 hours ago."""
    last_success = session.scalar(select(func.max(LoginAttempt.at))
                                  .where(LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(True)))
    previous = session.get(AccountLock, user.id)
    marks = [now - LOCKOUT_LOOKBACK, last_success, previous.locked_until if previous is not None else None]
    return _failures_since(session, LoginAttempt.email, user.email, max(m for m in marks if m is not None))


def _new_lock(session: Session, user: User, until: datetime) -> AccountLock:
    lock = AccountLock(user_id=user.id, locked_until=until, failures=0)
    try:
        with session.begin_nested():
            session.add(lock)
    except IntegrityError:  # another web worker locked the account at the same moment
        return session.get_one(AccountLock, user.id)
    return lock


def _audit_lock(session: Session, actor: Any, action: str, user: User, before: dict | None,
                lock: AccountLock) -> None:
    # The lock has no id of its own: the entry joins the user's history, where an admin looks for it.
    session.flush()
    session.add(audit.AuditEntry(actor_id=getattr(actor, "id", None), actor_label=getattr(actor, "label", None)
                                 or str(actor), action=action, entity_type=User.__tablename__, entity_id=user.id,
                                 before=before, after=audit.snapshot(lock)))


def _locked_message(lock: AccountLock, now: datetime) -> str:
    until = lock.locked_until
    if until.second or until.microsecond:  # rounded up: at the minute shown, the account is open again
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    when = until.strftime("%H:%M UTC" if until.date() == now.date() else "%Y-%m-%d %H:%M UTC")
    return (f"This account is locked after {lock.failures} failed sign-ins until {when}. "
            "Sign in with a link sent by e-mail, or ask an admin to unlock it.")


def change_password(session: Session, user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """Set a new password after checking the current one; every other session of the user ends. A user
    invited to the portal has none yet (they signed in with the invitation's link) and sets a first one."""
    if user.password_hash:
        try:
            _hasher.verify(user.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise InvalidInput("Your current password is wrong.",
                               field_errors={"current_password": "wrong"}) from None
    if new == current:
        raise InvalidInput("Choose a password different from the current one.", field_errors={"new_password": "unchanged"})
    check_new_password(new, email=user.email, name=user.name, field="new_password")
    stored = session.get_one(User, user.id)
    stored.password_hash = hash_password(new)
    others = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session:
        others = others.where(WebSession.token_hash != token_digest(keep_session))
    session.execute(others)
    audit.record(session, user, "password", stored, audit.snapshot(stored))


def end_all_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: every web session ends (their API tokens keep working)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    audit.record(session, user, "end_sessions", session.get_one(User, user.id), None)


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
