"""The health page's two lists, from the stored snapshots of the partners the actor sees: "at risk" (a score
under 50, or 15 points or more below the score of 30 days ago) and "rising" (10 points or more above it),
each partner with the components that drive it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.pagination import Page
from channelbase.deals.fx import require_staff
from channelbase.health.schemas import HealthFilter
from channelbase.health.score import Part
from channelbase.health.snapshots import AT_RISK_BELOW, AT_RISK_DROP, COMPARE_DAYS, RISING_GAIN, scored_partners
from channelbase.partners.models import Territory
from channelbase.partners.service import territory_and_below

DRIVERS = 2  # components shown beside each partner
# Scores have one decimal, so differences are whole tenths; SQLite subtracts them as floats (65.3 - 50.3 gives
# 14.999…), so the thresholds are compared with half a tenth of slack.
_SLACK = Decimal("0.05")


@dataclass(frozen=True)
class Driver:
    part: Part
    change: Decimal | None  # points since the snapshot of 30 days ago; None: not scored then


@dataclass(frozen=True)
class HealthLine:
    partner_id: int
    name: str
    type: str
    tier: str
    territory_id: int
    score: Decimal
    earlier: Decimal | None
    day: date
    drivers: list[Driver]

    @property
    def change(self) -> Decimal | None:
        return None if self.earlier is None else self.score - self.earlier


@dataclass(frozen=True)
class HealthView:
    at_risk: Page[HealthLine]
    rising: Page[HealthLine]
    scored: int  # visible partners with a stored score
    partners: int  # visible live active/onboarding partners
    territory_names: dict[int, str]
    today: date
    compare_days: int = COMPARE_DAYS


def _counted(components: Any) -> dict[str, Part]:
    parts = [Part.from_json(item) for item in components or [] if isinstance(item, dict)]
    return {p.component.key: p for p in parts}


def drivers(components: Any, earlier_components: Any, *, rising: bool) -> list[Driver]:
    """The components behind the move: the largest gains for a rising partner; for one at risk, the largest
    falls when it dropped, else its lowest-scoring components."""
    now, then = _counted(components), _counted(earlier_components)
    found = []
    for key, part in now.items():
        if part.share is None or part.component.score is None:
            continue
        before = then.get(key)
        earlier = before.component.score if before is not None else None
        found.append(Driver(part, None if earlier is None else part.component.score - earlier))
    if rising:
        moved = sorted((d for d in found if d.change and d.change > 0), key=lambda d: -d.change)  # type: ignore
        return moved[:DRIVERS]
    fallen = sorted((d for d in found if d.change and d.change < 0), key=lambda d: d.change)  # type: ignore
    return (fallen or sorted(found, key=lambda d: d.part.component.score))[:DRIVERS]  # type: ignore


def _filtered(actor: User, today: date, filters: HealthFilter):
    rows = scored_partners(actor, today).subquery()
    stmt = select(rows)
    for column, value in ((rows.c.type, filters.type), (rows.c.tier, filters.tier)):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.territory_id is not None:
        stmt = stmt.where(rows.c.territory_id.in_(territory_and_below(filters.territory_id)))
    return stmt, rows


def _page(session: Session, stmt: Select, page: int, per_page: int, *, rising: bool) -> Page[HealthLine]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all() if total else []
    lines = [HealthLine(r.partner_id, r.name, r.type, r.tier, r.territory_id, r.score, r.earlier, r.day,
                        drivers(r.components, r.earlier_components, rising=rising)) for r in rows]
    return Page(items=lines, total=total, page=page, per_page=per_page)


def _territory_names(session: Session, actor: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = visible(select(Territory.id, Territory.name), actor, Territory).where(Territory.id.in_(ids))
    return {territory_id: name for territory_id, name in session.execute(stmt)}


def health_lists(session: Session, actor: User, filters: HealthFilter, today: date, *, at_risk_page: int = 1,
                 rising_page: int = 1, per_page: int = 25) -> HealthView:
    """Both lists for the partners the actor sees that match the filters, a page of each."""
    require_staff(actor, "see partner health")
    stmt, rows = _filtered(actor, today, filters)
    scored = stmt.where(rows.c.score.is_not(None))
    risky = scored.where(or_(rows.c.score < AT_RISK_BELOW, rows.c.earlier - rows.c.score >= AT_RISK_DROP - _SLACK))
    rising = scored.where(rows.c.score - rows.c.earlier >= RISING_GAIN - _SLACK)
    at_risk_lines = _page(session, risky.order_by(rows.c.score, rows.c.name, rows.c.partner_id), at_risk_page,
                          per_page, rising=False)
    rising_lines = _page(session, rising.order_by((rows.c.score - rows.c.earlier).desc(), rows.c.name,
                                                  rows.c.partner_id), rising_page, per_page, rising=True)
    everyone = stmt.order_by(None).subquery()
    counts = session.execute(select(func.count(), func.count(everyone.c.score))).one()
    shown = {line.territory_id for line in [*at_risk_lines.items, *rising_lines.items]}
    return HealthView(at_risk_lines, rising_lines, scored=counts[1], partners=counts[0],
                      territory_names=_territory_names(session, actor, shown), today=today)
