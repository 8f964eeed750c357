"""The admins' users page: list, create, disable and enable sign-ins, and unlock locked accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from channelbase.auth import service
from channelbase.auth.models import Role, User
from channelbase.auth.passwords import PASSWORD_RULES
from channelbase.core.batches import list_source
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.partners import service as partners
from channelbase.partners.web_common import attempt, form, partner_choices, redirect, to_int
from channelbase.web import exports
from channelbase.web.deps import AdminActor, SessionDep, csrf_protect, render
from channelbase.web.exports import Column, field
from channelbase.web.forms import parse

router = APIRouter(dependencies=[Depends(csrf_protect)])

ROLE_OPTIONS = [(Role.ADMIN.value, "Admin"), (Role.MANAGER.value, "Channel manager"),
                (Role.PARTNER.value, "Partner user")]
LANGUAGE_OPTIONS = [("en", "English"), ("es", "Español"), ("pt", "Português")]
UserForm = Annotated[dict[str, Any], form(optional=("partner_id",))]


class NewUser(BaseModel):
    """The users page's form; auth.service.create_user checks the rest."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    name: str = Field("", max_length=200)
    role: str = Field(min_length=1)
    partner_id: int | None = None
    password: str = Field(max_length=1024)
    language: str = Field("en", pattern=r"^(en|es|pt)$")


@router.get("/users", include_in_schema=False)
def user_list(request: Request, db: SessionDep, actor: AdminActor, created: int | None = None):
    return _users_page(request, db, actor, {"role": Role.MANAGER.value, "language": "en"}, created=created)


@router.get("/users/export", include_in_schema=False)
def export_users(request: Request, db: SessionDep, actor: AdminActor):
    """Every user of the users page, as CSV or XLSX."""
    users = service.list_users(db, actor)
    names = partners.partner_names(db, actor, (u.partner_id for u in users))
    columns = [field("ID", "id"), field("Name", "name"), field("E-mail", "email"),
               Column("Role", lambda u: u.role.capitalize()), field("Partner ID", "partner_id"),
               Column("Partner", lambda u: names.get(u.partner_id)),
               Column("Status", lambda u: "Active" if u.is_active else "Disabled"), field("Language", "language"),
               field("Time zone", "timezone")]
    return exports.respond(request, db, actor, "users", columns, list_source(users))


@router.post("/users", include_in_schema=False)
def create_user(request: Request, db: SessionDep, actor: AdminActor, data: UserForm):
    user, error = attempt(db, lambda: service.create_user(db, actor, **parse(NewUser, data).model_dump()))
    if error:
        return _users_page(request, db, actor, {**data, "password": ""}, error)
    assert user is not None  # attempt() returns the result when there is no error
    return redirect(f"/users?created={user.id}")


@router.post("/users/{user_id}/disable", include_in_schema=False)
def disable_user(db: SessionDep, actor: AdminActor, user_id: int):
    service.set_active(db, actor, service.get_visible(db, actor, User, user_id).email, False)
    return redirect("/users")


@router.post("/users/{user_id}/enable", include_in_schema=False)
def enable_user(db: SessionDep, actor: AdminActor, user_id: int):
    service.set_active(db, actor, service.get_visible(db, actor, User, user_id).email, True)
    return redirect("/users")


@router.post("/users/{user_id}/unlock", include_in_schema=False)
def unlock_user(db: SessionDep, actor: AdminActor, user_id: int):
    service.unlock(db, actor, service.get_visible(db, actor, User, user_id))
    return redirect("/users")


def _users_page(request: Request, db: Session, actor: User, values: dict[str, Any],
                error: InvalidInput | Conflict | None = None, created: int | None = None):
    users = service.list_users(db, actor)
    partner_options, truncated = partner_choices(db, actor)
    context = {
        "users": users, "created": next((u for u in users if u.id == to_int(created)), None),
        "locks": service.locks_of(db, users), "password_rules": PASSWORD_RULES,
        "partner_names": partners.partner_names(db, actor, (u.partner_id for u in users)),
        "partner_options": partner_options, "partners_truncated": truncated,
        "role_options": ROLE_OPTIONS, "language_options": LANGUAGE_OPTIONS,
        "values": values, "error": error, "errors": error.field_errors if error else {},
    }
    return render(request, "auth/users.html", context, status_code=error.status if error else 200)
