"""The deal figures on the home page: what awaits a decision, what is late, what runs out soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.base import utcnow
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, StageOutcome

EXPIRING_DAYS = 14


@dataclass(frozen=True)
class DealSummary:
    awaiting_decision: int
    past_sla: int
    expiring_soon: int
    open_opportunities: int


def deal_summary(session: Session, actor: User, *, now: datetime | None = None) -> DealSummary:
    """Counts over the registrations and opportunities the actor may see (one indexed count each)."""
    now = now or utcnow()
    today = now.date()

    def count(model, *conditions) -> int:
        return session.scalar(visible(select(func.count()).select_from(model), actor, model).where(*conditions)) or 0

    submitted = Registration.status == RegistrationStatus.SUBMITTED
    return DealSummary(
        awaiting_decision=count(Registration, submitted),
        past_sla=count(Registration, submitted, Registration.decision_due_at < now),
        expiring_soon=count(Registration, Registration.status == RegistrationStatus.APPROVED,
                            Registration.expires_on >= today,
                            Registration.expires_on <= today + timedelta(days=EXPIRING_DAYS)),
        open_opportunities=count(Opportunity, Opportunity.outcome == StageOutcome.OPEN),
    )
