"""Pipeline pages: the opportunity list with its totals, the board, and each opportunity's pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.config import get_settings
from channelbase.core.errors import DomainError, InvalidInput, NotPermitted, StaleEdit
from channelbase.deals import export_rows, fx, opportunities, pipeline, pipeline_views
from channelbase.deals.deal_schemas import MoveIn, OpportunityCreate, OpportunityFilter, OpportunityUpdate
from channelbase.deals.models import SOURCE_LABELS, Opportunity, StageOutcome
from channelbase.deals.opportunities import OPPORTUNITY_SORTS, PARTNER_EDITABLE
from channelbase.deals.stages import list_stages
from channelbase.engagement import views as engagement_views
from channelbase.partners.web_common import (
    CURRENCIES, attempt, choice_lists, drop_blank, form, list_links, list_page, owner_options, page_args,
    partner_choices, redirect, territory_picker, url_with,
)
from channelbase.growth import forecast_calls
from channelbase.web import exports
from channelbase.web.deps import CurrentActor, SessionDep, StaffActor, is_htmx, render
from channelbase.web.exports import Column, field, money, when
from channelbase.web.forms import parse

router = APIRouter()

DEFAULT_SORT = "close"
BOARD = "/opportunities/board"
# The fields of the edit form, in order; partner users get only those PARTNER_EDITABLE allows.
EDIT_FIELDS = ("name", "stage", "amount", "currency", "close_date", "source", "owner_id", "next_step",
               "distributor_id", "hidden_from_distributor")
LINE_ROWS = 3
NewForm = Annotated[dict[str, Any], form(booleans=("hidden_from_distributor",), optional=("distributor_id", "owner_id"))]
EditForm = Annotated[dict[str, Any], form(optional=("distributor_id", "owner_id"))]
MoveForm = Annotated[dict[str, Any], form()]
OPEN_PIPELINE = {"outcome": StageOutcome.OPEN.value}
EXPORT_COLUMNS = [
    field("ID", "opportunity.id"), field("Name", "opportunity.name"), field("Account ID", "opportunity.account_id"),
    field("Account", "account"), field("Partner ID", "opportunity.partner_id"), field("Partner", "partner"),
    field("Distributor", "distributor"), field("Territory", "territory"), field("Stage", "stage_name"),
    Column("Outcome", lambda r: r.opportunity.outcome.capitalize()), field("Probability (%)", "opportunity.probability"),
    *money("Amount", lambda r: r.opportunity.amount), field("Close date", "opportunity.close_date"),
    Column("Source", lambda r: SOURCE_LABELS.get(r.opportunity.source, r.opportunity.source)),
    field("Owner", "owner"), field("Next step", "opportunity.next_step"),
    when("Stage changed", "opportunity.stage_changed_at"), field("Stalled", "stalled"),
]


# The list and the board --------------------------------------------------------------------------

@router.get("/opportunities", include_in_schema=False)
def opportunity_list(request: Request, db: SessionDep, actor: CurrentActor):
    params = request.query_params or OPEN_PIPELINE  # bare /opportunities: the open pipeline
    filters, problem = filters_from(params)
    args = page_args(request, OPPORTUNITY_SORTS)
    args["sort"] = args["sort"] if request.query_params.get("sort") in OPPORTUNITY_SORTS else DEFAULT_SORT
    totals, totals_error = (None, None) if problem else pipeline.totals_or_error(db, actor, filters)
    # The totals counted the deals already: the pager reuses their count rather than counting again.
    page = None if problem else opportunities.list_opportunities(db, actor, filters, **args,
                                                                 total=totals.count if totals else None)
    items = page.items if page else []
    context = {**_filter_choices(db, actor), **list_links(request, OPPORTUNITY_SORTS, args["sort"]),
               "page": page, "problem": problem, "sort": args["sort"], "params": params,
               "filtered": dict(params) != OPEN_PIPELINE, "totals": totals, "totals_error": totals_error,
               "names": pipeline_views.names_of(db, actor, (o.id for o in items)),
               "stalled": {o.id for o in items if opportunities.is_stalled(o)}}
    return list_page(request, "pipeline/list.html", "pipeline/_results.html", context, problem)


@router.get("/opportunities/export", include_in_schema=False)
def export_opportunities(request: Request, db: SessionDep, actor: CurrentActor):
    """Every deal the pipeline list shows with these filters and sort, as CSV or XLSX."""
    # As on the list (whose link carries its exact query): no parameters at all means the open pipeline.
    params = {k: v for k, v in request.query_params.multi_items() if k != "format"} or OPEN_PIPELINE
    filters, problem = filters_from(params)
    if problem:
        raise problem
    opportunities.check_stage_filter(db, filters)  # an unknown stage is an error, as on the list
    sort = request.query_params.get("sort", "")
    source = export_rows.opportunities(actor, filters, sort if sort in OPPORTUNITY_SORTS else DEFAULT_SORT)
    return exports.respond(request, db, actor, "opportunities", EXPORT_COLUMNS, source, title="Pipeline")


@router.get("/opportunities/board", include_in_schema=False)
def opportunity_board(request: Request, db: SessionDep, actor: CurrentActor):
    context = _board_context(db, actor, request.query_params, url_with(request))
    return list_page(request, "pipeline/board.html", "pipeline/_board.html", context, context["problem"])


@router.post("/opportunities/{opportunity_id}/move", include_in_schema=False)
def move_opportunity(request: Request, db: SessionDep, actor: CurrentActor, opportunity_id: int, data: MoveForm):
    opportunity = opportunities.get_opportunity(db, actor, opportunity_id)  # 404 before anything else
    name, back = opportunity.name, local_path(str(data.pop("next", "")), BOARD)
    error = _try_move(request, db, actor, opportunity_id, data)
    if error is None and not is_htmx(request):
        return redirect(back)
    moved = None if error else f"Moved “{name}” to {_stage_name(db, actor, opportunity_id)}."
    context = {**_board_context(db, actor, dict(parse_qsl(urlsplit(back).query)), back),
               "move_error": error, "moved": moved, "moved_id": None if error else opportunity_id}
    if is_htmx(request):
        return render(request, "pipeline/_board.html", context)
    assert error is not None
    return render(request, "pipeline/board.html", context, status_code=error.status)


def _try_move(request: Request, db: Session, actor: User, opportunity_id: int,
              data: dict[str, Any]) -> DomainError | None:
    """Move the card; a stale version, an unknown stage or (on the board) a refused move come back as the error."""
    try:
        _, error = attempt(db, lambda: opportunities.move_stage(db, actor, opportunity_id, parse(MoveIn, data)))
    except NotPermitted as exc:
        if not is_htmx(request):
            raise
        db.rollback()
        return exc
    return error


def _stage_name(db: Session, actor: User, opportunity_id: int) -> str:
    opportunity = opportunities.get_opportunity(db, actor, opportunity_id)
    stage = pipeline_views.stages_by_id(db).get(opportunity.stage_id)
    return stage.name if stage else "?"


def _board_context(db: Session, actor: User, params: Mapping[str, str], board_url: str) -> dict[str, Any]:
    filters, problem = filters_from(params)
    columns, totals_error = ([], None) if problem else pipeline.board(db, actor, filters)
    return {**_filter_choices(db, actor), "columns": columns, "totals_error": totals_error, "problem": problem,
            "params": params, "board_url": board_url, "move_error": None, "moved": None, "moved_id": None}


def filters_from(params: Mapping[str, str]) -> tuple[OpportunityFilter, InvalidInput | None]:
    """The pipeline filters from query parameters; on bad values the default filters and the error."""
    raw = {name: value.strip() for name in OpportunityFilter.model_fields
           if (value := str(params.get(name, "") or "")).strip()}
    try:
        return parse(OpportunityFilter, raw), None
    except InvalidInput as exc:
        return OpportunityFilter(), exc


def local_path(url: str, default: str) -> str:
    """`url` if it stays on this site (a path, not //host or a scheme), else `default`."""
    parts = urlsplit(url)
    if url.startswith("/") and not url.startswith("//") and "\\" not in url and not parts.scheme and not parts.netloc:
        return url
    return default


def _filter_choices(db: Session, actor: User) -> dict[str, Any]:
    stages = list_stages(db)
    choices = {"stage_options": [(s.key, s.name) for s in stages],
               "move_options": [(s.key, s.name) for s in stages],
               "outcome_options": [(o.value, o.value.capitalize()) for o in StageOutcome],
               "source_options": [(s.value, label) for s, label in SOURCE_LABELS.items()],
               "source_labels": {s.value: label for s, label in SOURCE_LABELS.items()},
               "type_options": choice_lists()["type_options"], "stages": pipeline_views.stages_by_id(db),
               "reporting_currency": fx.reporting_currency()}
    if actor.is_staff:
        choices.update(territory_picker(db, actor), owner_options=owner_options(db),
                       partner_options=partner_choices(db, actor)[0])
    return choices


# One opportunity ---------------------------------------------------------------------------------

@router.get("/opportunities/new", include_in_schema=False)
def new_opportunity(request: Request, db: SessionDep, actor: StaffActor):
    # Query parameters prefill the form; htmx reloads the account and distributor pickers this way.
    prefill = {k: v for k, v in request.query_params.items() if k in OpportunityCreate.model_fields or k == "account_q"}
    values = {"currency": fx.reporting_currency(), "source": "partner", **prefill}
    return _new_form(request, db, actor, values, _lines_of(dict(request.query_params)))


@router.post("/opportunities", include_in_schema=False)
def create_opportunity(request: Request, db: SessionDep, actor: StaffActor, data: NewForm):
    lines = _lines_of(data)
    fields = drop_blank({k: v for k, v in data.items() if k in OpportunityCreate.model_fields},
                        "account_id", "partner_id", "stage")
    fields["products"] = [line for line in lines if line["product_id"]]
    opportunity, error = attempt(db, lambda: opportunities.create_opportunity(
        db, actor, parse(OpportunityCreate, fields)))
    if error:
        return _new_form(request, db, actor, data, lines, error)
    assert opportunity is not None  # attempt() returns the result when there is no error
    return redirect(f"/opportunities/{opportunity.id}")


@router.get("/opportunities/{opportunity_id}", include_in_schema=False)
def opportunity_detail(request: Request, db: SessionDep, actor: CurrentActor, opportunity_id: int):
    opportunity = opportunities.get_opportunity(db, actor, opportunity_id)
    now = utcnow()
    history = opportunities.stage_history(db, actor, opportunity_id)
    context = {"opportunity": opportunity, "names": pipeline_views.names_of(db, actor, [opportunity.id])[opportunity.id],
               "stages": pipeline_views.stages_by_id(db), "stays": pipeline_views.stays_of(db, history, now),
               "lines": opportunities.lines_of(db, actor, [opportunity.id]).get(opportunity.id, []),
               "stalled": opportunities.is_stalled(opportunity, now),
               "days_in_stage": (now - opportunity.stage_changed_at).days, "stalled_days": get_settings().stalled_days,
               "audit": opportunities.history_of(db, actor, opportunity_id), "can_edit": _may_edit(actor, opportunity),
               "source_labels": {s.value: label for s, label in SOURCE_LABELS.items()},
               "forecast": forecast_calls.category_of(db, opportunity) if actor.is_staff else None,
               "forecast_labels": forecast_calls.LABELS,
               "ql": engagement_views.quick_log_panel(db, actor, opportunity.partner_id, opportunity_id=opportunity.id,
                                                      next_url=f"/opportunities/{opportunity.id}")
               if actor.is_staff else None}
    return render(request, "pipeline/detail.html", context)


@router.get("/opportunities/{opportunity_id}/edit", include_in_schema=False)
def edit_opportunity(request: Request, db: SessionDep, actor: CurrentActor, opportunity_id: int):
    opportunity = _editable(db, actor, opportunity_id)
    return _edit_form(request, db, actor, opportunity, _stored(db, opportunity))


@router.post("/opportunities/{opportunity_id}", include_in_schema=False)
def update_opportunity(request: Request, db: SessionDep, actor: CurrentActor, opportunity_id: int, data: EditForm):
    opportunity = _editable(db, actor, opportunity_id)
    stored, submitted = _stored(db, opportunity), _submitted(actor, data)
    _, error = attempt(db, lambda: opportunities.update_opportunity(
        db, actor, opportunity_id, parse(OpportunityUpdate, _changes(submitted, stored))))
    if error is None:
        return redirect(f"/opportunities/{opportunity_id}")
    if isinstance(error, StaleEdit):
        fresh = _stored(db, opportunities.get_opportunity(db, actor, opportunity_id))
        return _edit_form(request, db, actor, opportunity, fresh, error, unsaved=_unsaved(submitted, fresh))
    return _edit_form(request, db, actor, opportunity, submitted, error)


def _may_edit(actor: User, opportunity: Opportunity) -> bool:
    return actor.is_staff or (actor.is_partner and actor.partner_id == opportunity.partner_id)


def _editable(db: Session, actor: User, opportunity_id: int) -> Opportunity:
    opportunity = opportunities.get_opportunity(db, actor, opportunity_id)  # 404 first: ids leak nothing
    if not _may_edit(actor, opportunity):
        raise NotPermitted("Only the selling partner and its channel manager change this opportunity.")
    return opportunity


def _stored(db: Session, opportunity: Opportunity) -> dict[str, Any]:
    """The opportunity as the edit form shows it."""
    stage = pipeline_views.stages_by_id(db).get(opportunity.stage_id)
    return {"name": opportunity.name, "stage": stage.key if stage else "", "amount": str(opportunity.amount.amount),
            "currency": opportunity.currency, "close_date": opportunity.close_date.isoformat(),
            "source": opportunity.source, "owner_id": opportunity.owner_id, "next_step": opportunity.next_step,
            "distributor_id": opportunity.distributor_id,
            "hidden_from_distributor": opportunity.hidden_from_distributor, "version": opportunity.version}


def _flag(value: Any) -> bool:
    return value not in (None, "", "0", "false", "off", False)


def _submitted(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The posted edit form; the staff form's unticked box means 'not hidden'."""
    submitted = dict(data)
    if actor.is_staff:
        submitted.setdefault("hidden_from_distributor", False)
    if "hidden_from_distributor" in submitted:
        submitted["hidden_from_distributor"] = _flag(submitted["hidden_from_distributor"])
    return submitted


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _changes(submitted: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """Only what the editor changed, so an untouched field is never re-checked (an old close date, a rate).

    A new currency always travels with its amount: alone, the service would re-read the stored minor
    units in the new currency (USD 85,000.00 would become CLP 8,500,000)."""
    changes = {name: value for name, value in submitted.items()
               if name not in ("version", "decimal_comma")
               and not (name in stored and _text(value) == _text(stored[name]))}
    if "amount" in changes or "currency" in changes:
        changes.setdefault("amount", submitted.get("amount", stored["amount"]))
        changes.setdefault("currency", submitted.get("currency", stored["currency"]))
        if submitted.get("decimal_comma"):
            changes["decimal_comma"] = submitted["decimal_comma"]
    return {**changes, "version": submitted.get("version")}


def _unsaved(submitted: dict[str, Any], stored: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """The submitted values that differ from the stored ones, so the user can re-apply them."""
    return [(name, submitted.get(name), stored[name]) for name in EDIT_FIELDS
            if name in submitted and _text(submitted[name]) != _text(stored[name])]


def _lines_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Product lines from the form's `line-N-product` / `line-N-quantity` fields (removed from `data`)."""
    indexes = sorted({int(key.split("-")[1]) for key in data
                      if key.startswith("line-") and key.count("-") == 2 and key.split("-")[1].isdigit()})
    lines = []
    for index in indexes:
        product = str(data.pop(f"line-{index}-product", "") or "").strip()
        quantity = str(data.pop(f"line-{index}-quantity", "") or "").strip()
        lines.append({"product_id": product, "quantity": quantity or "1"})
    return lines


def _form_context(db: Session, values: dict[str, Any], error: DomainError | None) -> dict[str, Any]:
    stages = list_stages(db)
    return {"values": values, "error": error, "errors": error.field_errors if error else {},
            "stage_options": [(s.key, s.name) for s in stages],
            "source_options": [(s.value, label) for s, label in SOURCE_LABELS.items()],
            "owner_options": owner_options(db), "currencies": CURRENCIES}


def _new_form(request: Request, db: Session, actor: User, values: dict[str, Any], lines: list[dict[str, Any]],
              error: DomainError | None = None):
    partner_id = _int(values.get("partner_id"))
    accounts, more_accounts = pipeline_views.account_options(db, actor, str(values.get("account_q", "") or ""),
                                                             keep=_int(values.get("account_id")))
    partners = partner_choices(db, actor)[0]
    if not values.get("stage"):
        values = {**values, "stage": next((s.key for s in list_stages(db) if s.is_open), "")}
    context = {**_form_context(db, values, error), "opportunity": None,
               "partner_options": partners, "account_options": accounts, "more_accounts": more_accounts,
               "partner_id": partner_id, "partner_names": dict(partners),
               "distributors": pipeline_views.distributor_options(db, actor),
               "product_options": pipeline_views.product_options(db, actor),
               "lines": lines + [{"product_id": "", "quantity": "1"}] * max(1, LINE_ROWS - len(lines))}
    return render(request, "pipeline/form.html", context, status_code=error.status if error else 200)


def _edit_form(request: Request, db: Session, actor: User, opportunity: Opportunity, values: dict[str, Any],
               error: DomainError | None = None, *, unsaved: list | None = None):
    shown = [f for f in EDIT_FIELDS if actor.is_staff or f in PARTNER_EDITABLE]
    context = {**_form_context(db, values, error), "opportunity": opportunity, "shown": shown,
               "names": pipeline_views.names_of(db, actor, [opportunity.id])[opportunity.id],
               "distributor_choices": pipeline_views.distributor_options(db, actor).get(opportunity.partner_id, []),
               "unsaved": unsaved or []}
    return render(request, "pipeline/form.html", context, status_code=error.status if error else 200)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

