"""The health panel of a partner's page: today's score with each component (computed live), and the stored
history drawn as a sparkline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.deals.fx import require_staff
from channelbase.health.score import Health, partner_health
from channelbase.health.snapshots import HISTORY_DAYS, history, is_at_risk, is_rising
from channelbase.health.sparkline import Sparkline, sparkline
from channelbase.health.weights import current_weights
from channelbase.partners.models import Partner


@dataclass(frozen=True)
class HealthPanel:
    partner: Partner
    health: Health
    chart: Sparkline
    earlier: date | None  # the day of the score compared against (30 days back), None without one
    earlier_score: Decimal | None
    at_risk: bool
    rising: bool
    weights_defaulted: bool
    today: date
    history_days: int = HISTORY_DAYS

    @property
    def change(self) -> Decimal | None:
        """Points since the score compared against; None when either is missing."""
        if self.health.score is None or self.earlier_score is None:
            return None
        return self.health.score - self.earlier_score


def _score_on_or_before(points: list, day: date):
    before = [(d, s) for d, s in points if d <= day and s is not None]
    return before[-1] if before else (None, None)


def health_panel(session: Session, actor: User, partner_id: int, today: date) -> HealthPanel:
    """The partner's health today and its history (staff who see the partner)."""
    require_staff(actor, "see partner health")
    partner = get_visible(session, actor, Partner, partner_id)
    health = partner_health(session, actor, partner_id, today)
    points = history(session, actor, partner_id, today)
    earlier_day, earlier = _score_on_or_before(points, date.fromordinal(today.toordinal() - 30))
    # The line ends with the score shown above it (today's, computed now) rather than the one stored this morning.
    drawn = [(day, score) for day, score in points if day < today] + [(today, health.score)]
    return HealthPanel(
        partner=partner, health=health,
        chart=sparkline(drawn, today, HISTORY_DAYS, f"Health of {partner.name}, last {HISTORY_DAYS} days"),
        earlier=earlier_day, earlier_score=earlier, at_risk=is_at_risk(health.score, earlier),
        rising=is_rising(health.score, earlier), weights_defaulted=current_weights(session, actor).defaulted,
        today=today)
