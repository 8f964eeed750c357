"""How the funnel performs, from the stage history: conversion between consecutive stages, the average days a
prospect spends in each stage, and the average time to recruit (identified → signed)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import channelbase.recruitment.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.partners.common import require_staff
from channelbase.partners.models import Partner
from channelbase.partners.territories import territory_and_below
from channelbase.recruitment.models import FUNNEL, STAGE_LABELS, RecruitmentStageChange, Stage

DAY = 86400.0


@dataclass(frozen=True)
class Conversion:
    from_stage: str
    to_stage: str
    reached_from: int
    reached_to: int

    @property
    def rate(self) -> float | None:
        """Share of the prospects that reached this stage and went on to the next (None: nobody reached it)."""
        return self.reached_to / self.reached_from if self.reached_from else None

    @property
    def label(self) -> str:
        return f"{STAGE_LABELS[self.from_stage]} → {STAGE_LABELS[self.to_stage]}"


@dataclass(frozen=True)
class StageTime:
    stage: str
    average_days: float | None  # None: no prospect has left this stage yet
    stays: int

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True)
class FunnelMetrics:
    conversions: list[Conversion]
    stage_times: list[StageTime]
    days_to_recruit: float | None
    recruited: int

    @property
    def longest_stay(self) -> float:
        return max((t.average_days or 0 for t in self.stage_times), default=0)


def funnel_metrics(session: Session, actor: User, *, territory_id: int | None = None,
                   partner_type: str | None = None) -> FunnelMetrics:
    """Conversion, days per stage and time to recruit over the visible prospects (optionally filtered)."""
    require_staff(actor, "read recruitment figures")
    histories = _histories(session, actor, territory_id, partner_type)
    return FunnelMetrics(_conversions(histories), _stage_times(histories), *_time_to_recruit(histories))


def _histories(session: Session, actor: User, territory_id: int | None, partner_type: str | None
               ) -> list[list[tuple[str, datetime]]]:
    """Each visible prospect's moves, oldest first, as (stage entered, when): one query."""
    stmt = (visible(select(RecruitmentStageChange.partner_id, RecruitmentStageChange.to_stage,
                           RecruitmentStageChange.changed_at), actor, RecruitmentStageChange)
            .join(Partner, Partner.id == RecruitmentStageChange.partner_id).where(Partner.deleted_at.is_(None))
            .order_by(RecruitmentStageChange.partner_id, RecruitmentStageChange.changed_at,
                      RecruitmentStageChange.id))
    if territory_id is not None:
        stmt = stmt.where(Partner.territory_id.in_(territory_and_below(territory_id)))
    if partner_type:
        stmt = stmt.where(Partner.type == partner_type)
    by_partner: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for partner_id, stage, changed_at in session.execute(stmt):
        by_partner[partner_id].append((stage, changed_at))
    return list(by_partner.values())


def _furthest(history: list[tuple[str, datetime]]) -> int:
    """Index in FUNNEL of the furthest stage reached (a skipped stage counts as passed); -1 for none."""
    return max((FUNNEL.index(Stage(stage)) for stage, _at in history if stage in FUNNEL), default=-1)


def _conversions(histories: list[list[tuple[str, datetime]]]) -> list[Conversion]:
    reached = [0] * len(FUNNEL)
    for history in histories:
        for index in range(_furthest(history) + 1):
            reached[index] += 1
    return [Conversion(FUNNEL[i], FUNNEL[i + 1], reached[i], reached[i + 1]) for i in range(len(FUNNEL) - 1)]


def _stage_times(histories: list[list[tuple[str, datetime]]]) -> list[StageTime]:
    """Average length of the stays that ended (entering a stage until the next move) per stage."""
    stays: dict[str, list[float]] = defaultdict(list)
    for history in histories:
        for (stage, entered), (_next, left) in zip(history, history[1:], strict=False):
            stays[stage].append((left - entered).total_seconds() / DAY)
    return [StageTime(stage, round(sum(stays[stage]) / len(stays[stage]), 1) if stays[stage] else None,
                      len(stays[stage])) for stage in FUNNEL[:-1]]


def _time_to_recruit(histories: list[list[tuple[str, datetime]]]) -> tuple[float | None, int]:
    """Average days from the first record of a prospect to its signing, and how many signed."""
    durations = []
    for history in histories:
        signed = next((at for stage, at in history if stage == Stage.SIGNED), None)
        if signed is not None:
            durations.append((signed - history[0][1]).total_seconds() / DAY)
    return (round(sum(durations) / len(durations), 1) if durations else None), len(durations)
