"""The demo's health history: today's snapshot of every scored partner computed from the real components, and
weekly snapshots of the 12 weeks before, made up around it so that the lists and sparklines show something:
about one partner in five was healthier a month ago (a drop that puts it at risk), one in five was weaker (rising),
the rest wander a few points. Deterministic: the story of each partner follows from its name."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from channelbase.health.models import HealthSnapshot
from channelbase.health.snapshots import snapshot_all
from channelbase.partners.models import Partner

WEEKS = 12
RAMP_DAYS = 35  # a trend builds over five weeks, then the score holds
DROP, RISE, WANDER = Decimal(22), Decimal(16), 4  # points: a falling partner's loss, a rising one's gain, noise
_TENTH = Decimal("0.1")


def _seed(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def _story(seed: int) -> Decimal:
    """How much higher than today the partner scored at the start of the ramp: + falling, - rising, 0 steady."""
    kind = seed % 5
    return DROP if kind == 0 else -RISE if kind == 1 else Decimal(0)


def _noise(seed: int, week: int) -> Decimal:
    return Decimal((seed >> (week % 24)) % (2 * WANDER + 1) - WANDER)


def _moved(components: list[dict[str, Any]], offset: Decimal) -> tuple[Decimal | None, list[dict]]:
    """The components as they might have been `offset` points higher: two of the counted ones carry the whole
    move (so the lists show what drove it), and the score is recomputed from them with the same shares."""
    counted = [c for c in components if c.get("share") is not None and c.get("score") is not None]
    if not counted:
        return None, components
    # A partner that fell had room to fall in its weakest components; one that rose, in its strongest.
    ranked = sorted(counted, key=lambda c: (Decimal(c["score"]), c["key"]), reverse=offset < 0)
    movers = {c["key"] for c in ranked[:2]}
    mover_share = sum(Decimal(c["share"]) for c in counted if c["key"] in movers)
    result, total = [], Decimal(0)
    for item in components:
        item = dict(item)
        if item.get("share") is not None and item.get("score") is not None:
            score = Decimal(item["score"])
            if item["key"] in movers and mover_share:
                score = min(Decimal(100), max(Decimal(0), score + offset * 100 / mover_share)).quantize(_TENTH)
            item["score"] = str(score)
            total += Decimal(item["share"]) * score / 100
        result.append(item)
    return total.quantize(_TENTH, ROUND_HALF_UP), result


def _past_rows(snapshot: HealthSnapshot, name: str, today: date) -> list[dict[str, Any]]:
    seed = _seed(name)
    story = _story(seed)
    rows = []
    for week in range(1, WEEKS + 1):
        days = 7 * week
        offset = story * min(days, RAMP_DAYS) / RAMP_DAYS + _noise(seed, week)
        score, components = _moved(snapshot.components, offset)
        rows.append({"partner_id": snapshot.partner_id, "day": today - timedelta(days=days), "score": score,
                     "components": components})
    return rows


def load_health(session: Session, today: date) -> dict[str, int]:
    """Today's real snapshots and 12 weekly ones before them, for every scored partner."""
    snapshot_all(session, today)
    todays = session.execute(select(HealthSnapshot, Partner.name).join(Partner, Partner.id == HealthSnapshot.partner_id)
                             .where(HealthSnapshot.day == today).order_by(HealthSnapshot.partner_id)).all()
    rows = [row for snapshot, name in todays if snapshot.score is not None
            for row in _past_rows(snapshot, name, today)]
    for start in range(0, len(rows), 5000):  # bulk: the large demo has thousands of partners
        session.execute(insert(HealthSnapshot), rows[start:start + 5000])
    session.flush()
    return {"health_snapshots": len(todays) + len(rows)}
