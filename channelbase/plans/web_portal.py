"""The joint business plan in the partner portal: this fiscal year's plan (or next year's, agreed ahead) with
plan against actual, in the reader's language, and signing a draft on behalf of the partner."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError
from channelbase.core.i18n import N_
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.growth import fiscal
from channelbase.plans import board, plans
from channelbase.plans.schemas import SignIn
from channelbase.portal.access import Portal, PortalView
from channelbase.portal.status import own_partner
from channelbase.portal.web import field_errors_for, show
from channelbase.web.deps import SessionDep
from channelbase.web.forms import parse

router = APIRouter(prefix="/portal")
SignForm = Annotated[dict[str, Any], form(booleans=("agree",))]

# The words the portal shows for values stored in English, marked for the catalogues.
KIND_WORDS = {"bookings": N_("Bookings"), "pipeline_created": N_("Pipeline created"),
              "registrations": N_("Deal registrations"), "certified_people": N_("Certified people"),
              "marketing_activities": N_("Marketing activities"), "custom": N_("Other commitment")}
SIDE_WORDS = {"vendor": N_("Our commitments to you"), "partner": N_("Your commitments")}
STATUS_WORDS = {"draft": N_("Draft: awaiting your signature"), "signed": N_("Signed"),
                "superseded": N_("Superseded")}


def _page(request: Request, db: Session, view: PortalView, year: int | None = None,
          error: DomainError | None = None):
    actor, today = view.actor, utcnow().date()
    partner = own_partner(db, actor)
    current = fiscal.current_year(db, today).year
    chosen = year if year in (current, current + 1) else current
    _partner, fiscal_year, plan_board = board.partner_board(db, actor, partner.id, chosen, today=today)
    other = current + 1 if chosen == current else current
    has_other = plans.active_plan(db, actor, partner.id, other) is not None
    return show(request, view, "plans/portal_plan.html", {
        "partner": partner, "fiscal_year": fiscal_year, "board": plan_board, "other_year": other if has_other else None,
        "kind_words": KIND_WORDS, "side_words": SIDE_WORDS, "status_words": STATUS_WORDS,
        "error": error, "errors": field_errors_for(error, actor) if error else {},
        "signed": request.query_params.get("signed") == "1",
    }, status_code=error.status if error else 200)


@router.get("/plan", include_in_schema=False)
def my_plan(request: Request, db: SessionDep, view: Portal):
    return _page(request, db, view, to_int(request.query_params.get("year")) or None)


@router.post("/plan/sign", include_in_schema=False)
def sign_plan(request: Request, db: SessionDep, view: Portal, data: SignForm):
    view.require_writable()
    fields = {name: data.get(name) for name in ("plan_id", "version", "agree")}
    signed, error = attempt(db, lambda: plans.sign_plan(db, view.actor, parse(SignIn, fields)))
    if error:
        year = to_int(data.get("fiscal_year")) or None
        return _page(request, db, view, year, error)
    assert signed is not None
    return redirect(f"/portal/plan?year={signed.fiscal_year}&signed=1")
