"""The vendor's side of the portal: inviting a partner's contacts, choosing its portal admins, and the
announcements partners see on their portal home."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core.errors import DomainError, InvalidInput
from channelbase.partners.models import Contact, Partner, PARTNER_TYPE_LABELS
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.portal import announcements, invitations, mails
from channelbase.web.deps import SessionDep, StaffActor, is_htmx, render
from channelbase.web.forms import parse

router = APIRouter()
InviteForm = Annotated[dict[str, Any], form(booleans=("make_admin", "admin"))]
AnnouncementForm = Annotated[dict[str, Any], form(optional=("language", "partner_type", "expires_on"))]


def _portal_panel(request: Request, db: Session, actor: User, partner_id: int, error: DomainError | None = None,
                  invited: str = ""):
    partner = get_visible(db, actor, Partner, partner_id)
    people = invitations.portal_users(db, actor, partner.id)
    contacts = invitations.contacts_to_invite(db, actor, partner.id)
    template = "portal/staff_panel.html" if is_htmx(request) else "portal/staff_panel_page.html"
    return render(request, template, {
        "partner": partner, "people": people, "contacts": contacts, "error": error, "invited": invited,
    }, status_code=error.status if error else 200)


@router.get("/partners/{partner_id}/portal-users", include_in_schema=False)
def portal_panel(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    return _portal_panel(request, db, actor, partner_id, invited=request.query_params.get("invited", "")[:254])


@router.post("/partners/{partner_id}/portal-users", include_in_schema=False)
def invite_contact(request: Request, db: SessionDep, actor: StaffActor, partner_id: int, data: InviteForm):
    settings = request.app.state.settings
    get_visible(db, actor, Partner, partner_id)

    def invite():
        contact_id = to_int(data.get("contact_id"))
        if contact_id:
            contact = get_visible(db, actor, Contact, contact_id)
            if contact.partner_id != partner_id:
                raise InvalidInput("That contact belongs to another partner.")
            invitation = invitations.invite_contact(db, actor, contact_id, make_admin=bool(data.get("make_admin")))
        else:
            invitation = invitations.invite(db, actor, partner_id, email=str(data.get("email") or ""),
                                            name=str(data.get("name") or ""), language=str(data.get("language") or ""),
                                            make_admin=bool(data.get("make_admin")))
        mails.send(settings, mails.invitation(settings, invitation.user, invitation.partner, actor,
                                              invitation.link_secret))
        return invitation

    invitation, error = attempt(db, invite)
    if error:
        return _portal_panel(request, db, actor, partner_id, error)
    assert invitation is not None
    return redirect(f"/partners/{partner_id}?invited={invitation.user.email}#portal-users")


@router.post("/partners/{partner_id}/portal-users/{user_id}/admin", include_in_schema=False)
def set_portal_admin(request: Request, db: SessionDep, actor: StaffActor, partner_id: int, user_id: int,
                     data: InviteForm):
    user = get_visible(db, actor, User, user_id)
    if user.partner_id != get_visible(db, actor, Partner, partner_id).id:
        raise InvalidInput("That user belongs to another partner.")
    invitations.set_portal_admin(db, actor, user, bool(data.get("admin")))
    return redirect(f"/partners/{partner_id}#portal-users")


# Announcements -----------------------------------------------------------------------------------

def _announcements_page(request: Request, db: Session, actor: User, values: dict[str, Any] | None = None,
                        error: DomainError | None = None):
    return render(request, "portal/announcements.html", {
        "items": announcements.list_announcements(db, actor), "values": values or {"published_on": date.today()},
        "error": error, "errors": (error.field_errors or {}) if error else {}, "type_labels": PARTNER_TYPE_LABELS,
    }, status_code=error.status if error else 200)


@router.get("/announcements", include_in_schema=False)
def announcement_list(request: Request, db: SessionDep, actor: StaffActor):
    return _announcements_page(request, db, actor)


@router.post("/announcements", include_in_schema=False)
def publish_announcement(request: Request, db: SessionDep, actor: StaffActor, data: AnnouncementForm):
    _item, error = attempt(db, lambda: announcements.publish(db, actor, parse(announcements.AnnouncementIn, data)))
    if error:
        return _announcements_page(request, db, actor, data, error)
    return redirect("/announcements?published=1")


@router.post("/announcements/{announcement_id}/delete", include_in_schema=False)
def withdraw_announcement(request: Request, db: SessionDep, actor: StaffActor, announcement_id: int):
    announcements.withdraw(db, actor, announcement_id)
    return redirect("/announcements")
