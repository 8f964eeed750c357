"""Request-scoped pieces every adapter uses: the unit of work, the actor, CSRF and templates."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core.db import unit_of_work
from channelbase.core.errors import DomainError, NotPermitted
from channelbase.core import i18n
from channelbase.core.money import format_rate

SESSION_COOKIE = "cb_session"
CSRF_COOKIE = "cb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

PACKAGE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=[str(PACKAGE / "web" / "templates"), str(PACKAGE / "partners" / "templates"),
                                       str(PACKAGE / "auth" / "templates"), str(PACKAGE / "deals" / "templates"),
                                       str(PACKAGE / "engagement" / "templates"),
                                       str(PACKAGE / "growth" / "templates"), str(PACKAGE / "portal" / "templates"),
                                       str(PACKAGE / "enablement" / "templates"),
                                       str(PACKAGE / "recruitment" / "templates"),
                                       str(PACKAGE / "onboarding" / "templates"), str(PACKAGE / "events" / "templates"),
                                       str(PACKAGE / "plans" / "templates"), str(PACKAGE / "surveys" / "templates"),
                                       str(PACKAGE / "health" / "templates"), str(PACKAGE / "strategy" / "templates")])

templates.env.filters["rate"] = format_rate
i18n.install(templates.env)


class LoginRequired(Exception):
    """Raised for pages when nobody is signed in; rendered as a redirect to the sign-in page."""


class ApiUnauthorized(DomainError):
    status = 401


class CsrfFailed(DomainError):
    status = 403


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    with unit_of_work(request.app.state.sessionmaker, writes=request.method not in READ_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def _detached(db: Session, user: User | None) -> User | None:
    # A rollback expires every row in the session; the actor must stay readable for the error page.
    if user is not None:
        db.flush()
        db.expunge(user)
    return user


def optional_actor(request: Request, db: SessionDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    user = _detached(db, auth_service.user_for_session(db, token) if token else None)
    request.state.actor = user
    return user


def current_actor(request: Request, actor: Annotated[User | None, Depends(optional_actor)]) -> User:
    if actor is None:
        raise LoginRequired()
    return actor


def staff_actor(actor: Annotated[User, Depends(current_actor)]) -> User:
    if not actor.is_staff:
        raise NotPermitted("This page is for channel managers and admins.")
    return actor


def admin_actor(actor: Annotated[User, Depends(current_actor)]) -> User:
    if not actor.is_admin:
        raise NotPermitted("This page is for admins.")
    return actor


def api_actor(request: Request, db: SessionDep) -> User:
    """The owner of the Bearer token; the API never reads cookies, so it needs no CSRF check."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    user = auth_service.user_for_api_token(db, secret.strip()) if scheme.lower() == "bearer" and secret else None
    if user is None:
        raise ApiUnauthorized("Missing or invalid API token: send 'Authorization: Bearer <token>' "
                              "(create one on your account page or with `channelbase users token`).")
    request.state.actor = _detached(db, user)
    return user


CurrentActor = Annotated[User, Depends(current_actor)]
OptionalActor = Annotated[User | None, Depends(optional_actor)]
StaffActor = Annotated[User, Depends(staff_actor)]
AdminActor = Annotated[User, Depends(admin_actor)]
ApiActor = Annotated[User, Depends(api_actor)]


def csrf_token_for(request: Request) -> str:
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return token


async def csrf_protect(request: Request) -> None:
    """Double-submit check: the form field or header must equal the CSRF cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed("Your form expired or came from another site. Reload the page and try again.")


def login_redirect_target(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(path)}"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page_language(request: Request, actor: User | None) -> str:
    """Partner users read their own language (their profile, then the browser); the pages before sign-in
    follow the browser; the vendor's own pages stay English for now."""
    if actor is not None and not actor.is_partner:
        return i18n.DEFAULT_LANGUAGE
    return i18n.choose_language(actor.language if actor else None, request.headers.get("accept-language"))


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200):
    context = dict(context or {})
    context.setdefault("actor", getattr(request.state, "actor", None))
    context["csrf_token"] = csrf_token_for(request)
    i18n.set_language(context.pop("language", None) or page_language(request, context["actor"]))
    return templates.TemplateResponse(request, template, context, status_code=status_code)
