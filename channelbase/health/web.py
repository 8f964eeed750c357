"""Web pages of health: the at-risk and rising lists, the weights (staff read them, admins set them) and the
health panel of a partner's page. Staff only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, StaleEdit
from channelbase.enablement.tiers import TIER_LABELS
from channelbase.health import lists, panel, weights
from channelbase.health.components import COMPONENT_KEYS, COMPONENT_LABELS, DEFAULT_WEIGHTS
from channelbase.health.schemas import HealthFilter, read_weights_form, weight_field
from channelbase.partners.models import PARTNER_TYPE_LABELS
from channelbase.partners.web_common import (
    attempt, choice_lists, form, parse_filters, redirect, territory_picker, to_int, url_with, wants_fragment,
)
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render

router = APIRouter()
PlainForm = Annotated[dict[str, Any], form()]
PER_PAGE = 25


def _labels() -> dict[str, Any]:
    return {"component_labels": COMPONENT_LABELS, "tier_labels": TIER_LABELS, "type_labels": PARTNER_TYPE_LABELS}


# The lists ---------------------------------------------------------------------------------------------

@router.get("/health", include_in_schema=False)
def health_lists(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(HealthFilter, request)
    view = lists.health_lists(db, actor, filters, utcnow().date(), per_page=PER_PAGE,
                              at_risk_page=max(1, to_int(request.query_params.get("risk_page"), 1)),
                              rising_page=max(1, to_int(request.query_params.get("rising_page"), 1)))
    choices = choice_lists()
    return render(request, "health/index.html", {
        **_labels(), **territory_picker(db, actor), "view": view, "filters": filters, "problem": problem,
        "type_options": choices["type_options"], "tier_options": choices["tier_options"],
        "risk_url": lambda n: url_with(request, risk_page=n), "rising_url": lambda n: url_with(request, rising_page=n),
        "filtered": any(request.query_params.get(name) for name in ("territory_id", "type", "tier")),
    }, status_code=problem.status if problem else 200)


# Weights -----------------------------------------------------------------------------------------------

def _weights_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                  data: dict[str, Any] | None = None):
    current = weights.current_weights(db, actor)
    stale = isinstance(error, StaleEdit)
    return render(request, "health/weights.html", {
        **_labels(), "current": current, "keys": COMPONENT_KEYS, "defaults": DEFAULT_WEIGHTS,
        "field_name": weight_field, "may_edit": actor.is_admin, "error": error,
        "errors": (error.field_errors or {}) if error else {}, "values": {} if stale or not data else data,
        "saved": request.query_params.get("saved", "")[:3],
    }, status_code=error.status if error else 200)


@router.get("/health/weights", include_in_schema=False)
def health_weights(request: Request, db: SessionDep, actor: StaffActor):
    return _weights_page(request, db, actor)


@router.post("/health/weights", include_in_schema=False)
def save_health_weights(request: Request, db: SessionDep, actor: AdminActor, data: PlainForm):
    changed, error = attempt(db, lambda: weights.save_weights(db, actor, read_weights_form(data)))
    if error:
        return _weights_page(request, db, actor, error, data)
    return redirect(f"/health/weights?saved={changed}")


# The partner page's health panel -----------------------------------------------------------------------

@router.get("/partners/{partner_id}/health", include_in_schema=False)
def partner_health(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    view = panel.health_panel(db, actor, partner_id, utcnow().date())
    template = "health/partner_health.html" if wants_fragment(request) else "health/partner_health_page.html"
    response = render(request, template, {**_labels(), "panel": view})
    response.headers["Vary"] = "HX-Request"
    return response
