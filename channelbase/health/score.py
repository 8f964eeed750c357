"""A partner's health score: the weighted mean of the components that apply to it. A component that does not
apply (nothing to judge by) is left out and the weights of the others are rescaled to add up to 100 %."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.deals.fx import require_staff
from channelbase.health import components, components_deals
from channelbase.health.components import COMPONENT_KEYS, Component, Scorer, Subject
from channelbase.health.weights import weights_in_force
from channelbase.partners.models import Partner

SCORERS: dict[str, Scorer] = {
    "cadence": components.cadence, "pipeline": components_deals.pipeline,
    "registrations": components_deals.registrations, "win_rate": components_deals.win_rate,
    "certifications": components.certifications, "nps": components.nps, "plan": components.plan,
}
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Part:
    """One component in a partner's score: its weight as set, and its share of the score after rescaling."""

    component: Component
    weight: int
    share: Decimal | None  # % of the score it makes; None: not counted (not applicable, or weight 0)

    def to_json(self) -> dict[str, Any]:
        c = self.component
        return {"key": c.key, "score": None if c.score is None else str(c.score), "weight": self.weight,
                "share": None if self.share is None else str(self.share), "explanation": c.explanation,
                "evidence": c.evidence}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Part:
        score, share = data.get("score"), data.get("share")
        component = Component(str(data.get("key", "")), None if score is None else Decimal(score),
                              str(data.get("explanation", "")), str(data.get("evidence", "")))
        return cls(component, int(data.get("weight", 0)), None if share is None else Decimal(share))


@dataclass(frozen=True)
class Health:
    partner_id: int
    score: Decimal | None  # None: no component applies
    parts: list[Part]

    @property
    def rescaled(self) -> bool:
        """Whether a weighted component was left out, so the others count for more than their weight."""
        return any(p.share is None and p.weight for p in self.parts)

    @property
    def left_out(self) -> list[Part]:
        return [p for p in self.parts if p.share is None and p.weight]

    def to_json(self) -> list[dict[str, Any]]:
        return [part.to_json() for part in self.parts]


def combine(partner_id: int, found: dict[str, Component], weights: dict[str, int]) -> Health:
    """The weighted mean of the applicable components, each share rescaled over the weights counted."""
    counted = {key: weights.get(key, 0) for key, c in found.items() if c.applies and weights.get(key, 0) > 0}
    total = sum(counted.values())
    parts = [Part(found[key], weights.get(key, 0),
                  (Decimal(counted[key]) * 100 / total).quantize(_TENTH, ROUND_HALF_UP) if key in counted else None)
             for key in COMPONENT_KEYS if key in found]
    if not total:
        return Health(partner_id, None, parts)
    weighted = sum((Decimal(weight) * (found[key].score or Decimal(0)) for key, weight in counted.items()),
                   Decimal(0))
    return Health(partner_id, (weighted / total).quantize(_TENTH, ROUND_HALF_UP), parts)


def compute(session: Session, subjects: Sequence[Subject], today: date,
            weights: dict[str, int] | None = None) -> dict[int, Health]:
    """Every partner's health on `today`: each component once for all of them, then combined per partner.
    The subjects must be partners the caller may score (visibility is the caller's business)."""
    if not subjects:
        return {}
    weights = weights if weights is not None else weights_in_force(session)
    found = {key: scorer(session, subjects, today) for key, scorer in SCORERS.items()}
    return {s.id: combine(s.id, {key: by_partner[s.id] for key, by_partner in found.items()}, weights)
            for s in subjects}


def subjects_of(session: Session, partner_ids: Sequence[int]) -> list[Subject]:
    rows = session.execute(select(Partner.id, Partner.tier).where(Partner.id.in_(list(partner_ids)))
                           .order_by(Partner.id))
    return [Subject(partner_id, tier) for partner_id, tier in rows]


def partner_health(session: Session, actor: User, partner_id: int, today: date) -> Health:
    """One partner's health today, computed live (staff who see the partner)."""
    require_staff(actor, "see partner health")
    partner = get_visible(session, actor, Partner, partner_id)
    return compute(session, [Subject(partner.id, partner.tier)], today)[partner.id]
