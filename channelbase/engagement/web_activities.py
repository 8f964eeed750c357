"""Activity pages: the log of touches with partners, the full form, and the quick-log panel that partner,
deal and cadence pages embed (two clicks: a type, then a line of summary)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, StaleEdit
from channelbase.deals.web_opportunities import local_path
from channelbase.engagement import activities, export_rows, views
from channelbase.engagement.activities import ACTIVITY_SORTS
from channelbase.engagement.models import Activity
from channelbase.engagement.schemas import ActivityCreate, ActivityFilter, ActivityUpdate
from channelbase.partners import service
from channelbase.partners.web_common import (
    attempt, list_links, list_page, owner_options, page_args, parse_filters, partner_choices, redirect,
    to_int, url_with,
)
from channelbase.web import exports
from channelbase.web.deps import SessionDep, StaffActor, is_htmx, render, templates
from channelbase.web.exports import field, when
from channelbase.web.forms import form_data, parse, summary

router = APIRouter()

templates.env.filters.setdefault("local_time", views.local_time)

DEFAULT_SORT = "-occurred"
CREATE_FIELDS = tuple(ActivityCreate.model_fields)
EDIT_FIELDS = ("type", "occurred_at", "summary", "outcome", "next_step")
FRIENDLY = {"Field required": "required", "String should have at least 1 character": "required"}
EXPORT_COLUMNS = [
    field("ID", "activity.id"), when("When", "activity.occurred_at"), field("Type", "type_label"),
    field("Partner ID", "activity.partner_id"), field("Partner", "partner"), field("Summary", "activity.summary"),
    field("Outcome", "activity.outcome"), field("Next step", "activity.next_step"),
    field("Opportunity ID", "activity.opportunity_id"), field("Registration ID", "activity.registration_id"),
    field("Deal", "deal"), field("Logged by", "owner"),
]


def form_lists(*lists: str, booleans: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Any:
    """Like web_common.form(), keeping every value of the multi-valued fields (checkbox groups)."""
    async def read(request: Request) -> dict[str, Any]:
        data = await form_data(request, booleans=booleans, optional=optional)
        submitted = await request.form()
        for name in lists:
            data[name] = [value for value in submitted.getlist(name) if value != ""]
        return data

    return Depends(read)


ActivityForm = Annotated[dict[str, Any], form_lists("contact_ids")]


def friendly(error: DomainError, wording: dict[str, str] | None = None) -> DomainError:
    """Pydantic's wording for an empty required field (and any `wording` given) said the way the other
    forms say it; the summary above the form follows."""
    words = {**FRIENDLY, **(wording or {})}
    error.field_errors = {name: words.get(text, text) for name, text in error.field_errors.items()}
    if error.message.startswith("Please fix:"):
        error.message = summary(error.field_errors)
    return error


def activity_in(data: dict[str, Any], actor: User) -> ActivityCreate:
    """The form as an ActivityCreate: blanks left out (so a missing summary says 'required')."""
    fields = {k: data[k] for k in CREATE_FIELDS if data.get(k) not in (None, "", [])}
    if "occurred_at" in fields:
        fields["occurred_at"] = views.from_local_input(fields["occurred_at"], actor)
    return parse(ActivityCreate, fields)


# The list -----------------------------------------------------------------------------------------

@router.get("/activities", include_in_schema=False)
def activity_list(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(ActivityFilter, request)
    sort = request.query_params.get("sort", DEFAULT_SORT)
    args = {**page_args(request, ACTIVITY_SORTS), "sort": sort if sort in ACTIVITY_SORTS else DEFAULT_SORT}
    page = None if problem else activities.list_activities(db, actor, filters, **args)
    items = page.items if page else []
    partner_options, partners_truncated = partner_choices(db, actor)
    context = {**list_links(request, ACTIVITY_SORTS, args["sort"]), **_row_names(db, actor, items),
               "partner_options": partner_options, "partners_truncated": partners_truncated, "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "filtered": filters != ActivityFilter(), "type_options": views.activity_type_options(),
               "owner_options": owner_options(db)}
    return list_page(request, "engagement/activities/list.html", "engagement/activities/_table.html", context, problem)


@router.get("/activities/export", include_in_schema=False)
def export_activities(request: Request, db: SessionDep, actor: StaffActor):
    """Every activity the list shows with these filters and sort, as CSV or XLSX."""
    filters, problem = parse_filters(ActivityFilter, request)
    if problem:
        raise problem
    sort = request.query_params.get("sort", DEFAULT_SORT)
    source = export_rows.activities(actor, filters, sort if sort in ACTIVITY_SORTS else DEFAULT_SORT)
    return exports.respond(request, db, actor, "activities", EXPORT_COLUMNS, source)


def _row_names(db: Session, actor: User, items: list[Activity]) -> dict[str, Any]:
    return {"partner_names": views.partner_names(db, actor, (a.partner_id for a in items)),
            "owner_names": views.user_names(db, (a.owner_id for a in items)),
            "deal_names": views.deal_names(db, actor, items), "labels": views.activity_labels()}


# Logging ------------------------------------------------------------------------------------------

@router.get("/activities/new", include_in_schema=False)
def new_activity(request: Request, db: SessionDep, actor: StaffActor):
    if "csrf_token" in request.query_params:  # the no-JS reload sends the whole form by GET: keep it out of the URL
        return redirect(url_with(request, csrf_token=None))
    # Query parameters prefill the form: ?partner_id= from a partner page, or the partner picker reloading it.
    values: dict[str, Any] = {k: v for k, v in request.query_params.items() if k in CREATE_FIELDS or k == "next"}
    values["contact_ids"] = request.query_params.getlist("contact_ids")
    values.setdefault("type", "call")
    values["occurred_at"] = values.get("occurred_at") or views.local_input(None, actor)
    return _activity_form(request, db, actor, values)


@router.post("/activities", include_in_schema=False)
def create_activity(request: Request, db: SessionDep, actor: StaffActor, data: ActivityForm):
    back = str(data.get("next") or "")
    activity, error = attempt(db, lambda: activities.log_activity(db, actor, activity_in(data, actor)))
    if error:
        return _activity_form(request, db, actor, data, friendly(error))
    assert activity is not None  # attempt() returns the result when there is no error
    return redirect(local_path(back, f"/partners/{activity.partner_id}"))


@router.post("/activities/quick", include_in_schema=False)
def quick_log(request: Request, db: SessionDep, actor: StaffActor, data: ActivityForm):
    """Log from a panel: htmx gets the panel back ("Logged: …" or the error); without JavaScript, a redirect."""
    back, compact = str(data.pop("next", "") or ""), data.pop("panel", "") == "compact"
    activity, error = attempt(db, lambda: activities.log_activity(db, actor, activity_in(data, actor)))
    partner_id = to_int(data.get("partner_id")) or None
    if not is_htmx(request) or partner_id is None:
        if error:
            return _activity_form(request, db, actor, {**data, "next": back}, friendly(error))
        assert activity is not None
        return redirect(local_path(back, f"/partners/{activity.partner_id}"))
    outcome: dict[str, Any] = {"error": friendly(error), "values": data} if error else {}
    if activity is not None:
        made = next(iter(views.tasks_from(db, actor, activity.id)), None)
        outcome["message"] = views.logged_message(activity, made)
    panel = views.quick_log_panel(db, actor, partner_id, next_url=local_path(back, f"/partners/{partner_id}"),
                                  compact=compact, opportunity_id=to_int(data.get("opportunity_id")) or None,
                                  registration_id=to_int(data.get("registration_id")) or None, **outcome)
    return render(request, "engagement/_quick_log.html", {"ql": panel})


# One activity -------------------------------------------------------------------------------------

@router.get("/activities/{activity_id}", include_in_schema=False)
def activity_detail(request: Request, db: SessionDep, actor: StaffActor, activity_id: int):
    activity = activities.get_activity(db, actor, activity_id)
    context = {**_row_names(db, actor, [activity]), "activity": activity,
               "contacts": activities.contacts_of(db, actor, [activity.id]).get(activity.id, []),
               "tasks": views.tasks_from(db, actor, activity.id),
               "history": views.history_of(db, "activities", activity.id)}
    return render(request, "engagement/activities/detail.html", context)


@router.get("/activities/{activity_id}/edit", include_in_schema=False)
def edit_activity(request: Request, db: SessionDep, actor: StaffActor, activity_id: int):
    activity = activities.get_activity(db, actor, activity_id)
    return _edit_form(request, db, actor, activity, _stored(activity, actor))


@router.post("/activities/{activity_id}", include_in_schema=False)
def update_activity(request: Request, db: SessionDep, actor: StaffActor, activity_id: int, data: ActivityForm):
    activity = activities.get_activity(db, actor, activity_id)
    fields = {k: data[k] for k in (*EDIT_FIELDS, "version") if k in data}
    fields["occurred_at"] = views.from_local_input(fields.get("occurred_at"), actor)
    if fields["occurred_at"] is None:
        del fields["occurred_at"]
    _, error = attempt(db, lambda: activities.update_activity(db, actor, activity_id, parse(ActivityUpdate, fields)))
    if error is None:
        return redirect(f"/activities/{activity_id}")
    if isinstance(error, StaleEdit):
        fresh = activities.get_activity(db, actor, activity_id)
        stored = _stored(fresh, actor)
        unsaved = [(k, data.get(k), stored[k]) for k in EDIT_FIELDS if k in data and str(data[k]) != str(stored[k])]
        return _edit_form(request, db, actor, fresh, stored, error, unsaved=unsaved)
    return _edit_form(request, db, actor, activity, data, friendly(error))


@router.post("/activities/{activity_id}/delete", include_in_schema=False)
def delete_activity(request: Request, db: SessionDep, actor: StaffActor, activity_id: int):
    partner_id = activities.get_activity(db, actor, activity_id).partner_id
    activities.delete_activity(db, actor, activity_id)
    return redirect(f"/partners/{partner_id}")


# Forms --------------------------------------------------------------------------------------------

def _stored(activity: Activity, actor: User) -> dict[str, Any]:
    return {"type": activity.type, "occurred_at": views.local_input(activity.occurred_at, actor),
            "summary": activity.summary, "outcome": activity.outcome, "next_step": activity.next_step,
            "version": activity.version}


def _activity_form(request: Request, db: Session, actor: User, values: dict[str, Any],
                   error: DomainError | None = None):
    partner_id = to_int(values.get("partner_id")) or None
    partner_options, truncated = partner_choices(db, actor)
    opportunity_options, registration_options = views.deal_options(db, actor, partner_id)
    contacts = service.list_contacts(db, actor, partner_id=partner_id, per_page=100).items if partner_id else []
    context = {"values": values, "error": error, "errors": error.field_errors if error else {},
               "partner_id": partner_id, "partner_options": partner_options, "partners_truncated": truncated,
               "contacts": contacts, "chosen_contacts": {str(c) for c in values.get("contact_ids") or []},
               "opportunity_options": opportunity_options, "registration_options": registration_options,
               "type_options": views.activity_type_options(), "next": local_path(str(values.get("next") or ""), "")}
    return render(request, "engagement/activities/form.html", context, status_code=error.status if error else 200)


def _edit_form(request: Request, db: Session, actor: User, activity: Activity, values: dict[str, Any],
               error: DomainError | None = None, *, unsaved: list | None = None):
    context = {**_row_names(db, actor, [activity]), "activity": activity, "values": values, "error": error,
               "errors": error.field_errors if error else {}, "unsaved": unsaved or [],
               "type_options": views.activity_type_options()}
    return render(request, "engagement/activities/edit.html", context, status_code=error.status if error else 200)
