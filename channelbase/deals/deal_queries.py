"""Read helpers the deal API and CLI need beyond the services' own reads (all through `visible`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.deals.models import Opportunity


def opportunity_ids_for(session: Session, actor: User, registration_ids: Iterable[int]) -> dict[int, int]:
    """{registration id: id of the opportunity it converted into}, for the opportunities the actor may see."""
    ids = set(registration_ids)
    if not ids:
        return {}
    stmt = (visible(select(Opportunity.registration_id, Opportunity.id), actor, Opportunity)
            .where(Opportunity.registration_id.in_(ids)))
    return {registration_id: opportunity_id for registration_id, opportunity_id in session.execute(stmt).all()
            if registration_id is not None}
