"""Web pages of tier requirements (staff read them, admins change them), the compliance view (who is ready
for the next tier, who misses their own) and the enablement panel of a partner's page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, NotFound, StaleEdit
from channelbase.deals.fx import reporting_currency
from channelbase.enablement import compliance, partner_panel, tiers
from channelbase.enablement.models import COURSE_KIND_LABELS
from channelbase.partners import service as partners
from channelbase.partners.models import PARTNER_TYPE_LABELS
from channelbase.partners.web_common import (
    attempt, choice_lists, form, parse_filters, redirect, territory_picker, to_int, wants_fragment,
)
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
PlainForm = Annotated[dict[str, Any], form()]
COMPLIANCE_PER_PAGE = 25
_LIST_PARAMS = ("territory_id", "type", "tier", "ready_page", "review_page")


def _labels() -> dict[str, Any]:
    return {"tier_labels": tiers.TIER_LABELS, "requirement_labels": tiers.REQUIREMENT_LABELS,
            "short_labels": tiers.SHORT_LABELS, "type_labels": PARTNER_TYPE_LABELS,
            "kind_labels": COURSE_KIND_LABELS, "reporting": reporting_currency()}


# Requirements ------------------------------------------------------------------------------------

def _unsaved(table: tiers.TierTable, data: dict[str, Any]) -> list[tuple[str, Any, int]]:
    """The cells an editor changed that a concurrent save kept out, to re-apply by hand."""
    return [(f"{tiers.TIER_LABELS[tier]} · {tiers.SHORT_LABELS[key]}", data.get(tiers.cell_name(tier, key)),
             table.minimums[tier][key])
            for tier in tiers.RANKED_TIERS for key in tiers.REQUIREMENT_KEYS
            if str(data.get(tiers.cell_name(tier, key), "")).strip() != str(table.minimums[tier][key])]


def _tiers_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
                data: dict[str, Any] | None = None):
    table = tiers.tier_table(db, actor)
    stale = isinstance(error, StaleEdit)
    return render(request, "enablement/tiers.html", {
        **_labels(), "table": table, "tiers": tiers.RANKED_TIERS, "keys": tiers.REQUIREMENT_KEYS,
        "cell_name": tiers.cell_name, "may_edit": actor.is_admin, "error": error,
        "errors": (error.field_errors or {}) if error else {}, "values": {} if stale or not data else data,
        "unsaved": _unsaved(table, data or {}) if stale else [],
        "saved": request.query_params.get("saved", "")[:6],
    }, status_code=error.status if error else 200)


@router.get("/tiers", include_in_schema=False)
def tier_requirements(request: Request, db: SessionDep, actor: StaffActor):
    return _tiers_page(request, db, actor)


@router.post("/tiers", include_in_schema=False)
def save_tier_requirements(request: Request, db: SessionDep, actor: AdminActor, data: PlainForm):
    changed, error = attempt(db, lambda: tiers.save_requirements(db, actor, tiers.read_form(data)))
    if error:
        return _tiers_page(request, db, actor, error, data)
    return redirect(f"/tiers?saved={changed}")


# Compliance --------------------------------------------------------------------------------------

def _query(request: Request, **changes: Any) -> str:
    """The compliance list's own query parameters, some changed (None drops one), as '?…' or ''."""
    params = {name: request.query_params[name] for name in _LIST_PARAMS if request.query_params.get(name)}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = str(value)
    return f"?{urlencode(params)}" if params else ""


def _moved_notice(db: Session, actor: User, request: Request) -> str:
    moved = to_int(request.query_params.get("moved"))
    if not moved:
        return ""
    try:
        partner = partners.get_partner(db, actor, moved)
    except NotFound:
        return ""
    return f"{partner.name} is now {tiers.TIER_LABELS.get(partner.tier, partner.tier)}."


def _compliance_page(request: Request, db: Session, actor: User, error: DomainError | None = None):
    filters, problem = parse_filters(compliance.ComplianceFilter, request)
    view = compliance.compliance(db, actor, filters, per_page=COMPLIANCE_PER_PAGE,
                                 ready_page=max(1, to_int(request.query_params.get("ready_page"), 1)),
                                 review_page=max(1, to_int(request.query_params.get("review_page"), 1)))
    choices = choice_lists()
    return render(request, "enablement/compliance.html", {
        **_labels(), **territory_picker(db, actor), "view": view, "filters": filters, "problem": problem,
        "error": error, "notice": "" if error else _moved_notice(db, actor, request),
        "type_options": choices["type_options"], "tier_options": choices["tier_options"],
        "previous_tier": tiers.previous_tier, "query": _query(request),
        "ready_url": lambda n: "/tiers/compliance" + _query(request, ready_page=n),
        "review_url": lambda n: "/tiers/compliance" + _query(request, review_page=n),
        "filtered": any(request.query_params.get(name) for name in ("territory_id", "type", "tier")),
    }, status_code=error.status if error else (problem.status if problem else 200))


@router.get("/tiers/compliance", include_in_schema=False)
def tier_compliance(request: Request, db: SessionDep, actor: StaffActor):
    return _compliance_page(request, db, actor)


@router.post("/tiers/compliance/{partner_id}/tier", include_in_schema=False)
def change_tier(request: Request, db: SessionDep, actor: StaffActor, partner_id: int, data: PlainForm):
    fields = {name: data.get(name) for name in ("tier", "version")}
    _partner, error = attempt(db, lambda: compliance.set_tier(db, actor, partner_id,
                                                              parse(compliance.TierChangeIn, fields)))
    if error:
        return _compliance_page(request, db, actor, error)
    return redirect("/tiers/compliance" + _query(request, moved=partner_id))


# The partner page's enablement panel -------------------------------------------------------------

@router.get("/partners/{partner_id}/enablement", include_in_schema=False)
def partner_enablement(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    panel = partner_panel.enablement_panel(db, actor, partner_id)
    fragment = wants_fragment(request)
    template = "enablement/partner_enablement.html" if fragment else "enablement/partner_enablement_page.html"
    response = render(request, template, {**_labels(), "panel": panel})
    response.headers["Vary"] = "HX-Request"
    return response
