"""The partner portal's pages: my status, register a deal on one page, my registrations and opportunities
with the updates a partner may make. The same services as the vendor's pages, with the partner actor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import i18n
from channelbase.core.errors import DomainError, InvalidInput, StaleEdit
from channelbase.core.i18n import gettext as _
from channelbase.core.money import MoneyError
from channelbase.deals import opportunities, registrations
from channelbase.deals.deal_schemas import (
    ExtensionRequestIn, OpportunityFilter, OpportunityUpdate, RegistrationCreate, RegistrationFilter,
)
from channelbase.deals.models import Registration, RegistrationStatus
from channelbase.deals.stages import list_stages
from channelbase.partners.web_common import CURRENCIES, attempt, countries, form, redirect, to_int
from channelbase.portal import labels
from channelbase.portal.access import Portal, PortalView
from channelbase.portal.status import (
    EXPIRING_DAYS, REQUIREMENT_LABELS, TIER_NAMES, own_partner, partner_names, portal_status,
)
from channelbase.web.deps import SessionDep, render
from channelbase.web.forms import parse

router = APIRouter(prefix="/portal")

PER_PAGE = 25
RegistrationForm = Annotated[dict[str, Any], form()]
UpdateForm = Annotated[dict[str, Any], form(optional=("amount", "close_date", "stage", "next_step"))]
REGISTER_FIELDS = ("partner_id", "title", "customer_name", "customer_website", "customer_country", "customer_tax_id",
                   "amount", "currency", "expected_close_date", "notes")


def show(request: Request, view: PortalView, template: str, context: dict[str, Any], status_code: int = 200):
    """A portal page for the partner user (an admin viewing as them sees exactly the same, read-only)."""
    helpers = {"status_label": labels.status_label, "stage_label": labels.stage_label,
               "outcome_label": labels.outcome_label}
    stale = isinstance(context.get("error"), StaleEdit)
    return render(request, template, {**helpers, **context, "actor": view.actor, "viewer": view.viewer,
                                      "read_only": view.read_only, "stale": stale}, status_code=status_code)


def field_errors_for(error: DomainError, actor: User) -> dict[str, str]:
    """A refusal's errors beside each field, in the portal user's language."""
    errors = {"amount": error.message} if isinstance(error, MoneyError) and not error.field_errors \
        else error.field_errors or {}
    with i18n.language(actor.language):
        return labels.field_hints(errors, i18n.current_language())


# Home -----------------------------------------------------------------------------------------------

@router.get("", include_in_schema=False)
def portal_home(request: Request, db: SessionDep, view: Portal):
    status = portal_status(db, view.actor)
    return show(request, view, "portal/home.html", {
        "status": status, "tier_names": TIER_NAMES, "requirement_labels": REQUIREMENT_LABELS,
        "expiring_days": EXPIRING_DAYS})


# Registering a deal ------------------------------------------------------------------------------

def _register_form(request: Request, db: Session, view: PortalView, values: dict[str, Any],
                   error: DomainError | None = None):
    resellers = registrations.resellers_of(db, view.actor)
    own = own_partner(db, view.actor)
    return show(request, view, "portal/register.html", {
        "values": values, "error": error, "errors": field_errors_for(error, view.actor) if error else {},
        "partner_options": [(own.id, own.name)] + [(p.id, p.name) for p in resellers] if resellers else [],
        "currencies": CURRENCIES, "countries": countries(), "default_currency": own.currency,
    }, status_code=error.status if error else 200)


@router.get("/register", include_in_schema=False)
def register_page(request: Request, db: SessionDep, view: Portal):
    return _register_form(request, db, view, {})


def _registration_in(data: dict[str, Any]) -> RegistrationCreate:
    fields = {k: data[k] for k in REGISTER_FIELDS if data.get(k) not in (None, "")}
    fields["customer_country"] = str(fields.get("customer_country", "")).upper() or None
    try:
        return parse(RegistrationCreate, fields)
    except InvalidInput as exc:
        if "__all__" in exc.field_errors:
            exc.field_errors["customer_name"] = _("Give the customer's name and country.")
        raise InvalidInput(_("Please correct the fields marked below."), field_errors=exc.field_errors) from None


@router.post("/register", include_in_schema=False)
def register_deal(request: Request, db: SessionDep, view: Portal, data: RegistrationForm):
    view.require_writable()
    with i18n.language(view.actor.language):
        registration, error = attempt(db, lambda: registrations.submit_registration(
            db, view.actor, _registration_in(data)))
    if error:
        return _register_form(request, db, view, data, error)
    assert registration is not None
    return redirect(f"/portal/registrations/{registration.id}?registered=1")


# My registrations -------------------------------------------------------------------------------

@router.get("/registrations", include_in_schema=False)
def my_registrations(request: Request, db: SessionDep, view: Portal, status: str = "", page: int = 1):
    choice = status if status in RegistrationStatus.__members__.values() else None
    result = registrations.list_registrations(
        db, view.actor, RegistrationFilter(status=choice), sort="expires" if choice == "approved" else "submitted",
        page=max(1, min(page, 100_000)), per_page=PER_PAGE)
    return show(request, view, "portal/registrations.html", {
        "page": result, "status": choice or "", "names": partner_names(db, view.actor),
        "statuses": list(labels.REGISTRATION_STATUSES)})


def _registration_page(request: Request, db: Session, view: PortalView, registration: Registration,
                       error: DomainError | None = None, **extra: Any):
    return show(request, view, "portal/registration.html", {
        "reg": registration, "status": registrations.effective_status(registration),
        "needs_review": registrations.needs_review(registration), "names": partner_names(db, view.actor),
        "program": registrations.program_for(db, registration),
        "may_request": registration.status in (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED)
                       and registration.extension_requested_at is None,
        "error": error, "errors": field_errors_for(error, view.actor) if error else {}, **extra,
    }, status_code=error.status if error else 200)


@router.get("/registrations/{registration_id}", include_in_schema=False)
def my_registration(request: Request, db: SessionDep, view: Portal, registration_id: int):
    registration = registrations.get_registration(db, view.actor, registration_id)
    return _registration_page(request, db, view, registration,
                              registered=request.query_params.get("registered") == "1",
                              requested=request.query_params.get("requested") == "1")


@router.post("/registrations/{registration_id}/extension", include_in_schema=False)
def ask_for_extension(request: Request, db: SessionDep, view: Portal, registration_id: int,
                      data: RegistrationForm):
    view.require_writable()
    fields = {"version": to_int(data.get("version")), "reason": str(data.get("reason") or "").strip()}
    _done, error = attempt(db, lambda: registrations.request_extension(
        db, view.actor, registration_id, parse(ExtensionRequestIn, fields)))
    if error:
        return _registration_page(request, db, view, registrations.get_registration(db, view.actor, registration_id),
                                  error)
    return redirect(f"/portal/registrations/{registration_id}?requested=1")


# My opportunities -------------------------------------------------------------------------------

@router.get("/opportunities", include_in_schema=False)
def my_opportunities(request: Request, db: SessionDep, view: Portal, outcome: str = "open", page: int = 1):
    choice = outcome if outcome in labels.OUTCOMES else "open"
    result = opportunities.list_opportunities(db, view.actor, OpportunityFilter(outcome=choice), sort="close",
                                              page=max(1, min(page, 100_000)), per_page=PER_PAGE)
    return show(request, view, "portal/opportunities.html", {
        "page": result, "outcome": choice, "names": partner_names(db, view.actor),
        "stages": {s.id: s for s in list_stages(db)}})


def _opportunity_page(request: Request, db: Session, view: PortalView, opportunity_id: int,
                      error: DomainError | None = None, values: dict[str, Any] | None = None, **extra: Any):
    opportunity = opportunities.get_opportunity(db, view.actor, opportunity_id)
    stages = list_stages(db)
    return show(request, view, "portal/opportunity.html", {
        "opp": opportunity, "stage": next((s for s in stages if s.id == opportunity.stage_id), None),
        "stage_options": [(s.key, labels.stage_label(s.name)) for s in stages if s.active],
        "editable": opportunity.partner_id == view.actor.partner_id, "names": partner_names(db, view.actor),
        "values": values or {}, "error": error, "errors": field_errors_for(error, view.actor) if error else {}, **extra,
    }, status_code=error.status if error else 200)


@router.get("/opportunities/{opportunity_id}", include_in_schema=False)
def my_opportunity(request: Request, db: SessionDep, view: Portal, opportunity_id: int):
    return _opportunity_page(request, db, view, opportunity_id, saved=request.query_params.get("saved") == "1")


@router.post("/opportunities/{opportunity_id}", include_in_schema=False)
def update_my_opportunity(request: Request, db: SessionDep, view: Portal, opportunity_id: int, data: UpdateForm):
    view.require_writable()
    fields = {k: data.get(k) for k in ("version", "amount", "close_date", "stage", "next_step")
              if data.get(k) is not None}
    _done, error = attempt(db, lambda: opportunities.update_opportunity(
        db, view.actor, opportunity_id, parse(OpportunityUpdate, fields)))
    if error:
        return _opportunity_page(request, db, view, opportunity_id, error, data)
    return redirect(f"/portal/opportunities/{opportunity_id}?saved=1")
