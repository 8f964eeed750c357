"""Who the portal pages are rendered for: the signed-in partner user, or — read-only — the partner user an
admin chose to view the portal as. The choice lives in a cookie signed with the app's secret and bound
to the admin, so it cannot be forged or handed to someone else."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.core import audit
from channelbase.core.errors import NotFound, NotPermitted
from channelbase.web.deps import CurrentActor, SessionDep

VIEW_AS_COOKIE = "cb_view_as"


@dataclass(frozen=True)
class PortalView:
    actor: User  # whose portal this is: every read goes through this user's visibility
    viewer: User  # who is looking: the same user, or an admin viewing as them

    @property
    def read_only(self) -> bool:
        return self.viewer.id != self.actor.id

    def require_writable(self) -> None:
        if self.read_only:
            raise NotPermitted(f"You are viewing the portal as {self.actor.name}: it is read-only. "
                               "Stop viewing as them to act as yourself.")


def _signature(secret_key: str, admin_id: int, user_id: int) -> str:
    message = f"view-as:{admin_id}:{user_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def view_as_cookie(secret_key: str, admin: User, user: User) -> str:
    return f"{user.id}.{_signature(secret_key, admin.id, user.id)}"


def viewed_user_id(secret_key: str, admin: User, cookie: str | None) -> int | None:
    user_id, _, signature = (cookie or "").partition(".")
    if not user_id.isdigit() or not hmac.compare_digest(signature, _signature(secret_key, admin.id, int(user_id))):
        return None
    return int(user_id)


def start_view_as(session: Session, admin: User, user_id: int) -> User:
    """An admin starts viewing the portal as a partner user; the audit log records it."""
    if not admin.is_admin:
        raise NotPermitted("Only admins may view the portal as a partner user.")
    user = session.get(User, user_id)
    if user is None or user.role != Role.PARTNER or not user.is_active:
        raise NotFound(f"No active partner user #{user_id}.")
    audit.record(session, admin, "view_as", user, None)
    return user


def portal_view(request: Request, db: SessionDep, actor: CurrentActor) -> PortalView:
    if actor.is_partner:
        return PortalView(actor, actor)
    if actor.is_admin:
        user_id = viewed_user_id(request.app.state.secret_key, actor, request.cookies.get(VIEW_AS_COOKIE))
        user = db.get(User, user_id) if user_id else None
        if user is not None and user.is_active and user.role == Role.PARTNER:
            db.expunge(user)  # read for the page only: nothing done as this user is ever written
            return PortalView(user, actor)
    raise NotPermitted("The portal is for partner users. Admins may view it as one of them from the partner's "
                       "page (Portal users).")


Portal = Annotated[PortalView, Depends(portal_view)]
