"""Sign-in, sign-out (here or everywhere) and the account page with personal API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from channelbase.auth import service
from channelbase.auth.models import User
from channelbase.auth.passwords import PASSWORD_RULES
from channelbase.core.errors import DomainError, InvalidInput
from channelbase.web.deps import (
    CSRF_COOKIE, SESSION_COOKIE, CurrentActor, OptionalActor, SessionDep, csrf_protect, render,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])
STAFF_HOME = "/today"


def _landing(target: str | None, user: User) -> str:
    """Where sign-in leads: the asked-for page, else My day for staff and the home page for partner users."""
    if user.is_staff and (target or "/") == "/":
        return STAFF_HOME
    return _safe_next(target)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, actor: OptionalActor, next: str = "/"):
    if actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": _safe_next(next), "email": ""})


@router.post("/login", include_in_schema=False)
def login(request: Request, db: SessionDep, email: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=1024)] = "", next: Annotated[str, Form()] = "/"):
    settings = request.app.state.settings
    context = {"next": _safe_next(next), "email": email}
    try:
        user = service.authenticate(db, email, password, ip=request.client.host if request.client else "",
                                    max_failures=settings.login_max_failures,
                                    window=timedelta(minutes=settings.login_window_minutes),
                                    lockout_failures=settings.login_lockout_failures,
                                    lockout=timedelta(minutes=settings.login_lockout_minutes))
    except DomainError as exc:  # too many attempts (429) or a locked account (423): the message says what next
        return render(request, "auth/login.html", {**context, "error": exc.message}, status_code=exc.status)
    if user is None:
        return render(request, "auth/login.html", {**context, "error": "Wrong e-mail or password."}, status_code=401)
    service.purge_expired(db)
    return signed_in(request, db, user, _landing(next, user))


def signed_in(request: Request, db: Session, user: User, target: str) -> RedirectResponse:
    """Start the user's web session (by password or by e-mailed link) and go to `target`. The session this
    browser had (perhaps someone else's, perhaps planted) ends first."""
    settings = request.app.state.settings
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        service.end_session(db, previous)
    token = service.start_session(db, user, days=settings.session_days)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_days * 86400, path="/")
    # A fresh CSRF token after sign-in, so a token planted before it is worthless.
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: SessionDep):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/account/sessions/end-all", include_in_schema=False)
def end_all_sessions(db: SessionDep, actor: CurrentActor):
    service.end_all_sessions(db, actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account(request: Request, db: Session, actor: User, status_code: int = 200, **context):
    context = {"tokens": service.list_api_tokens(db, actor), "password_rules": PASSWORD_RULES, **context}
    return render(request, "auth/account.html", context, status_code=status_code)


@router.get("/account", include_in_schema=False)
def account_page(request: Request, db: SessionDep, actor: CurrentActor):
    return _account(request, db, actor)


@router.post("/account/tokens", include_in_schema=False)
def create_token(request: Request, db: SessionDep, actor: CurrentActor, name: Annotated[str, Form()] = ""):
    try:
        _token, secret = service.create_api_token(db, actor, name)
    except InvalidInput as exc:
        return _account(request, db, actor, 422, error=exc.message, name=name)
    return _account(request, db, actor, new_secret=secret)


@router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token(request: Request, db: SessionDep, actor: CurrentActor, token_id: int):
    service.revoke_api_token(db, actor, token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password", include_in_schema=False)
def change_password(request: Request, db: SessionDep, actor: CurrentActor,
                    current_password: Annotated[str, Form(max_length=1024)] = "",
                    new_password: Annotated[str, Form(max_length=1024)] = "",
                    confirm_password: Annotated[str, Form(max_length=1024)] = ""):
    if new_password != confirm_password:
        return _account(request, db, actor, 422, password_errors={"confirm_password": "does not match the new password"})
    try:
        service.change_password(db, actor, current_password, new_password,
                                keep_session=request.cookies.get(SESSION_COOKIE))
    except InvalidInput as exc:
        db.rollback()
        return _account(request, db, actor, 422, password_errors=exc.field_errors, password_error=exc.message)
    return _account(request, db, actor, password_changed=True)
