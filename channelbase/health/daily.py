"""Today's health snapshot of every live active/onboarding partner, as a job: queued once a day by the job
runner (engagement/runner.py DAILY_JOBS), run by any worker. The lists and the sparklines read these rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.core.db import WRITES
from channelbase.engagement import jobs
from channelbase.engagement.models import Job
from channelbase.health.snapshots import SCORED_STATUSES, snapshot_all
from channelbase.partners.models import Partner

KIND = "health_snapshot"


def job_key(now: datetime) -> str:
    return f"{KIND}:{now.date().isoformat()}"


def due_today(session: Session, now: datetime) -> bool:
    """Whether today's snapshot is still to be queued: a partner to score exists and no job for today does.
    Reads only, so a quiet poll writes nothing."""
    scored = select(Partner.id).where(Partner.deleted_at.is_(None), Partner.status.in_(SCORED_STATUSES)).limit(1)
    if session.scalar(scored) is None:
        return False
    return session.scalar(select(Job.id).where(Job.key == job_key(now))) is None


def enqueue_today(session: Session, now: datetime) -> bool:
    return jobs.enqueue(session, KIND, job_key(now), {"day": now.date().isoformat()}, run_at=now)


@jobs.handler(KIND)
def run_snapshot(session: Session, payload: dict[str, Any]) -> None:
    # Reads, then writes: on SQLite take the write lock first, or another writer committing in between makes
    # the first write fail at once ("database is locked").
    session.connection(execution_options={WRITES: True})
    snapshot_all(session, date.fromisoformat(payload["day"]))
