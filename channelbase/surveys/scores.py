"""Net promoter score arithmetic: 9–10 promoters, 7–8 passives, 0–6 detractors; NPS is the percentage of
promoters minus the percentage of detractors, from −100 to 100."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.surveys.models import SurveyAnswer

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
_PLACES = Decimal("0.1")
_CHUNK = 500  # ids per IN (...): SQLite limits bound parameters


def is_detractor(score: int) -> bool:
    return score <= DETRACTOR_MAX


def is_promoter(score: int) -> bool:
    return score >= PROMOTER_MIN


@dataclass(frozen=True)
class Breakdown:
    """How many answers were promoters, passives and detractors, and the NPS they make."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> Decimal | None:
        """None without answers (no score is not a score of 0)."""
        if not self.total:
            return None
        return (Decimal(100 * (self.promoters - self.detractors)) / self.total).quantize(_PLACES, ROUND_HALF_UP)

    def share(self, part: int) -> Decimal:
        """A part as a percentage of all answers, for bars and labels."""
        return (Decimal(100 * part) / self.total).quantize(_PLACES, ROUND_HALF_UP) if self.total else Decimal(0)

    def plus(self, score: int, count: int = 1) -> Breakdown:
        if is_promoter(score):
            return Breakdown(self.promoters + count, self.passives, self.detractors)
        if is_detractor(score):
            return Breakdown(self.promoters, self.passives, self.detractors + count)
        return Breakdown(self.promoters, self.passives + count, self.detractors)


def breakdown(scores: Iterable[int]) -> Breakdown:
    result = Breakdown()
    for score in scores:
        result = result.plus(score)
    return result


def breakdown_of_counts(counts: Iterable[tuple[int, int]]) -> Breakdown:
    """From (score, how many) pairs, as a GROUP BY returns them."""
    result = Breakdown()
    for score, count in counts:
        result = result.plus(score, count)
    return result


def nps(scores: Iterable[int]) -> Decimal | None:
    return breakdown(scores).nps


def window_start(today: date, days: int) -> datetime:
    """The first moment (UTC) of a window of `days` days ending with `today`."""
    return datetime.combine(today - timedelta(days=days - 1), time.min, timezone.utc)


def partner_nps(session: Session, partner_ids: Sequence[int], today: date, *, days: int = 365
                ) -> dict[int, Decimal | None]:
    """Each partner's NPS over its answers of the last `days` days up to `today` (None: no answers).

    Not limited by an actor: the health score computes it for every partner and shows it to whoever may
    see the partner."""
    result: dict[int, Decimal | None] = {partner_id: None for partner_id in partner_ids}
    if not result:
        return result
    start, end = window_start(today, days), datetime.combine(today + timedelta(days=1), time.min, timezone.utc)
    ids = list(result)
    counts: dict[int, list[tuple[int, int]]] = {}
    for first in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(SurveyAnswer.partner_id, SurveyAnswer.nps, func.count())
            .where(SurveyAnswer.partner_id.in_(ids[first:first + _CHUNK]), SurveyAnswer.answered_at >= start,
                   SurveyAnswer.answered_at < end)
            .group_by(SurveyAnswer.partner_id, SurveyAnswer.nps))
        for partner_id, score, count in rows:
            counts.setdefault(partner_id, []).append((score, count))
    for partner_id, pairs in counts.items():
        result[partner_id] = breakdown_of_counts(pairs).nps
    return result
