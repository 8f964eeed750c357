"""Events and webinars for the vendor's staff: the list (upcoming and past, with totals), planning and
editing an event, the partners taking part, attendees, and the leads met there, imported from pasted CSV
and turned into accounts or deal registrations in bulk."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, StaleEdit
from channelbase.events import conversion, leads, participants, service, summary
from channelbase.events.models import EVENT_KIND_LABELS, LEAD_STATUS_LABELS, PARTNER_ROLE_LABELS, EventKind
from channelbase.events.schemas import (
    TAB_PAST, TAB_UPCOMING, AttendeeIn, EventFilter, EventIn, EventPartnerIn, EventUpdate, LeadIn, LeadSelection,
    RegistrationTerms,
)
from channelbase.events.views import event_form_values, partner_names, product_options, staff_names
from channelbase.partners.web_common import (
    CURRENCIES, attempt, drop_blank, form, list_links, owner_options, parse_filters, partner_choices, redirect,
    territory_picker, to_int, url_with,
)
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.forms import form_data, parse

router = APIRouter()

EventForm = Annotated[dict[str, Any], form(optional=("owner_id",))]
AttendeeForm = Annotated[dict[str, Any], form(booleans=("attended",))]
LeadForm = Annotated[dict[str, Any], form(optional=("partner_id", "email"))]
PlainForm = Annotated[dict[str, Any], form()]
PER_PAGE_CHOICES = (25, 50, 100)
LEADS_PER_PAGE = 50
NOTICES = {"created": "Event created.", "saved": "Changes saved.", "partner": "Partner added.",
           "removed": "Partner removed.", "attendee": "Attendee added.", "matched": "Attendee added and matched to "
           "a partner's contact.", "lead": "Lead added.", "imported": "Leads imported.", "discarded": "Leads discarded."}


def _selection() -> Any:
    """The form with every ticked lead id (a checkbox group sends lead_ids once per box)."""
    async def read(request: Request) -> dict[str, Any]:
        data = await form_data(request, optional=("product_id",))
        data["lead_ids"] = [value for value in (await request.form()).getlist("lead_ids") if value != ""]
        return data

    return Depends(read)


SelectionForm = Annotated[dict[str, Any], _selection()]


def _status(error: DomainError | None) -> int:
    return error.status if error is not None else 200


def _labels() -> dict[str, Any]:
    return {"kind_labels": EVENT_KIND_LABELS, "role_labels": PARTNER_ROLE_LABELS, "status_labels": LEAD_STATUS_LABELS,
            "currencies": CURRENCIES}


# The list -----------------------------------------------------------------------------------------

def _list_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
               values: dict[str, Any] | None = None):
    filters, problem = parse_filters(EventFilter, request)
    sort = request.query_params.get("sort", "")
    sort = sort if sort in service.EVENT_SORTS else service.DEFAULT_SORT[filters.tab]
    per_page = to_int(request.query_params.get("per_page"), 25)
    per_page = per_page if per_page in PER_PAGE_CHOICES else 25
    page = None if problem else service.list_events(db, actor, filters, sort=sort, per_page=per_page,
                                                    page=max(1, to_int(request.query_params.get("page"), 1)))
    items = page.items if page else []
    return render(request, "events/list.html", {
        **territory_picker(db, actor), **_labels(), **list_links(request, service.EVENT_SORTS, sort),
        "page": page, "problem": problem, "filters": filters, "sort": sort, "params": request.query_params,
        "summaries": summary.summaries(db, actor, items), "owners": staff_names(db, (e.owner_id for e in items)),
        "totals": None if problem else summary.list_totals(db, actor, filters),
        "tab_urls": {tab: url_with(request, tab=tab, page=None, sort=None) for tab in (TAB_UPCOMING, TAB_PAST)},
        "owner_options": owner_options(db), "kind_options": list(EVENT_KIND_LABELS.items()),
        "error": error, "errors": (error.field_errors or {}) if error else {},
        "values": values or {"owner_id": actor.id, "kind": EventKind.EVENT, "currency": "USD"},
    }, status_code=_status(error or problem))


@router.get("/events", include_in_schema=False)
def event_list(request: Request, db: SessionDep, actor: StaffActor):
    return _list_page(request, db, actor)


@router.post("/events", include_in_schema=False)
def create_event(request: Request, db: SessionDep, actor: StaffActor, data: EventForm):
    event, error = attempt(db, lambda: service.create_event(db, actor, parse(EventIn, drop_blank(data, "territory_id"))))
    if error:
        return _list_page(request, db, actor, error, data)
    assert event is not None
    return redirect(f"/events/{event.id}?notice=created")


# One event ----------------------------------------------------------------------------------------

def _detail_page(request: Request, db: Session, actor: User, event_id: int, *, error: DomainError | None = None,
                 form_name: str = "", values: dict[str, Any] | None = None, outcomes: list | None = None):
    event = service.get_event(db, actor, event_id)
    status = request.query_params.get("lead_status", "")
    status = status if status in LEAD_STATUS_LABELS else ""
    page = leads.list_leads(db, actor, event.id, status=status or None, per_page=LEADS_PER_PAGE,
                            page=max(1, to_int(request.query_params.get("leads_page"), 1)))
    context = {
        **territory_picker(db, actor), **_labels(), "event": event, "summary": summary.event_summary(db, actor, event),
        "partners": participants.partners_of(db, actor, event.id),
        "attendees": participants.attendees_of(db, actor, event.id),
        "attendee_total": participants.attendee_count(db, actor, event.id),
        "leads": page, "lead_status": status, "leads_page_url": lambda n: _leads_url(event.id, status, n),
        "account_names": leads.account_names(db, actor, (lead.account_id for lead in page.items)),
        "partner_options": partner_choices(db, actor)[0], "owner_options": owner_options(db),
        "kind_options": list(EVENT_KIND_LABELS.items()), "owners": staff_names(db, [event.owner_id]),
        "product_options": product_options(db, actor), "close_default": (event.ends_on + timedelta(days=90)),
        "form_name": form_name, "error": error, "errors": (error.field_errors or {}) if error else {},
        "values": values or {}, "edit_values": event_form_values(event), "outcomes": outcomes,
        "problems": getattr(error, "problems", None), "notice": NOTICES.get(request.query_params.get("notice", "")),
        "count": to_int(request.query_params.get("count")),
    }
    context["partner_names"] = partner_names(db, actor, (lead.partner_id for lead in page.items))
    if form_name == "edit" and values is not None and not isinstance(error, StaleEdit):
        context["edit_values"] = values
    if isinstance(error, StaleEdit) and values is not None:
        context["unsaved"] = [(name, values.get(name), context["edit_values"].get(name))
                              for name in context["edit_values"]
                              if str(values.get(name) or "") != str(context["edit_values"].get(name) or "")]
    return render(request, "events/detail.html", context, status_code=error.status if error else 200)


def _leads_url(event_id: int, status: str, page: int) -> str:
    # Built from the event, not the request: after a bulk action the page is rendered at the POST's URL.
    query = urlencode({key: value for key, value in (("lead_status", status), ("leads_page", page)) if value})
    return f"/events/{event_id}?{query}#leads"


def _back(event_id: int, notice: str, anchor: str = "", **extra: Any) -> Any:
    query = "&".join([f"notice={notice}", *(f"{key}={value}" for key, value in extra.items())])
    return redirect(f"/events/{event_id}?{query}{anchor}")


@router.get("/events/{event_id}", include_in_schema=False)
def event_detail(request: Request, db: SessionDep, actor: StaffActor, event_id: int):
    return _detail_page(request, db, actor, event_id)


@router.post("/events/{event_id}", include_in_schema=False)
def edit_event(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: EventForm):
    service.get_event(db, actor, event_id)  # 404 before validation for an event the actor does not see
    _saved, error = attempt(db, lambda: service.update_event(db, actor, event_id,
                                                             parse(EventUpdate, drop_blank(data, "territory_id"))))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="edit", values=data)
    return _back(event_id, "saved")


@router.post("/events/{event_id}/partners", include_in_schema=False)
def add_partner(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: PlainForm):
    service.get_event(db, actor, event_id)
    _link, error = attempt(db, lambda: participants.add_partner(
        db, actor, event_id, parse(EventPartnerIn, drop_blank(data, "partner_id"))))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="partner", values=data)
    return _back(event_id, "partner", "#partners")


@router.post("/events/{event_id}/partners/{partner_id}/remove", include_in_schema=False)
def remove_partner(request: Request, db: SessionDep, actor: StaffActor, event_id: int, partner_id: int):
    _done, error = attempt(db, lambda: participants.remove_partner(db, actor, event_id, partner_id))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="partner")
    return _back(event_id, "removed", "#partners")


@router.post("/events/{event_id}/attendees", include_in_schema=False)
def add_attendee(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: AttendeeForm):
    service.get_event(db, actor, event_id)
    attendee, error = attempt(db, lambda: participants.add_attendee(db, actor, event_id, parse(AttendeeIn, data)))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="attendee", values=data)
    assert attendee is not None
    return _back(event_id, "matched" if attendee.contact_id else "attendee", "#attendees")


@router.post("/events/{event_id}/leads", include_in_schema=False)
def add_lead(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: LeadForm):
    service.get_event(db, actor, event_id)
    _lead, error = attempt(db, lambda: leads.add_lead(db, actor, event_id, parse(LeadIn, data)))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="lead", values=data)
    return _back(event_id, "lead", "#leads")


@router.post("/events/{event_id}/leads/import", include_in_schema=False)
def import_leads(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: PlainForm):
    service.get_event(db, actor, event_id)
    text = str(data.get("text") or "")
    imported, error = attempt(db, lambda: leads.import_leads(db, actor, event_id, text))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="import", values={"text": text})
    return _back(event_id, "imported", "#leads", count=len(imported or []))


def _bulk(request: Request, db: Session, actor: User, event_id: int, action, values: dict[str, Any]) -> Any:
    service.get_event(db, actor, event_id)
    outcomes, error = attempt(db, action)
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="bulk", values=values)
    return _detail_page(request, db, actor, event_id, form_name="bulk", outcomes=outcomes)


@router.post("/events/{event_id}/leads/accounts", include_in_schema=False)
def leads_to_accounts(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: SelectionForm):
    return _bulk(request, db, actor, event_id, lambda: conversion.leads_to_accounts(
        db, actor, event_id, parse(LeadSelection, {"lead_ids": data["lead_ids"]}).lead_ids), data)


@router.post("/events/{event_id}/leads/registrations", include_in_schema=False)
def leads_to_registrations(request: Request, db: SessionDep, actor: StaffActor, event_id: int,
                           data: SelectionForm):
    fields = drop_blank({name: data[name] for name in RegistrationTerms.model_fields if name in data},
                        "partner_id", "quantity", "expected_close_date")
    return _bulk(request, db, actor, event_id, lambda: conversion.leads_to_registrations(
        db, actor, event_id, parse(RegistrationTerms, fields)), data)


@router.post("/events/{event_id}/leads/discard", include_in_schema=False)
def discard_leads(request: Request, db: SessionDep, actor: StaffActor, event_id: int, data: SelectionForm):
    service.get_event(db, actor, event_id)
    changed, error = attempt(db, lambda: leads.discard_leads(
        db, actor, event_id, parse(LeadSelection, {"lead_ids": data["lead_ids"]}).lead_ids))
    if error:
        return _detail_page(request, db, actor, event_id, error=error, form_name="bulk")
    return _back(event_id, "discarded", "#leads", count=changed or 0)

