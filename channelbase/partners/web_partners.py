"""Partner pages: the searchable list, the detail page, the add and edit forms, links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.errors import Conflict, InvalidInput, NotPermitted, StaleEdit
from channelbase.deals import stages
from channelbase.engagement import views as engagement_views
from channelbase.partners import accounts, export_rows, service, territories
from channelbase.partners.models import PARTNER_TYPE_LABELS, Partner, PartnerType
from channelbase.partners.schemas import LinkCreate, PartnerCreate, PartnerFilter, PartnerUpdate
from channelbase.partners.service import PARTNER_SORTS
from channelbase.partners.web_common import (
    attempt, choice_lists, drop_blank, form, list_links, list_page, owner_options, page_args,
    parse_filters, partner_choices, redirect, territory_picker, values_of,
)
from channelbase.web import exports
from channelbase.web.deps import CurrentActor, SessionDep, StaffActor, render
from channelbase.web.exports import Column, field, when
from channelbase.web.forms import parse

router = APIRouter()

PARTNER_FIELDS = tuple(PartnerCreate.model_fields)
NEW_PARTNER_DEFAULTS = {"tier": "registered", "status": "prospect", "currency": "USD"}
PartnerForm = Annotated[dict[str, Any], form(booleans=("is_priority",), optional=("owner_id", "tax_id", "program_id"))]
LinkForm = Annotated[dict[str, Any], form()]
EXPORT_COLUMNS = [
    field("ID", "partner.id"), field("Name", "partner.name"), field("Legal name", "partner.legal_name"),
    Column("Type", lambda r: PARTNER_TYPE_LABELS.get(r.partner.type, r.partner.type)),
    Column("Tier", lambda r: r.partner.tier.capitalize()), Column("Status", lambda r: r.partner.status.capitalize()),
    field("Priority", "partner.is_priority"), field("Territory ID", "partner.territory_id"),
    field("Territory", "territory"), field("Country", "partner.country"), field("City", "partner.city"),
    field("Owner", "owner"), field("Currency", "partner.currency"), field("Website", "partner.website"),
    field("Tax ID", "partner.tax_id"), when("Updated", "partner.updated_at"),
]


@router.get("/partners", include_in_schema=False)
def partner_list(request: Request, db: SessionDep, actor: CurrentActor):
    filters, problem = parse_filters(PartnerFilter, request)
    filters.deleted = filters.deleted and actor.is_staff
    args = page_args(request, PARTNER_SORTS)
    page = None if problem else service.list_partners(db, actor, filters, **args)
    context = {**territory_picker(db, actor), **choice_lists(), **list_links(request, PARTNER_SORTS, args["sort"]),
               "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "filtered": filters != PartnerFilter(),
               "owner_options": owner_options(db) if actor.is_staff else [],
               "owner_names": service.staff_names(db, (p.owner_id for p in page.items) if page else ())}
    return list_page(request, "partners/list.html", "partners/_partner_table.html", context, problem)


@router.get("/partners/export", include_in_schema=False)
def export_partners(request: Request, db: SessionDep, actor: CurrentActor):
    """Every partner the list shows with these filters and sort, as CSV or XLSX."""
    filters, problem = parse_filters(PartnerFilter, request)
    if problem:
        raise problem
    filters.deleted = filters.deleted and actor.is_staff
    source = export_rows.partners(actor, filters, page_args(request, PARTNER_SORTS)["sort"])
    return exports.respond(request, db, actor, "partners", EXPORT_COLUMNS, source)


@router.get("/partners/new", include_in_schema=False)
def new_partner(request: Request, db: SessionDep, actor: StaffActor):
    return _partner_form(request, db, actor, dict(NEW_PARTNER_DEFAULTS))


@router.post("/partners", include_in_schema=False)
def create_partner(request: Request, db: SessionDep, actor: StaffActor, data: PartnerForm):
    partner, error = attempt(db, lambda: service.create_partner(
        db, actor, parse(PartnerCreate, drop_blank(data, "territory_id", "type"))))
    if error:
        return _partner_form(request, db, actor, data, error)
    assert partner is not None  # attempt() returns the result when there is no error
    return redirect(f"/partners/{partner.id}")


@router.post("/partners/validate", include_in_schema=False)
def validate_new_partner(request: Request, db: SessionDep, actor: StaffActor, data: PartnerForm):
    """Check the new-partner form as it is filled in; messages only for the fields already filled."""
    _, error = attempt(db, lambda: service.check_new_partner(
        db, actor, parse(PartnerCreate, drop_blank(data, "territory_id", "type"))))
    filled = {name for name, value in data.items() if value not in ("", None, False)}
    errors = {name: text for name, text in (error.field_errors if error else {}).items() if name in filled}
    whole_form = None if isinstance(error, InvalidInput) else error  # an error not tied to one field
    return render(request, "partners/_partner_field_errors.html", {
        "names": PARTNER_FIELDS, "errors": errors, "message": whole_form.message if whole_form is not None else "",
        "link": whole_form.link if whole_form is not None else None})


@router.get("/partners/{partner_id}", include_in_schema=False)
def partner_detail(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int):
    partner = service.get_partner(db, actor, partner_id, include_deleted=actor.is_staff)
    return render(request, "partners/detail.html", detail_context(db, actor, partner))


@router.get("/partners/{partner_id}/edit", include_in_schema=False)
def edit_partner(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int):
    partner = _editable_partner(db, actor, partner_id)
    return _partner_form(request, db, actor, _stored(partner), partner=partner)


@router.post("/partners/{partner_id}", include_in_schema=False)
def update_partner(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int, data: PartnerForm):
    partner = _editable_partner(db, actor, partner_id)
    _, error = attempt(db, lambda: service.update_partner(
        db, actor, partner_id, parse(PartnerUpdate, drop_blank(data, "territory_id", "type"))))
    if error is None:
        return redirect(f"/partners/{partner_id}")
    if isinstance(error, StaleEdit):
        stored = _stored(partner)
        return _partner_form(request, db, actor, stored, error, partner=partner, unsaved=_unsaved(data, stored))
    return _partner_form(request, db, actor, data, error, partner=partner)


@router.post("/partners/{partner_id}/delete", include_in_schema=False)
def delete_partner(db: SessionDep, actor: CurrentActor, partner_id: int):
    service.delete_partner(db, actor, partner_id)
    return redirect(f"/partners/{partner_id}")


@router.post("/partners/{partner_id}/restore", include_in_schema=False)
def restore_partner(db: SessionDep, actor: CurrentActor, partner_id: int):
    service.restore_partner(db, actor, partner_id)
    return redirect(f"/partners/{partner_id}")


@router.post("/partners/{partner_id}/links", include_in_schema=False)
def link_partner(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int, data: LinkForm):
    service.get_partner(db, actor, partner_id)
    _, error = attempt(db, lambda: service.link_reseller(
        db, actor, parse(LinkCreate, drop_blank(data, "distributor_id", "reseller_id"))))
    if error is None:
        return redirect(f"/partners/{partner_id}#links")
    partner = service.get_partner(db, actor, partner_id)
    return render(request, "partners/detail.html", detail_context(db, actor, partner, link_error=error),
                  status_code=error.status)


@router.post("/partners/{partner_id}/links/{link_id}/delete", include_in_schema=False)
def unlink_partner(db: SessionDep, actor: CurrentActor, partner_id: int, link_id: int):
    service.unlink_reseller(db, actor, link_id)
    return redirect(f"/partners/{partner_id}#links")


def detail_context(db: Session, actor: User, partner: Partner, **extra: Any) -> dict[str, Any]:
    """Everything the partner page shows; `extra` carries a failed form's values and errors."""
    territory = territories.get_territory(db, actor, partner.territory_id)
    links = service.partner_links(db, actor, partner.id)
    return {
        **choice_lists(), "partner": partner, "breadcrumb": territories.breadcrumb(db, territory),
        "owner_name": service.staff_names(db, [partner.owner_id]).get(partner.owner_id),
        "contacts": service.list_contacts(db, actor, partner_id=partner.id, per_page=100).items,
        "links": links, "link_options": _link_options(db, actor, partner, links),
        "accounts": accounts.partner_accounts(db, actor, partner.id),
        "program": stages.program_of(db, partner), "own_program": partner.program_id is not None,
        "history": audit.history(db, "partners", partner.id),
        "contact_values": {"role": "sales", "language": "en"}, "contact_errors": {},
        # Engagement (touches, tasks, cadence) is the vendor's own notes: staff only, live partners only.
        "ql": engagement_views.quick_log_panel(db, actor, partner.id, next_url=f"/partners/{partner.id}")
        if actor.is_staff and partner.deleted_at is None else None, **extra,
    }


def _link_options(db: Session, actor: User, partner: Partner, links) -> tuple[list[tuple[int, str]], bool]:
    """Partners this one could be linked to: resellers for a distributor, distributors for the rest."""
    if not actor.is_staff or partner.deleted_at is not None:
        return [], False
    linked = {other.id for _, other in links["distributors"] + links["resellers"]} | {partner.id}
    if partner.type == PartnerType.DISTRIBUTOR:
        return partner_choices(db, actor, keep=lambda p: p.id not in linked and p.type != PartnerType.DISTRIBUTOR)
    return partner_choices(db, actor, keep=lambda p: p.id not in linked, type=PartnerType.DISTRIBUTOR)


def _editable_partner(db: Session, actor: User, partner_id: int) -> Partner:
    partner = service.get_partner(db, actor, partner_id)  # 404 first: ids of others' partners leak nothing
    if not actor.is_staff:
        raise NotPermitted("Only channel managers and admins may edit partners.")
    return partner


def _stored(partner: Partner) -> dict[str, Any]:
    return {**values_of(partner, PARTNER_FIELDS), "version": partner.version}


def _unsaved(submitted: dict[str, Any], stored: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """The submitted values that differ from the stored ones, so the user can re-apply them."""
    def text(value: Any) -> str:
        return "" if value is None else str(value)
    return [(name, submitted.get(name), stored[name]) for name in PARTNER_FIELDS
            if name in submitted and text(submitted[name]) != text(stored[name])]


def _partner_form(request: Request, db: Session, actor: User, values: dict[str, Any],
                  error: InvalidInput | Conflict | None = None, *, partner: Partner | None = None,
                  unsaved: list | None = None):
    context = {**choice_lists(), **territory_picker(db, actor), "owner_options": owner_options(db),
               "program_options": [(p.id, p.name + (" (default)" if p.is_default else ""))
                                   for p in stages.list_programs(db, actor)],
               "values": values, "partner": partner, "error": error, "unsaved": unsaved or [],
               "errors": error.field_errors if error else {}}
    return render(request, "partners/partner_form.html", context, status_code=error.status if error else 200)
