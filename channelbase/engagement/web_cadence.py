"""Cadence pages: a manager's partners against their contact rules (coverage, who is overdue, a quick
log on each row), and the admin pages that set the rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, InvalidInput, StaleEdit
from channelbase.core.pagination import Page
from channelbase.engagement import cadence, export_rows, views
from channelbase.engagement.models import CadenceRule
from channelbase.engagement.schemas import CadenceRuleIn, CadenceRuleUpdate
from channelbase.engagement.web_activities import form_lists, friendly
from channelbase.partners.web_common import (
    attempt, choice_lists, list_page, page_args, parse_filters, redirect, territory_picker, url_with,
)
from channelbase.web import exports
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.exports import Column, field, when
from channelbase.web.forms import parse

router = APIRouter()

RULE_FIELDS = tuple(CadenceRuleUpdate.model_fields)
STATE_OPTIONS = [("all", "All partners"), ("due", "Due: overdue or due today"), ("overdue", "Overdue only")]
PRIORITY_OPTIONS = [("yes", "Priority partners"), ("no", "Non-priority partners")]
# Say what the interval must be rather than pydantic's bounds.
WORDING = {"Input should be greater than or equal to 1": "must be at least 1 day",
           "Input should be less than or equal to 365": "must be at most 365 days (once a year)",
           "List should have at least 1 item after validation, not 0": "tick at least one activity type"}
RuleForm = Annotated[dict[str, Any], form_lists("counted_types", booleans=("active",))]
CADENCE_COLUMNS = [
    field("Partner ID", "status.partner_id"), field("Partner", "status.partner_name"),
    field("Priority", "status.is_priority"), field("Rule", "status.rule_name"), field("Every (days)", "status.every_days"),
    when("Last qualifying touch", "status.last_touch_at"), field("Next due", "status.due_on"), field("State", "state"),
    field("Days overdue", "days_overdue"),
]
RULE_COLUMNS = [
    field("ID", "rule.id"), field("Rule", "rule.name"), field("Every (days)", "rule.every_days"),
    field("Counts", "counted"), field("Partner type", "partner_type"),
    Column("Tier", lambda r: r.rule.tier.capitalize() if r.rule.tier else "Any"), field("Priority", "priority"),
    field("Territory", "territory"), field("Partners now", "followers"), field("Active", "rule.active"),
]


# The manager's cadence list -------------------------------------------------------------------------

@router.get("/cadence", include_in_schema=False)
def cadence_list(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(views.CadenceFilter, request)
    view, error = (None, problem) if problem else attempt(db, lambda: views.cadence_view(db, actor, filters))
    args = page_args(request, ())
    rows = view.rows if view else []
    page_no = max(1, min(args["page"], -(-len(rows) // args["per_page"]) or 1))
    start = (page_no - 1) * args["per_page"]
    page = Page(items=rows[start:start + args["per_page"]], total=len(rows), page=page_no, per_page=args["per_page"])
    here = url_with(request)
    context = {**territory_picker(db, actor), "view": view, "page": page, "problem": error, "filters": filters,
               "params": request.query_params, "state_options": STATE_OPTIONS,
               "page_url": lambda n: url_with(request, page=n),
               "coverage_line": views.coverage_line(view.coverage) if view else "",
               "panels": {s.partner_id: views.QuickLog(partner_id=s.partner_id, partner_name=s.partner_name,
                                                       next_url=here, compact=True, status=s, today=view.today)
                          for s in page.items} if view else {}}
    return list_page(request, "engagement/cadence/list.html", "engagement/cadence/_table.html", context,
                     error if isinstance(error, InvalidInput) else None)


@router.get("/cadence/export", include_in_schema=False)
def export_cadence(request: Request, db: SessionDep, actor: StaffActor):
    """Every partner the cadence list shows with these filters, as CSV or XLSX."""
    filters, problem = parse_filters(views.CadenceFilter, request)
    if problem:
        raise problem
    view = views.cadence_view(db, actor, filters)
    return exports.respond(request, db, actor, "cadence", CADENCE_COLUMNS, export_rows.cadence_rows(view))


# Rules (admins) ------------------------------------------------------------------------------------

@router.get("/cadence/rules", include_in_schema=False)
def rule_list(request: Request, db: SessionDep, actor: StaffActor):
    rules = cadence.list_rules(db, actor)
    context = {**territory_picker(db, actor), **choice_lists(), "rules": rules, "labels": views.activity_labels(),
               "followers": views.rule_follower_counts(db, actor)}
    return render(request, "engagement/cadence/rules.html", context)


@router.get("/cadence/rules/export", include_in_schema=False)
def export_rules(request: Request, db: SessionDep, actor: StaffActor):
    """The cadence rules, as CSV or XLSX."""
    return exports.respond(request, db, actor, "cadence-rules", RULE_COLUMNS, export_rows.rule_rows(db, actor))


@router.get("/cadence/rules/new", include_in_schema=False)
def new_rule(request: Request, db: SessionDep, actor: AdminActor):
    return _rule_form(request, db, actor, {"every_days": 30, "counted_types": ["call", "meeting"], "active": True})


@router.post("/cadence/rules", include_in_schema=False)
def create_rule(request: Request, db: SessionDep, actor: AdminActor, data: RuleForm):
    _, error = attempt(db, lambda: cadence.create_rule(db, actor, parse(CadenceRuleIn, _rule_in(data))))
    if error:
        return _rule_form(request, db, actor, data, friendly(error, WORDING))
    return redirect("/cadence/rules")


@router.get("/cadence/rules/{rule_id}/edit", include_in_schema=False)
def edit_rule(request: Request, db: SessionDep, actor: AdminActor, rule_id: int):
    rule = cadence.get_rule(db, actor, rule_id)
    return _rule_form(request, db, actor, views.rule_form_values(rule), rule=rule)


@router.post("/cadence/rules/{rule_id}", include_in_schema=False)
def update_rule(request: Request, db: SessionDep, actor: AdminActor, rule_id: int, data: RuleForm):
    rule = cadence.get_rule(db, actor, rule_id)
    _, error = attempt(db, lambda: cadence.update_rule(db, actor, rule_id, parse(CadenceRuleUpdate, _rule_in(data))))
    if error is None:
        return redirect("/cadence/rules")
    if isinstance(error, StaleEdit):
        fresh = cadence.get_rule(db, actor, rule_id)
        return _rule_form(request, db, actor, views.rule_form_values(fresh), error, rule=fresh)
    return _rule_form(request, db, actor, data, friendly(error, WORDING), rule=rule)


@router.post("/cadence/rules/{rule_id}/delete", include_in_schema=False)
def delete_rule(db: SessionDep, actor: AdminActor, rule_id: int):
    cadence.delete_rule(db, actor, rule_id)
    return redirect("/cadence/rules")


def _rule_in(data: dict[str, Any]) -> dict[str, Any]:
    """The form as the schema's fields: blank criteria match everyone, priority is any / yes / no."""
    fields = {k: data[k] for k in RULE_FIELDS if data.get(k) not in (None, "")}
    priority = fields.pop("is_priority", "")
    if priority in ("yes", "no"):
        fields["is_priority"] = priority == "yes"
    return fields


def _rule_form(request: Request, db: Session, actor: User, values: dict[str, Any], error: DomainError | None = None,
               *, rule: CadenceRule | None = None):
    context = {**territory_picker(db, actor), **choice_lists(), "values": values, "rule": rule, "error": error,
               "errors": error.field_errors if error else {}, "activity_type_options": views.activity_type_options(),
               "priority_options": PRIORITY_OPTIONS,
               "chosen_types": {str(t) for t in values.get("counted_types") or []}}
    return render(request, "engagement/cadence/rule_form.html", context, status_code=error.status if error else 200)
