"""The demo's health history: today's real snapshots and twelve weekly ones before them, varied enough that the
lists and sparklines show something, and the same every time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from channelbase.health.demo import WEEKS, load_health
from channelbase.health.models import HealthSnapshot
from channelbase.health.score import compute
from channelbase.health.snapshots import scored_subjects

from tests.health.conftest import TODAY


def test_load_health_stores_today_and_weekly_history_for_every_scored_partner(db, world):
    added = load_health(db, TODAY)
    assert added == {"health_snapshots": 4 * (WEEKS + 1)}
    assert db.scalar(select(func.count(func.distinct(HealthSnapshot.day)))) == WEEKS + 1
    today = {row.partner_id: row.score for row in db.scalars(select(HealthSnapshot).where(HealthSnapshot.day == TODAY))}
    assert today == {pid: h.score for pid, h in compute(db, scored_subjects(db), TODAY).items()}
    scores = list(db.scalars(select(HealthSnapshot.score)))
    assert all(Decimal(0) <= score <= Decimal(100) for score in scores)
    assert len(set(scores)) > 4  # the history varies


def test_each_past_snapshot_agrees_with_its_components(db, world):
    load_health(db, TODAY)
    past = db.scalars(select(HealthSnapshot).where(HealthSnapshot.day == TODAY - timedelta(days=28))).all()
    for row in past:
        counted = [c for c in row.components if c["share"] is not None]
        total = sum(Decimal(c["share"]) * Decimal(c["score"]) / 100 for c in counted)
        assert abs(total - row.score) <= Decimal("0.1")
