"""Health rolled up to territories: how many partners, their average score and how many are at risk, for each
territory and every territory above it (the strategy pages show it beside coverage and quota)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.deals.fx import require_staff
from channelbase.health.snapshots import is_at_risk, scored_partners, territory_paths

_ONE_DECIMAL = Decimal("0.1")


@dataclass
class TerritoryHealth:
    partners: int = 0             # live active/onboarding partners the actor sees in the territory and below
    scored: int = 0               # of those, partners with a stored score
    total: Decimal = Decimal(0)   # sum of the scores (for the average)
    at_risk: int = 0

    @property
    def average_score(self) -> Decimal | None:
        return (self.total / self.scored).quantize(_ONE_DECIMAL) if self.scored else None

    def add(self, score: Decimal | None, at_risk: bool) -> None:
        self.partners += 1
        if score is not None:
            self.scored += 1
            self.total += score
        self.at_risk += at_risk


def ancestor_ids(path: str) -> list[int]:
    """'/1/4/9/' -> [1, 4, 9]: the territory itself and every territory above it."""
    return [int(part) for part in path.strip("/").split("/") if part]


def health_by_territory(session: Session, actor: User, today: date) -> dict[int, TerritoryHealth]:
    """The latest stored scores (on or before `today`) of the actor's visible live active/onboarding partners,
    summed up to each territory and every territory above it: {territory_id: TerritoryHealth}. A territory with
    none of the actor's partners below it is absent. Staff only (health is the vendor's own judgement)."""
    require_staff(actor, "see partner health")
    rows = session.execute(scored_partners(actor, today)).all()
    paths = territory_paths(session, {row.territory_id for row in rows})
    result: dict[int, TerritoryHealth] = defaultdict(TerritoryHealth)
    for row in rows:
        risky = is_at_risk(row.score, row.earlier)
        for territory_id in ancestor_ids(paths.get(row.territory_id, "")):
            result[territory_id].add(row.score, risky)
    return dict(result)
