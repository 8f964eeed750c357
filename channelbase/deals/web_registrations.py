"""Deal-registration pages: the list, the form partners register deals with, and the review page
where channel managers see likely conflicts and approve, reject, extend or convert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, InvalidInput
from channelbase.core.money import MoneyError
from channelbase.deals import export_rows, registrations
from channelbase.deals import registration_views as views
from channelbase.deals.deal_schemas import (
    ApproveIn, ConvertIn, ExtendIn, ExtensionRequestIn, RegistrationCreate, RegistrationFilter, RejectIn,
)
from channelbase.deals.models import Registration, RegistrationStatus
from channelbase.deals.registrations import REGISTRATION_SORTS
from channelbase.engagement import views as engagement_views
from channelbase.partners.common import require_staff
from channelbase.partners.web_common import (
    CURRENCIES, attempt, countries, form, list_links, list_page, owner_options, page_args, parse_filters,
    partner_choices, redirect, territory_picker, to_int,
)
from channelbase.web import exports
from channelbase.web.deps import CurrentActor, SessionDep, render
from channelbase.web.exports import Column, field, money, when
from channelbase.web.forms import parse

router = APIRouter()

LINE_ROWS = 3
DEFAULT_SORT = "submitted"
CREATE_FIELDS = tuple(f for f in RegistrationCreate.model_fields if f not in ("products", "hidden_from_distributor"))
RegistrationForm = Annotated[dict[str, Any], form(booleans=("hidden_from_distributor",))]
# Blank optional choices mean "not given"; a blank reason stays "" so the schema says what is missing.
DecisionForm = Annotated[dict[str, Any], form(optional=("account_id", "days", "stage", "owner_id"))]
STATUS_OPTIONS = [(s.value, s.value.capitalize()) for s in RegistrationStatus]
CUSTOMER_MISSING = "pick an account, or give the new customer's name and country"
EXPORT_COLUMNS = [
    field("ID", "registration.id"), field("Reference", "registration.reference"), field("Title", "registration.title"),
    field("Customer", "registration.customer_name"), field("Customer country", "registration.customer_country"),
    field("Account ID", "registration.account_id"), field("Partner ID", "registration.partner_id"),
    field("Partner", "partner"), field("Distributor", "distributor"), field("Territory", "territory"),
    *money("Amount", lambda r: r.registration.amount), field("Expected close", "registration.expected_close_date"),
    Column("Status", lambda r: str(r.status).capitalize()), when("Submitted", "registration.submitted_at"),
    when("Decision due", "registration.decision_due_at"), field("Decision SLA", "sla_state"),
    when("Decided", "registration.decided_at"), field("Expires", "registration.expires_on"),
]
# What the conflict check found is for staff; partner users learn only that a registration needs a closer look.
STAFF_EXPORT_COLUMNS = [*EXPORT_COLUMNS, field("Conflicts", "registration.conflict_count"),
                        field("Best conflict score", "registration.conflict_score")]
PARTNER_EXPORT_COLUMNS = [*EXPORT_COLUMNS, field("Needs review", "needs_review")]


@router.get("/registrations", include_in_schema=False)
def registration_list(request: Request, db: SessionDep, actor: CurrentActor):
    filters, problem, sort = _list_filters(request, actor)
    args = {**page_args(request, REGISTRATION_SORTS), "sort": sort}
    page = None if problem else registrations.list_registrations(db, actor, filters, **args)
    items = page.items if page else []
    now = utcnow()
    context = {**_list_choices(db, actor), **list_links(request, REGISTRATION_SORTS, args["sort"]),
               "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "filtered": filters != RegistrationFilter(), "names": views.names_of(db, actor, items),
               "slas": {r.id: registrations.sla_of(r, now) for r in items}, "now": now,
               "status_of": registrations.effective_status, "needs_review": registrations.needs_review}
    return list_page(request, "registrations/list.html", "registrations/_table.html", context, problem)


@router.get("/registrations/export", include_in_schema=False)
def export_registrations(request: Request, db: SessionDep, actor: CurrentActor):
    """Every registration the list shows with these filters and sort, as CSV or XLSX."""
    filters, problem, sort = _list_filters(request, actor)
    if problem:
        raise problem
    columns = STAFF_EXPORT_COLUMNS if actor.is_staff else PARTNER_EXPORT_COLUMNS
    return exports.respond(request, db, actor, "registrations", columns,
                           export_rows.registrations(actor, filters, sort))


def _list_filters(request: Request, actor: User) -> tuple[RegistrationFilter, InvalidInput | None, str]:
    """The list's filters (or the error), and its sort."""
    filters, problem = parse_filters(RegistrationFilter, request)
    if not actor.is_staff:  # partner users see their own registrations: no partner, territory or conflict filters
        filters = filters.model_copy(update={"partner_id": None, "territory_id": None, "conflicts": None})
    sort = request.query_params.get("sort", DEFAULT_SORT)
    return filters, problem, sort if sort in REGISTRATION_SORTS else DEFAULT_SORT


@router.get("/registrations/new", include_in_schema=False)
def new_registration(request: Request, db: SessionDep, actor: CurrentActor):
    # account_q: the account search, which also works without JavaScript (the whole form comes back).
    return _registration_form(request, db, actor, {"account_q": request.query_params.get("account_q", "")})


@router.get("/registrations/new/accounts", include_in_schema=False)
def account_search(request: Request, db: SessionDep, actor: CurrentActor):
    """The account select's options for what was typed in the account search (htmx)."""
    options, truncated = views.account_options(db, actor, request.query_params.get("account_q", ""))
    return render(request, "registrations/_account_options.html",
                  {"account_options": options, "accounts_truncated": truncated, "selected": ""})


@router.get("/registrations/new/distributors", include_in_schema=False)
def distributor_field(request: Request, db: SessionDep, actor: CurrentActor):
    """The distributor select for the chosen partner (htmx, when a manager changes the partner)."""
    partner_id = _form_partner(actor, {"partner_id": request.query_params.get("partner_id")})
    context = {"distributor_options": views.distributor_options(db, actor, partner_id), "values": {}, "errors": {}}
    return render(request, "registrations/_distributor_field.html", context)


@router.post("/registrations", include_in_schema=False)
def create_registration(request: Request, db: SessionDep, actor: CurrentActor, data: RegistrationForm):
    registration, error = _attempt_submit(db, lambda: registrations.submit_registration(db, actor, _registration_in(data)))
    if error:
        return _registration_form(request, db, actor, data, error)
    assert registration is not None  # attempt() returns the result when there is no error
    return redirect(f"/registrations/{registration.id}?submitted=1")


@router.get("/registrations/{registration_id}", include_in_schema=False)
def registration_detail(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int):
    registration = registrations.get_registration(db, actor, registration_id)
    context = _detail_context(db, actor, registration, submitted=request.query_params.get("submitted") == "1")
    return render(request, "registrations/detail.html", context)


@router.post("/registrations/{registration_id}/approve", include_in_schema=False)
def approve_registration(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int,
                         data: DecisionForm):
    return _decide(request, db, actor, registration_id, "approve", data, lambda: registrations.approve(
        db, actor, registration_id, _parse(ApproveIn, data)))


@router.post("/registrations/{registration_id}/reject", include_in_schema=False)
def reject_registration(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int,
                        data: DecisionForm):
    return _decide(request, db, actor, registration_id, "reject", data, lambda: registrations.reject(
        db, actor, registration_id, _parse(RejectIn, data)))


@router.post("/registrations/{registration_id}/extend", include_in_schema=False)
def extend_registration(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int,
                        data: DecisionForm):
    return _decide(request, db, actor, registration_id, "extend", data, lambda: registrations.extend(
        db, actor, registration_id, _parse(ExtendIn, data)))


@router.post("/registrations/{registration_id}/request-extension", include_in_schema=False)
def request_extension(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int,
                      data: DecisionForm):
    return _decide(request, db, actor, registration_id, "request", data, lambda: registrations.request_extension(
        db, actor, registration_id, _parse(ExtensionRequestIn, data)), staff_only=False)


@router.post("/registrations/{registration_id}/convert", include_in_schema=False)
def convert_registration(request: Request, db: SessionDep, actor: CurrentActor, registration_id: int,
                         data: DecisionForm):
    return _decide(request, db, actor, registration_id, "convert", data, lambda: registrations.convert(
        db, actor, registration_id, _parse(ConvertIn, data)), target=lambda opportunity: f"/opportunities/{opportunity.id}")


# Helpers ------------------------------------------------------------------------------------------

def _decide(request: Request, db: Session, actor: User, registration_id: int, action: str, data: dict[str, Any],
            run: Callable[[], Any], *, staff_only: bool = True, target: Callable[[Any], str] | None = None):
    """Run one decision form: redirect on success, else the review page with the error beside the form."""
    registrations.get_registration(db, actor, registration_id)  # "not found" before "not allowed": ids leak nothing
    if staff_only:
        require_staff(actor, "decide on deal registrations")
    result, error = attempt(db, run)
    if error is None:
        return redirect(target(result) if target else f"/registrations/{registration_id}")
    registration = registrations.get_registration(db, actor, registration_id)
    context = _detail_context(db, actor, registration, action=action, action_error=error, action_values=data,
                              errors=error.field_errors)
    return render(request, "registrations/detail.html", context, status_code=error.status)


def _attempt_submit(db: Session, action: Callable[[], Registration]) -> tuple[Registration | None, DomainError | None]:
    """attempt(), plus an unreadable amount (a MoneyError that names no field) placed beside the amount."""
    registration, error = attempt(db, action)
    if isinstance(error, MoneyError) and not error.field_errors:
        error.field_errors = {"amount": error.message}
    return registration, error


def _parse(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    return parse(schema, {k: v for k, v in data.items() if k in schema.model_fields})


def _registration_in(data: dict[str, Any]) -> RegistrationCreate:
    """The form's fields as a RegistrationCreate; the product lines come from numbered rows."""
    fields: dict[str, Any] = {k: data[k] for k in CREATE_FIELDS if data.get(k) not in (None, "")}
    fields["hidden_from_distributor"] = bool(data.get("hidden_from_distributor"))
    fields["products"] = [{"product_id": data[f"line_product_{i}"], "quantity": data.get(f"line_quantity_{i}") or 1}
                          for i in range(LINE_ROWS) if data.get(f"line_product_{i}")]
    try:
        return parse(RegistrationCreate, fields)
    except InvalidInput as exc:
        if "__all__" in exc.field_errors:  # the schema's "account or new customer" rule: show it on both
            exc.field_errors.update(account_id=CUSTOMER_MISSING, customer_name=CUSTOMER_MISSING)
        raise


def _form_partner(actor: User, values: dict[str, Any]) -> int | None:
    return actor.partner_id if actor.is_partner else (to_int(values.get("partner_id")) or None)


def _registration_form(request: Request, db: Session, actor: User, values: dict[str, Any],
                       error: DomainError | None = None):
    account_options, truncated = views.account_options(db, actor, str(values.get("account_q") or ""))
    chosen = to_int(values.get("account_id")) or None
    if chosen and all(key != chosen for key, _ in account_options):  # a searched-for account stays selected
        label = views.account_label(db, actor, chosen)
        account_options = [(chosen, label), *account_options] if label else account_options
    context = {"values": values, "error": error, "errors": error.field_errors if error else {},
               "account_options": account_options, "accounts_truncated": truncated,
               "product_options": views.product_options(db, actor), "line_rows": range(LINE_ROWS),
               "distributor_options": views.distributor_options(db, actor, _form_partner(actor, values)),
               "currencies": CURRENCIES, "countries": countries()}
    if actor.is_staff:
        context["partner_options"], context["partners_truncated"] = views.registering_partner_options(db, actor)
    return render(request, "registrations/form.html", context, status_code=error.status if error else 200)


def _list_choices(db: Session, actor: User) -> dict[str, Any]:
    choices: dict[str, Any] = {"status_options": STATUS_OPTIONS}
    if actor.is_staff:
        choices.update(territory_picker(db, actor))
        choices["partner_options"], choices["partners_truncated"] = partner_choices(db, actor)
    return choices


def _detail_context(db: Session, actor: User, registration: Registration, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    sla = registrations.sla_of(registration, now)
    converted = registration.status == RegistrationStatus.CONVERTED
    context: dict[str, Any] = {
        "reg": registration, "status": registrations.effective_status(registration), "sla": sla,
        "sla_text": sla.describe(now), "needs_review": registrations.needs_review(registration),
        "names": views.names_of(db, actor, [registration]), "program": registrations.program_for(db, registration),
        "lines": registrations.lines_of(db, actor, [registration.id]).get(registration.id, []),
        "opportunity": registrations.opportunity_of(db, actor, registration.id) if converted else None,
        "account_visible": views.can_see_account(db, actor, registration.account_id),
        "own_partner": actor.is_partner and actor.partner_id == registration.partner_id,
        "history": registrations.history_of(db, actor, registration.id),
        "action": None, "action_error": None, "action_values": {}, "errors": {}, "submitted": False, "ql": None,
    }
    if actor.is_staff:
        rows = views.conflict_rows(db, actor, registrations.conflicts_of(db, actor, registration))
        context.update(conflicts=rows, account_choices=views.account_conflict_options(rows),
                       stage_options=views.open_stage_options(db), owner_options=owner_options(db),
                       ql=engagement_views.quick_log_panel(db, actor, registration.partner_id,
                                                           registration_id=registration.id,
                                                           next_url=f"/registrations/{registration.id}"))
    return {**context, **extra}
