"""Signing in with a link sent by e-mail: ask for one, then follow it and press the button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from channelbase.auth import service as auth_service
from channelbase.core import i18n
from channelbase.core.errors import InvalidInput
from channelbase.core.i18n import gettext as _
from channelbase.auth.web import signed_in
from channelbase.partners.web_common import form
from channelbase.portal import magic_links, mails
from channelbase.web.deps import OptionalActor, SessionDep, render

router = APIRouter()
LinkForm = Annotated[dict[str, Any], form()]


@router.get("/login/link", include_in_schema=False)
def ask_for_link(request: Request):
    return render(request, "portal/link_request.html", {"email": "", "sent": False})


@router.post("/login/link", include_in_schema=False)
def send_link(request: Request, db: SessionDep, data: LinkForm):
    settings = request.app.state.settings
    email = str(data.get("email") or "").strip()[:254]
    try:
        address = auth_service.normalize_email(email)
        found = magic_links.sign_in_link_for(db, address)
        if found is not None:
            user, secret = found
            mails.send(settings, mails.sign_in_link(settings, user, secret))
    except (InvalidInput, magic_links.TooManyLinks) as exc:
        message = _("Enter a valid e-mail address.") if isinstance(exc, InvalidInput) else _(
            "Several sign-in links were sent to this address in the last hour. Use the newest one, or try "
            "again later.")
        return render(request, "portal/link_request.html", {"email": email, "sent": False, "error": message},
                      status_code=exc.status)
    # The same answer whether or not the address has an account: the form must not reveal who does.
    return render(request, "portal/link_request.html", {"email": email, "sent": True})


def _link_error(request: Request, error: magic_links.LinkNotValid):
    language = i18n.choose_language(error.language, request.headers.get("accept-language"))
    with i18n.language(language):
        message = _(magic_links.REASONS[error.reason])
    return render(request, "portal/link_confirm.html", {"error": message, "token": None, "language": language},
                  status_code=error.status)


@router.get("/login/link/{link_token}", include_in_schema=False)
def open_link(request: Request, db: SessionDep, actor: OptionalActor, link_token: str):
    try:
        link, user = magic_links.peek(db, link_token[:128])
    except magic_links.LinkNotValid as exc:
        return _link_error(request, exc)
    return render(request, "portal/link_confirm.html", {
        "token": link_token, "user": user, "invitation": link.purpose == magic_links.INVITE,
        "language": i18n.choose_language(user.language, request.headers.get("accept-language"))})


@router.post("/login/link/{link_token}", include_in_schema=False)
def use_link(request: Request, db: SessionDep, link_token: str):
    try:
        user = magic_links.consume(db, link_token[:128])
    except magic_links.LinkNotValid as exc:
        return _link_error(request, exc)
    return signed_in(request, db, user, "/portal" if user.is_partner else "/")
