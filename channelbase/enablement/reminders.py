"""The daily renewal reminders as a job: queued once a day by the job runner, run by any worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.engagement import jobs
from channelbase.engagement.models import Job
from channelbase.enablement.certifications import REMIND_DAYS, remind_expiring
from channelbase.enablement.models import Certification

KIND = "certification_reminders"


def job_key(day: date) -> str:
    return f"{KIND}:{day.isoformat()}"


def due_today(session: Session, now: datetime) -> bool:
    """Whether today's reminder job is still to be queued: some certification lapses within the reminder
    window without a reminder, and no job for today exists yet. Reads only, so a quiet poll writes nothing."""
    today = now.date()
    lapsing = select(Certification.id).where(
        Certification.expires_on >= today, Certification.expires_on <= today + timedelta(days=REMIND_DAYS),
        Certification.reminder_task_id.is_(None)).limit(1)
    if session.scalar(lapsing) is None:
        return False
    return session.scalar(select(Job.id).where(Job.key == job_key(today))) is None


def enqueue_today(session: Session, now: datetime) -> bool:
    return jobs.enqueue(session, KIND, job_key(now.date()), {"day": now.date().isoformat()}, run_at=now)


@jobs.handler(KIND)
def run_reminders(session: Session, payload: dict[str, Any]) -> None:
    remind_expiring(session, today=date.fromisoformat(payload["day"]))
