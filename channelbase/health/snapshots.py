"""Stored health: one snapshot per partner per day (written by the daily job), and reading the latest scores
with the score of 30 days earlier, which decides who is at risk and who is rising."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.deals.fx import require_staff
from channelbase.health import access  # noqa: F401  (registers the visibility rules of health rows)
from channelbase.health.components import Subject
from channelbase.health.models import HealthSnapshot
from channelbase.health.score import Health, compute
from channelbase.health.weights import weights_in_force
from channelbase.partners.models import Partner, PartnerStatus, Territory

# Partners that get a score: the ones being onboarded or selling (prospects and inactive ones have nothing to score).
SCORED_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)
AT_RISK_BELOW = Decimal(50)
AT_RISK_DROP = Decimal(15)
RISING_GAIN = Decimal(10)
COMPARE_DAYS = 30


def is_at_risk(score: Decimal | None, earlier: Decimal | None) -> bool:
    """Below 50, or 15 points or more under the score of 30 days ago."""
    if score is None:
        return False
    return score < AT_RISK_BELOW or (earlier is not None and earlier - score >= AT_RISK_DROP)


def is_rising(score: Decimal | None, earlier: Decimal | None) -> bool:
    """10 points or more above the score of 30 days ago."""
    return score is not None and earlier is not None and score - earlier >= RISING_GAIN


def _latest_day(on_or_before: date):
    return (select(HealthSnapshot.partner_id, func.max(HealthSnapshot.day).label("day"))
            .where(HealthSnapshot.day <= on_or_before)
            .group_by(HealthSnapshot.partner_id).subquery())


def scored_partners(actor: User, today: date) -> Select:
    """The actor's live active/onboarding partners with their latest score on or before `today` (`score`,
    `components`, `day`) and the latest score on or before 30 days earlier (`earlier`, `earlier_components`);
    None where there is no snapshot."""
    now_day, then_day = _latest_day(today), _latest_day(today - timedelta(days=COMPARE_DAYS))
    now, then = aliased(HealthSnapshot, name="now_snap"), aliased(HealthSnapshot, name="then_snap")
    stmt = (
        select(Partner.id.label("partner_id"), Partner.name, Partner.type, Partner.tier, Partner.territory_id,
               now.score.label("score"), now.components.label("components"), now.day.label("day"),
               then.score.label("earlier"), then.components.label("earlier_components"))
        .select_from(Partner)
        .outerjoin(now_day, now_day.c.partner_id == Partner.id)
        .outerjoin(now, and_(now.partner_id == Partner.id, now.day == now_day.c.day))
        .outerjoin(then_day, then_day.c.partner_id == Partner.id)
        .outerjoin(then, and_(then.partner_id == Partner.id, then.day == then_day.c.day))
        .where(Partner.deleted_at.is_(None), Partner.status.in_(SCORED_STATUSES))
    )
    return visible(stmt, actor, Partner)


def territory_paths(session: Session, territory_ids: Iterable[int]) -> dict[int, str]:
    """Materialised paths of territories ('/1/4/9/'), read for a rollup of partners already filtered by visibility."""
    ids = list(territory_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Territory.id, Territory.path).where(Territory.id.in_(ids))).all())


# Writing -------------------------------------------------------------------------------------------

CHUNK = 500  # partners scored together: bounded memory and bound parameters, still a few queries per chunk


def scored_subjects(session: Session) -> list[Subject]:
    """Every live active/onboarding partner (the daily job scores them all, whoever may read them later)."""
    rows = session.execute(select(Partner.id, Partner.tier).where(Partner.deleted_at.is_(None),
                                                                  Partner.status.in_(SCORED_STATUSES))
                           .order_by(Partner.id))
    return [Subject(partner_id, tier) for partner_id, tier in rows]


def store(session: Session, healths: dict[int, Health], day: date) -> None:
    """Write each partner's snapshot of `day`, replacing one written earlier that day."""
    existing = {row.partner_id: row for row in session.scalars(
        select(HealthSnapshot).where(HealthSnapshot.partner_id.in_(list(healths)), HealthSnapshot.day == day))}
    for partner_id, health in healths.items():
        row = existing.get(partner_id)
        if row is None:
            row = HealthSnapshot(partner_id=partner_id, day=day)
            session.add(row)
        row.score, row.components = health.score, health.to_json()
    session.flush()


def snapshot_all(session: Session, today: date) -> int:
    """Compute and store today's health of every live active/onboarding partner; returns how many."""
    subjects = scored_subjects(session)
    weights = weights_in_force(session)
    for start in range(0, len(subjects), CHUNK):
        chunk = subjects[start:start + CHUNK]
        store(session, compute(session, chunk, today, weights), today)
    return len(subjects)


# Reading one partner's history -------------------------------------------------------------------------

HISTORY_DAYS = 180


def history(session: Session, actor: User, partner_id: int, today: date, *, days: int = HISTORY_DAYS
            ) -> list[tuple[date, Decimal | None]]:
    """The partner's stored scores of the last `days` days up to `today`, oldest first (staff who see it)."""
    require_staff(actor, "see partner health")
    get_visible(session, actor, Partner, partner_id)
    stmt = visible(select(HealthSnapshot.day, HealthSnapshot.score), actor, HealthSnapshot).where(
        HealthSnapshot.partner_id == partner_id, HealthSnapshot.day <= today,
        HealthSnapshot.day > today - timedelta(days=days)).order_by(HealthSnapshot.day)
    return [(day, score) for day, score in session.execute(stmt)]
