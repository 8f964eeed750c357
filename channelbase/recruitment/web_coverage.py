"""The coverage page: territories × partner types, targets against active and onboarding partners, gaps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError
from channelbase.partners.models import PARTNER_TYPE_LABELS, PartnerType
from channelbase.partners.schemas import Strict
from channelbase.partners.web_common import attempt, drop_blank, form, parse_filters, redirect, territory_picker
from channelbase.recruitment import coverage
from channelbase.recruitment.schemas import TargetIn
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
TargetForm = Annotated[dict[str, Any], form(optional=("version",))]


class CoverageFilter(Strict):
    territory_id: int | None = None
    partner_type: PartnerType | None = None
    gaps: bool = False
    # The cell whose target the form below is prefilled with ("12:var").
    edit: str = Field("", max_length=40)


def _edit_values(view: coverage.Coverage, edit: str) -> dict[str, Any]:
    territory, _, kind = edit.partition(":")
    if not territory.isdigit() or kind not in PARTNER_TYPE_LABELS:
        return {}
    cell = view.cell(int(territory), kind)
    values: dict[str, Any] = {"territory_id": int(territory), "partner_type": kind}
    if cell.target is not None:
        values.update(target=cell.target.target, version=cell.target.version)
    return values


def _coverage_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                   values: dict[str, Any] | None = None):
    filters, problem = parse_filters(CoverageFilter, request)
    view = coverage.coverage(db, actor, territory_id=filters.territory_id, partner_type=filters.partner_type,
                             gaps_only=filters.gaps)
    return render(request, "recruitment/coverage.html", {
        **territory_picker(db, actor), "view": view, "filters": filters, "problem": problem,
        "type_labels": PARTNER_TYPE_LABELS, "type_options": list(PARTNER_TYPE_LABELS.items()),
        "values": values if values is not None else _edit_values(view, filters.edit),
        "error": error, "errors": (error.field_errors or {}) if error else {},
        "saved": request.query_params.get("saved") == "1",
    }, status_code=error.status if error else (problem.status if problem else 200))


@router.get("/coverage", include_in_schema=False)
def coverage_page(request: Request, db: SessionDep, actor: StaffActor):
    return _coverage_page(request, db, actor)


@router.post("/coverage/targets", include_in_schema=False)
def set_target(request: Request, db: SessionDep, actor: StaffActor, data: TargetForm):
    _target, error = attempt(db, lambda: coverage.set_target(
        db, actor, parse(TargetIn, drop_blank(data, "territory_id", "partner_type", "target"))))
    if error:
        return _coverage_page(request, db, actor, error, data)
    return redirect("/coverage?saved=1")
