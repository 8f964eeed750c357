"""Portal pages about people: my colleagues (a portal admin invites more), my language, and an admin
viewing the portal as a partner user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.core.errors import DomainError
from channelbase.partners.web_common import attempt, form, redirect
from channelbase.portal import invitations, mails
from channelbase.portal.access import VIEW_AS_COOKIE, Portal, PortalView, start_view_as, view_as_cookie
from channelbase.portal.web import field_errors_for, show
from channelbase.web.deps import AdminActor, CurrentActor, SessionDep

router = APIRouter()
TeamForm = Annotated[dict[str, Any], form(booleans=("make_admin",))]


def _team_page(request: Request, db: Session, view: PortalView, error: DomainError | None = None,
               values: dict[str, Any] | None = None, invited: str = ""):
    return show(request, view, "portal/team.html", {
        "people": invitations.portal_users(db, view.actor, view.actor.partner_id or 0),
        "may_invite": invitations.is_portal_admin(db, view.actor), "values": values or {}, "invited": invited,
        "error": error, "errors": field_errors_for(error, view.actor) if error else {},
    }, status_code=error.status if error else 200)


@router.get("/portal/team", include_in_schema=False)
def team(request: Request, db: SessionDep, view: Portal):
    return _team_page(request, db, view, invited=request.query_params.get("invited", "")[:254])


@router.post("/portal/team", include_in_schema=False)
def invite_colleague(request: Request, db: SessionDep, view: Portal, data: TeamForm):
    view.require_writable()
    settings = request.app.state.settings

    def invite():
        invitation = invitations.invite(db, view.actor, view.actor.partner_id or 0,
                                        email=str(data.get("email") or ""), name=str(data.get("name") or ""),
                                        language=str(data.get("language") or view.actor.language),
                                        make_admin=bool(data.get("make_admin")))
        mails.send(settings, mails.invitation(settings, invitation.user, invitation.partner, view.actor,
                                              invitation.link_secret))
        return invitation

    invitation, error = attempt(db, invite)
    if error:
        return _team_page(request, db, view, error, data)
    assert invitation is not None
    return redirect(f"/portal/team?invited={invitation.user.email}")


@router.post("/portal/language", include_in_schema=False)
def choose_language(request: Request, db: SessionDep, view: Portal, data: TeamForm):
    view.require_writable()
    invitations.set_language(db, view.actor, str(data.get("language") or ""))
    back = str(data.get("next") or "/portal")
    return redirect(back if back.startswith("/portal") else "/portal")


@router.post("/portal/view-as/{user_id}", include_in_schema=False)
def view_as(request: Request, db: SessionDep, admin: AdminActor, user_id: int):
    user = start_view_as(db, admin, user_id)
    response = redirect("/portal")
    response.set_cookie(VIEW_AS_COOKIE, view_as_cookie(request.app.state.secret_key, admin, user), httponly=True,
                        samesite="lax", secure=request.app.state.settings.secure_cookies, path="/portal",
                        max_age=3600)
    return response


@router.post("/portal/view-as-stop", include_in_schema=False)
def stop_view_as(request: Request, actor: CurrentActor):
    response = redirect("/users" if actor.is_admin else "/portal")
    response.delete_cookie(VIEW_AS_COOKIE, path="/portal")
    return response
