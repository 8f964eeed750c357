"""Joint business plans for the vendor's side: the partner page's plan panel (also a page of its own), its
forms while the plan is a draft, revising a signed plan, and the list of plans of a fiscal year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError
from channelbase.growth import fiscal
from channelbase.partners.web_common import (
    attempt, form, parse_filters, redirect, territory_picker, to_int, url_with, wants_fragment,
)
from channelbase.plans import board, commitments, plans
from channelbase.plans.attainment import plan_attainment_of
from channelbase.plans.models import KIND_LABELS, PLAN_STATUS_LABELS, SIDE_LABELS, CommitmentKind, PlanStatus
from channelbase.plans.schemas import (
    ActualsIn, CommitmentIn, CommitmentUpdate, PlanCreate, PlanFilter, PlanUpdate, ReviseIn, VersionIn,
)
from channelbase.plans.web_portal import router as portal_router
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
router.include_router(portal_router)
PlanForm = Annotated[dict[str, Any], form(optional=("fiscal_year", "q1", "q2", "q3", "q4"))]
COMMITMENT_FIELDS = ("side", "kind", "description", "q1", "q2", "q3", "q4")
PER_PAGE = 25


def labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "side_labels": SIDE_LABELS, "status_labels": PLAN_STATUS_LABELS,
            "kind_options": [(kind.value, KIND_LABELS[kind]) for kind in CommitmentKind],
            "side_options": list(SIDE_LABELS.items())}


# The partner page's panel, and the plan page ------------------------------------------------------------

def _plan_page(request: Request, db: Session, actor: User, partner_id: int, year: int | None = None,
               error: DomainError | None = None, values: dict[str, Any] | None = None, form_name: str = ""):
    today = utcnow().date()
    partner, fiscal_year, plan_board = board.partner_board(db, actor, partner_id, year, today=today)
    current = fiscal.current_year(db, today).year
    years = sorted({current, current + 1, fiscal_year.year, *plans.plan_years(db, actor, partner.id)},
                   reverse=True)
    fragment = wants_fragment(request) and error is None
    template = "plans/partner_plan.html" if fragment else "plans/partner_plan_page.html"
    response = render(request, template, {
        **labels(), "partner": partner, "fiscal_year": fiscal_year, "board": plan_board, "years": years,
        "history": plans.history(db, actor, partner.id, fiscal_year.year), "error": error,
        "errors": (error.field_errors or {}) if error else {}, "values": values or {}, "form_name": form_name,
        "notice": request.query_params.get("notice", "")[:20],
    }, status_code=error.status if error else 200)
    response.headers["Vary"] = "HX-Request"
    return response


def _year(request: Request) -> int | None:
    return to_int(request.query_params.get("year")) or None


@router.get("/partners/{partner_id}/plan", include_in_schema=False)
def partner_plan(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    return _plan_page(request, db, actor, partner_id, _year(request))


@router.post("/partners/{partner_id}/plan", include_in_schema=False)
def create_plan(request: Request, db: SessionDep, actor: StaffActor, partner_id: int, data: PlanForm):
    fields = {"partner_id": partner_id, "fiscal_year": data.get("fiscal_year"),
              "objectives": data.get("objectives") or ""}
    plan, error = attempt(db, lambda: plans.create_plan(db, actor, parse(PlanCreate, fields)))
    if error:
        return _plan_page(request, db, actor, partner_id, to_int(data.get("fiscal_year")) or None, error, data,
                          "create")
    assert plan is not None
    return redirect(f"/partners/{partner_id}/plan?year={plan.fiscal_year}&notice=created")


def _back(db: Session, actor: User, plan_id: int, notice: str):
    plan = plans.get_plan(db, actor, plan_id)
    return redirect(f"/partners/{plan.partner_id}/plan?year={plan.fiscal_year}&notice={notice}")


def _refused(request: Request, db: Session, actor: User, plan_id: int, error: DomainError,
             data: dict[str, Any], form_name: str):
    plan = plans.get_plan(db, actor, plan_id)
    return _plan_page(request, db, actor, plan.partner_id, plan.fiscal_year, error, data, form_name)


@router.post("/plans/{plan_id}", include_in_schema=False)
def update_plan(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, data: PlanForm):
    fields = {"version": data.get("version"), "objectives": data.get("objectives") or ""}
    _plan, error = attempt(db, lambda: plans.update_plan(db, actor, plan_id, parse(PlanUpdate, fields)))
    if error:
        return _refused(request, db, actor, plan_id, error, data, "objectives")
    return _back(db, actor, plan_id, "saved")


def _commitment_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name) if data.get(name) is not None else "" for name in COMMITMENT_FIELDS}


@router.post("/plans/{plan_id}/commitments", include_in_schema=False)
def add_commitment(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, data: PlanForm):
    _made, error = attempt(db, lambda: commitments.add_commitment(
        db, actor, plan_id, parse(CommitmentIn, _commitment_fields(data))))
    if error:
        return _refused(request, db, actor, plan_id, error, data, "add")
    return _back(db, actor, plan_id, "added")


@router.post("/plans/{plan_id}/commitments/{commitment_id}", include_in_schema=False)
def update_commitment(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, commitment_id: int,
                      data: PlanForm):
    fields = {**_commitment_fields(data), "version": data.get("version")}
    _saved, error = attempt(db, lambda: commitments.update_commitment(
        db, actor, plan_id, commitment_id, parse(CommitmentUpdate, fields)))
    if error:
        return _refused(request, db, actor, plan_id, error, data, f"c{commitment_id}")
    return _back(db, actor, plan_id, "saved")


@router.post("/plans/{plan_id}/commitments/{commitment_id}/delete", include_in_schema=False)
def remove_commitment(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, commitment_id: int,
                      data: PlanForm):
    _done, error = attempt(db, lambda: commitments.remove_commitment(
        db, actor, plan_id, commitment_id, parse(VersionIn, {"version": data.get("version")})))
    if error:
        return _refused(request, db, actor, plan_id, error, data, f"c{commitment_id}")
    return _back(db, actor, plan_id, "removed")


@router.post("/plans/{plan_id}/commitments/{commitment_id}/actuals", include_in_schema=False)
def record_actuals(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, commitment_id: int,
                   data: PlanForm):
    fields = {name: data.get(name) for name in ("version", "q1", "q2", "q3", "q4")}
    _saved, error = attempt(db, lambda: commitments.set_actuals(
        db, actor, plan_id, commitment_id, parse(ActualsIn, fields)))
    if error:
        return _refused(request, db, actor, plan_id, error, data, f"a{commitment_id}")
    return _back(db, actor, plan_id, "actuals")


@router.post("/plans/{plan_id}/revise", include_in_schema=False)
def revise_plan(request: Request, db: SessionDep, actor: StaffActor, plan_id: int, data: PlanForm):
    fields = {"version": data.get("version"), "reason": data.get("reason") or ""}
    revised, error = attempt(db, lambda: plans.revise_plan(db, actor, plan_id, parse(ReviseIn, fields)))
    if error:
        return _refused(request, db, actor, plan_id, error, data, "revise")
    assert revised is not None
    return _back(db, actor, revised.id, "revised")


# The list of plans -------------------------------------------------------------------------------------

@router.get("/plans", include_in_schema=False)
def plan_list(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(PlanFilter, request)
    today = utcnow().date()
    year, page = plans.list_plans(db, actor, filters, today=today, page=max(1, to_int(request.query_params.get(
        "page"), 1)), per_page=PER_PAGE)
    current = fiscal.current_year(db, today).year
    return render(request, "plans/list.html", {
        **labels(), **territory_picker(db, actor), "page": page, "year": year, "filters": filters,
        "problem": problem, "years": list(range(current + 1, current - 4, -1)),
        "attainment": plan_attainment_of(db, [line.plan for line in page.items], today),
        "status_options": [(status.value, PLAN_STATUS_LABELS[status]) for status in PlanStatus],
        "page_url": lambda n: url_with(request, page=n),
    }, status_code=problem.status if problem else 200)
