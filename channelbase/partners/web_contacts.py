"""Contact pages: the searchable list, the inline add form on a partner page, edit and delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import Conflict, InvalidInput, StaleEdit
from channelbase.partners import export_rows, service
from channelbase.partners.models import Contact, Partner
from channelbase.partners.schemas import ContactCreate, ContactUpdate
from channelbase.partners.web_common import (
    attempt, choice_lists, form, list_links, list_page, page_args, problem_status, redirect, to_int,
    values_of,
)
from channelbase.web import exports
from channelbase.web.deps import CurrentActor, SessionDep, is_htmx, render
from channelbase.web.exports import Column, field
from channelbase.web.forms import parse

router = APIRouter()

CONTACT_FIELDS = ("name", "email", "phone", "role", "is_primary", "language")
ContactForm = Annotated[dict[str, Any], form(booleans=("is_primary",))]
EXPORT_COLUMNS = [
    field("ID", "contact.id"), field("Name", "contact.name"), field("E-mail", "contact.email"),
    field("Phone", "contact.phone"), Column("Role", lambda r: r.contact.role.capitalize()),
    field("Primary", "contact.is_primary"), field("Language", "contact.language"),
    field("Partner ID", "contact.partner_id"), field("Partner", "partner"),
]


@router.get("/contacts", include_in_schema=False)
def contact_list(request: Request, db: SessionDep, actor: CurrentActor, q: str = ""):
    args = page_args(request, ())
    page = service.list_contacts(db, actor, q=q[:200], page=args["page"], per_page=args["per_page"])
    context = {**list_links(request, (), "name"), "page": page, "q": q,
               "partner_names": service.partner_names(db, actor, (c.partner_id for c in page.items))}
    return list_page(request, "partners/contacts.html", "partners/_contact_table.html", context)


@router.get("/contacts/export", include_in_schema=False)
def export_contacts(request: Request, db: SessionDep, actor: CurrentActor, q: str = ""):
    """Every contact the list shows for this search, as CSV or XLSX."""
    return exports.respond(request, db, actor, "contacts", EXPORT_COLUMNS, export_rows.contacts(actor, q[:200]))


@router.post("/contacts", include_in_schema=False)
def create_contact(request: Request, db: SessionDep, actor: CurrentActor, data: ContactForm):
    contact, error = attempt(db, lambda: service.create_contact(db, actor, parse(ContactCreate, data)))
    partner = service.get_partner(db, actor, contact.partner_id if contact else to_int(data.get("partner_id")))
    if is_htmx(request):
        message = f"Contact {contact.name} added." if contact else None
        return _contacts_section(request, db, actor, partner, error, data if error else None, message)
    if error:
        return _contact_form(request, partner, None, data, error)
    return redirect(f"/partners/{partner.id}#contacts")


@router.get("/contacts/{contact_id}/edit", include_in_schema=False)
def edit_contact(request: Request, db: SessionDep, actor: CurrentActor, contact_id: int):
    contact = service.get_contact(db, actor, contact_id)
    return _contact_form(request, _partner_of(db, actor, contact), contact, _stored(contact))


@router.post("/contacts/{contact_id}", include_in_schema=False)
def update_contact(request: Request, db: SessionDep, actor: CurrentActor, contact_id: int, data: ContactForm):
    contact = service.get_contact(db, actor, contact_id)
    _, error = attempt(db, lambda: service.update_contact(db, actor, contact_id, parse(ContactUpdate, data)))
    partner = _partner_of(db, actor, contact)
    if error is None:
        return redirect(f"/partners/{partner.id}#contacts")
    if isinstance(error, StaleEdit):
        stored = _stored(contact)
        unsaved = [(k, data[k], stored[k]) for k in CONTACT_FIELDS if k in data and str(data[k]) != str(stored[k])]
        return _contact_form(request, partner, contact, stored, error, unsaved)
    return _contact_form(request, partner, contact, data, error)


@router.post("/contacts/{contact_id}/delete", include_in_schema=False)
def delete_contact(request: Request, db: SessionDep, actor: CurrentActor, contact_id: int):
    partner = _partner_of(db, actor, service.get_contact(db, actor, contact_id))
    service.delete_contact(db, actor, contact_id)
    if is_htmx(request):
        return _contacts_section(request, db, actor, partner, message="Contact deleted.")
    return redirect(f"/partners/{partner.id}#contacts")


def _partner_of(db: Session, actor: User, contact: Contact) -> Partner:
    return service.get_partner(db, actor, contact.partner_id, include_deleted=actor.is_staff)


def _stored(contact: Contact) -> dict[str, Any]:
    return {**values_of(contact, CONTACT_FIELDS), "version": contact.version}


def _contacts_section(request: Request, db: Session, actor: User, partner: Partner,
                      error: InvalidInput | Conflict | None = None, values: dict[str, Any] | None = None,
                      message: str | None = None):
    """The partner page's contacts card, for htmx to swap in after an add or delete."""
    context = {**choice_lists(), "partner": partner, "contact_error": error, "contact_message": message,
               "contacts": service.list_contacts(db, actor, partner_id=partner.id, per_page=100).items,
               "contact_values": values or {"role": "sales", "language": "en"},
               "contact_errors": error.field_errors if error else {}}
    return render(request, "partners/_contacts.html", context,
                  status_code=problem_status(request, error) if error else 200)


def _contact_form(request: Request, partner: Partner, contact: Contact | None, values: dict[str, Any],
                  error: InvalidInput | Conflict | None = None, unsaved: list | None = None):
    context = {**choice_lists(), "partner": partner, "contact": contact, "values": values, "error": error,
               "errors": error.field_errors if error else {}, "unsaved": unsaved or []}
    return render(request, "partners/contact_form.html", context, status_code=error.status if error else 200)
