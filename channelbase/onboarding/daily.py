"""The daily refresh of onboarding journeys as a job: queued once a day by the job runner, run by any worker.
Pages refresh the journeys they show; this catches the journeys nobody opened (so the list's sorting by
progress and the completion dates stay true)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.core.db import WRITES
from channelbase.engagement import jobs
from channelbase.engagement.models import Job
from channelbase.onboarding.models import PartnerJourney
from channelbase.onboarding.rules import refresh_all

KIND = "onboarding_refresh"


def job_key(now: datetime) -> str:
    return f"{KIND}:{now.date().isoformat()}"


def due_today(session: Session, now: datetime) -> bool:
    """Whether today's refresh is still to be queued: a journey is open and no job for today exists yet.
    Reads only, so a quiet poll writes nothing."""
    if session.scalar(select(PartnerJourney.id).where(PartnerJourney.completed_on.is_(None)).limit(1)) is None:
        return False
    return session.scalar(select(Job.id).where(Job.key == job_key(now))) is None


def enqueue_today(session: Session, now: datetime) -> bool:
    return jobs.enqueue(session, KIND, job_key(now), {"at": now.isoformat()}, run_at=now)


@jobs.handler(KIND)
def run_refresh(session: Session, payload: dict[str, Any]) -> None:
    # The job reads, then writes: on SQLite take the write lock first, or another writer committing in
    # between makes the first write fail at once ("database is locked").
    session.connection(execution_options={WRITES: True})
    refresh_all(session)
