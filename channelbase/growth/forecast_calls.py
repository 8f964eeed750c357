"""A manager's forecast call on an open deal: commit, best case, pipeline or omitted, instead of the default
its probability gives. Audited on the deal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.deals.models import Opportunity, Stage, StageOutcome
from channelbase.growth.figures import default_category
from channelbase.growth.models import CATEGORY_LABELS, ForecastCall, ForecastCategory

LABELS = {**{str(key): label for key, label in CATEGORY_LABELS.items()}, "closed": "Closed (won)", "lost": "Lost"}


def category_of(session: Session, opportunity: Opportunity) -> str:
    if opportunity.outcome == StageOutcome.WON:
        return "closed"
    if opportunity.outcome == StageOutcome.LOST:
        return "lost"
    call = session.get(ForecastCall, opportunity.id)
    if call is not None:
        return call.category
    return default_category(session.get_one(Stage, opportunity.stage_id).probability)


def call_forecast(session: Session, actor: User, opportunity_id: int, category: str, *, now: datetime) -> str:
    """Set the deal's category; the default one (from its stage) clears the call."""
    if not actor.is_staff:
        raise NotPermitted("Only channel managers and admins make forecast calls.")
    opportunity = get_visible(session, actor, Opportunity, opportunity_id)
    if opportunity.outcome != StageOutcome.OPEN:
        raise InvalidInput(f"Opportunity #{opportunity.id} is closed: only open deals take a forecast call.")
    try:
        wanted = ForecastCategory(category)
    except ValueError:
        raise InvalidInput(f"'{category}' is not a forecast category (commit, best_case, pipeline or omitted).",
                           field_errors={"category": "commit, best_case, pipeline or omitted"}) from None
    before = category_of(session, opportunity)
    call = session.get(ForecastCall, opportunity.id)
    default = default_category(session.get_one(Stage, opportunity.stage_id).probability)
    if wanted == default:
        if call is not None:
            session.delete(call)
    elif call is None:
        session.add(ForecastCall(opportunity_id=opportunity.id, category=wanted, set_by_id=actor.id, set_at=now))
    else:
        call.category, call.set_by_id, call.set_at = wanted, actor.id, now
    if before != wanted:
        session.add(AuditEntry(actor_id=actor.id, actor_label=actor.label, action="forecast",
                               entity_type="opportunities", entity_id=opportunity.id,
                               before={"forecast_category": before}, after={"forecast_category": str(wanted)}))
    return str(wanted)
