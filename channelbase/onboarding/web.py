"""Onboarding pages for the vendor's side: the manager's list of journeys, the partner page's onboarding panel
(ticking and unticking steps), and the admins' journey templates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import Conflict, DomainError, InvalidInput
from channelbase.onboarding import journey_templates, journeys, progress
from channelbase.onboarding.models import RULE_LABELS, StepRule
from channelbase.onboarding.schemas import (
    JourneyFilter, JourneyStartIn, StepTickIn, TemplateIn, TemplateUpdate, step_lines,
)
from channelbase.partners.web_common import (
    attempt, choice_lists, form, list_links, list_page, parse_filters, problem_status, redirect, territory_picker,
    to_int,
)
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, is_htmx, render
from channelbase.web.forms import parse

router = APIRouter()
OnboardingForm = Annotated[dict[str, Any], form(booleans=("active",), optional=("agreement_signed_on",
                                                                                  "partner_type"))]
STATE_OPTIONS = [("in_progress", "In progress"), ("completed", "Completed"), ("all", "All")]


@router.get("/onboarding", include_in_schema=False)
def journey_list(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(JourneyFilter, request)
    sort = request.query_params.get("sort", progress.DEFAULT_SORT)
    sort = sort if sort in progress.SORTS else progress.DEFAULT_SORT
    listing = progress.list_journeys(db, actor, filters, sort=sort, page=to_int(request.query_params.get("page"), 1),
                                     per_page=min(100, to_int(request.query_params.get("per_page"), 25)))
    return list_page(request, "onboarding/list.html", "onboarding/_results.html", {
        "listing": listing, "page": listing.page, "sort": sort, "params": request.query_params, "problem": problem,
        "state_options": STATE_OPTIONS, "type_labels": choice_lists()["type_labels"],
        **territory_picker(db, actor), **list_links(request, progress.SORTS, sort),
    }, problem)


# The partner page's panel ----------------------------------------------------------------------------

def _panel(request: Request, db: Session, actor: User, partner_id: int, error: DomainError | None = None):
    template = "onboarding/panel.html" if is_htmx(request) else "onboarding/panel_page.html"
    status = problem_status(request, error) if isinstance(error, (InvalidInput, Conflict)) else 200
    return render(request, template, {"panel": progress.journey_panel(db, actor, partner_id), "error": error,
                                      "rule_labels": RULE_LABELS}, status_code=status)


def _after_change(request: Request, db: Session, actor: User, partner_id: int, error: DomainError | None):
    if error is not None or is_htmx(request):
        return _panel(request, db, actor, partner_id, error)
    return redirect(f"/partners/{partner_id}/onboarding")


@router.get("/partners/{partner_id}/onboarding", include_in_schema=False)
def partner_panel(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    return _panel(request, db, actor, partner_id)


@router.post("/partners/{partner_id}/onboarding/start", include_in_schema=False)
def start_journey(request: Request, db: SessionDep, actor: StaffActor, partner_id: int, data: OnboardingForm):
    def start():
        signed = parse(JourneyStartIn, {"agreement_signed_on": data.get("agreement_signed_on")})
        return journeys.start_journey(db, actor, partner_id, agreement_signed_on=signed.agreement_signed_on)

    _journey, error = attempt(db, start)
    return _after_change(request, db, actor, partner_id, error)


def _tick(request: Request, db: Session, actor: User, step_id: int, data: dict[str, Any], done: bool):
    partner_id = progress.partner_of_step(db, actor, step_id)

    def run():
        tick = parse(StepTickIn, {"version": data.get("version"), "evidence": data.get("evidence") or ""})
        if done:
            return journeys.mark_done(db, actor, step_id, tick.version, evidence=tick.evidence)
        return journeys.mark_undone(db, actor, step_id, tick.version)

    _step, error = attempt(db, run)
    return _after_change(request, db, actor, partner_id, error)


@router.post("/onboarding/steps/{step_id}/done", include_in_schema=False)
def step_done(request: Request, db: SessionDep, actor: StaffActor, step_id: int, data: OnboardingForm):
    return _tick(request, db, actor, step_id, data, done=True)


@router.post("/onboarding/steps/{step_id}/undone", include_in_schema=False)
def step_undone(request: Request, db: SessionDep, actor: StaffActor, step_id: int, data: OnboardingForm):
    return _tick(request, db, actor, step_id, data, done=False)


# Templates (admins) ------------------------------------------------------------------------------------

def _templates_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                    values: dict[str, Any] | None = None, form_name: str = ""):
    return render(request, "onboarding/templates.html", {
        "lines": journey_templates.list_templates(db, actor), "step_lines": step_lines,
        "type_options": choice_lists()["type_options"], "type_labels": choice_lists()["type_labels"],
        "rules": [(rule.value, RULE_LABELS[rule]) for rule in StepRule], "defaults": step_lines(
            list(journeys.DEFAULT_STEPS)),
        "error": error, "errors": (getattr(error, "field_errors", None) or {}) if error else {},
        "values": values or {}, "form_name": form_name, "saved": request.query_params.get("saved", "")[:20],
    }, status_code=error.status if error else 200)


def _template_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in ("name", "partner_type", "active", "steps")}


@router.get("/onboarding/templates", include_in_schema=False)
def templates_page(request: Request, db: SessionDep, actor: AdminActor):
    return _templates_page(request, db, actor)


@router.post("/onboarding/templates", include_in_schema=False)
def create_template(request: Request, db: SessionDep, actor: AdminActor, data: OnboardingForm):
    _made, error = attempt(db, lambda: journey_templates.create_template(
        db, actor, parse(TemplateIn, _template_fields(data))))
    if error:
        return _templates_page(request, db, actor, error, data, "new")
    return redirect("/onboarding/templates?saved=created")


@router.post("/onboarding/templates/{template_id}", include_in_schema=False)
def update_template(request: Request, db: SessionDep, actor: AdminActor, template_id: int, data: OnboardingForm):
    fields = {**_template_fields(data), "version": data.get("version")}
    _saved, error = attempt(db, lambda: journey_templates.update_template(
        db, actor, template_id, parse(TemplateUpdate, fields)))
    if error:
        return _templates_page(request, db, actor, error, data, f"t{template_id}")
    return redirect("/onboarding/templates?saved=updated")
