"""The recruitment board (a column per stage, fit scores, conversion and time per stage), adding a prospect,
a prospect's page (stage moves, fit inputs, the score explained) and the admins' fit criteria page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError
from channelbase.partners.models import PARTNER_TYPE_LABELS, PartnerType
from channelbase.partners.schemas import Strict
from channelbase.partners.web_common import (
    attempt, countries, drop_blank, form, owner_options, parse_filters, redirect, territory_picker,
)
from channelbase.recruitment import fit, funnel, metrics
from channelbase.recruitment.models import SOURCE_LABELS, STAGE_LABELS, STAGES, Source, Stage
from channelbase.recruitment.schemas import FitInputsIn, ProspectIn, StageMoveIn
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
RecruitmentForm = Annotated[dict[str, Any], form(optional=("owner_id", "employees", "signed_on"))]
NEW_PROSPECT = {"source": Source.MANUAL}


class BoardFilter(Strict):
    territory_id: int | None = None
    partner_type: PartnerType | None = None
    expand: Stage | None = None


def _choices() -> dict[str, Any]:
    return {"type_labels": PARTNER_TYPE_LABELS, "type_options": list(PARTNER_TYPE_LABELS.items()),
            "stage_labels": STAGE_LABELS, "stage_options": [(s.value, STAGE_LABELS[s]) for s in STAGES],
            "source_labels": SOURCE_LABELS,
            "source_options": [(s.value, SOURCE_LABELS[s]) for s in (Source.MANUAL, Source.EVENT)]}


def _board_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                values: dict[str, Any] | None = None):
    filters, problem = parse_filters(BoardFilter, request)
    territory_id, partner_type = filters.territory_id, filters.partner_type
    return render(request, "recruitment/board.html", {
        **territory_picker(db, actor), **_choices(), "filters": filters, "problem": problem,
        "columns": funnel.board(db, actor, territory_id=territory_id, partner_type=partner_type,
                                expand=filters.expand),
        "figures": metrics.funnel_metrics(db, actor, territory_id=territory_id, partner_type=partner_type),
        "countries": countries(),
        "owner_options": owner_options(db), "values": values if values is not None else dict(NEW_PROSPECT),
        "error": error, "errors": (error.field_errors or {}) if error else {},
    }, status_code=error.status if error else (problem.status if problem else 200))


@router.get("/recruitment", include_in_schema=False)
def recruitment_board(request: Request, db: SessionDep, actor: StaffActor):
    return _board_page(request, db, actor)


@router.post("/recruitment/prospects", include_in_schema=False)
def add_prospect(request: Request, db: SessionDep, actor: StaffActor, data: RecruitmentForm):
    record, error = attempt(db, lambda: funnel.add_prospect(
        db, actor, parse(ProspectIn, drop_blank(data, "territory_id", "type"))))
    if error:
        return _board_page(request, db, actor, error, data)
    assert record is not None
    return redirect(f"/recruitment/{record.partner_id}?notice=added")


# Fit criteria (declared before /recruitment/{prospect_id}, whose id would not parse "criteria") ---------

def _criteria_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                   values: dict[str, Any] | None = None):
    current = fit.criteria(db, actor)
    stored = {f"{part}_{c.key}": getattr(c, part) for c in current for part in ("weight", "wanted", "version")}
    return render(request, "recruitment/criteria.html", {
        "criteria": current, "help": fit.HELP, "values": values if values is not None else stored,
        "error": error, "errors": (error.field_errors or {}) if error else {},
        "saved": request.query_params.get("saved") == "1",
    }, status_code=error.status if error else 200)


@router.get("/recruitment/criteria", include_in_schema=False)
def criteria_page(request: Request, db: SessionDep, actor: AdminActor):
    return _criteria_page(request, db, actor)


@router.post("/recruitment/criteria", include_in_schema=False)
def save_criteria(request: Request, db: SessionDep, actor: AdminActor, data: RecruitmentForm):
    def run():
        items, versions = fit.criteria_from_form(data)
        return fit.save_criteria(db, actor, items, versions)

    _saved, error = attempt(db, run)
    if error:
        return _criteria_page(request, db, actor, error, data)
    return redirect("/recruitment/criteria?saved=1")


# A prospect ------------------------------------------------------------------------------------------

def _prospect_page(request: Request, db: Session, actor: User, prospect_id: int, error: DomainError | None = None,
                   values: dict[str, Any] | None = None, form_name: str = ""):
    detail = funnel.prospect_detail(db, actor, prospect_id)
    return render(request, "recruitment/prospect.html", {
        **_choices(), "d": detail, "error": error, "errors": (error.field_errors or {}) if error else {},
        "values": values or {}, "form_name": form_name, "notice": request.query_params.get("notice", "")[:20],
        "owner_name": dict(owner_options(db)).get(detail.partner.owner_id or 0),
    }, status_code=error.status if error else 200)


@router.get("/recruitment/{prospect_id}", include_in_schema=False)
def prospect_page(request: Request, db: SessionDep, actor: StaffActor, prospect_id: int):
    return _prospect_page(request, db, actor, prospect_id)


@router.post("/recruitment/{prospect_id}/stage", include_in_schema=False)
def move_stage(request: Request, db: SessionDep, actor: StaffActor, prospect_id: int, data: RecruitmentForm):
    funnel.get_record(db, actor, prospect_id)  # 404 first: someone else's prospect leaks nothing
    _record, error = attempt(db, lambda: funnel.move_stage(db, actor, prospect_id,
                                                           parse(StageMoveIn, drop_blank(data, "stage"))))
    if error:
        return _prospect_page(request, db, actor, prospect_id, error, data, "stage")
    return redirect(f"/recruitment/{prospect_id}?notice=moved")


@router.post("/recruitment/{prospect_id}/fit", include_in_schema=False)
def update_fit_inputs(request: Request, db: SessionDep, actor: StaffActor, prospect_id: int, data: RecruitmentForm):
    funnel.get_record(db, actor, prospect_id)
    _record, error = attempt(db, lambda: funnel.update_fit_inputs(db, actor, prospect_id, parse(FitInputsIn, data)))
    if error:
        return _prospect_page(request, db, actor, prospect_id, error, data, "fit")
    return redirect(f"/recruitment/{prospect_id}?notice=saved")
