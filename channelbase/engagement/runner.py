"""Running background jobs: one pass (`run_once`), a loop in a thread of the web process (the default,
enough for SQLite and small teams), or `channelbase worker` processes sharing PostgreSQL.

Every pass puts back jobs whose worker died, queues the weekly digests once they are due, then claims
and runs due jobs. Any number of web processes and workers may do this at once: the job queue's
unique keys and single-statement claims make each job run once (see `jobs`)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.config import Settings, get_settings
from channelbase.core.db import unit_of_work
from channelbase.core.errors import Conflict, NotFound, NotPermitted
from channelbase.engagement import digest, jobs
from channelbase.enablement import reminders
from channelbase.health import daily as health_daily
from channelbase.onboarding import daily as onboarding_daily
from channelbase.engagement.models import Job, JobStatus
from channelbase.webhooks import delivery as webhook_delivery

log = logging.getLogger("channelbase.jobs")

BATCH = 50  # jobs per pass; a worker passes again at once while there are more
# Once-a-day jobs, queued only when something is due (each module: due_today(session, now), enqueue_today).
DAILY_JOBS = (reminders, onboarding_daily, health_daily)


@dataclass
class RunReport:
    released: int = 0
    scheduled: int = 0
    ran: int = 0

    def __add__(self, other: RunReport) -> RunReport:
        return RunReport(self.released + other.released, self.scheduled + other.scheduled, self.ran + other.ran)

    def describe(self) -> str:
        return f"ran {self.ran} job(s); queued {self.scheduled} digest(s); put back {self.released} stale job(s)"


def run_once(factory: sessionmaker[Session], now: datetime | None = None, *, settings: Settings | None = None,
             worker: str | None = None, limit: int = BATCH) -> RunReport:
    """One pass: release stale jobs, schedule due digests and today's daily jobs (certification reminders, onboarding steps, health snapshots), run due jobs
    (each in its own transaction)."""
    settings = settings or get_settings()
    context = digest.current_settings.set(settings)
    try:
        with unit_of_work(factory, writes=True) as session:
            released = jobs.release_stale(session, now=now)
        with unit_of_work(factory) as session:
            managers = digest.managers_to_schedule(session, now or utcnow(), settings=settings)
        scheduled = 0
        if managers:
            with unit_of_work(factory, writes=True) as session:
                scheduled = digest.enqueue_digests(session, managers, now or utcnow(), settings=settings)
        for daily in DAILY_JOBS:
            with unit_of_work(factory) as session:
                due = daily.due_today(session, now or utcnow())
            if due:
                with unit_of_work(factory, writes=True) as session:
                    daily.enqueue_today(session, now or utcnow())
        ran = jobs.run_due(factory, worker, now=now, limit=limit)
        ran += webhook_delivery.background_pass(factory, now)  # due webhooks; counted as jobs run
    finally:
        digest.current_settings.reset(context)
    return RunReport(released, scheduled, ran)


class Worker:
    """Passes over the queue until stopped: at once while there is work, else every `poll` seconds."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, name: str | None = None,
                 poll: float | None = None):
        self.factory, self.settings = factory, settings
        self.name = name or jobs.worker_name()
        self.poll = poll if poll is not None else settings.job_poll_seconds
        self.stopping = threading.Event()
        self.total = RunReport()

    def stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        """Finish the job in hand, then stop (also the SIGTERM/SIGINT handler)."""
        if signum is not None:
            log.info("worker %s: signal %s, stopping after the current job", self.name, signum)
        self.stopping.set()

    def install_signal_handlers(self) -> Callable[[], None]:
        """Stop on SIGTERM and SIGINT (main thread only); returns a function putting the old handlers back."""
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return restore

    def run(self, *, once: bool = False) -> RunReport:
        """Loop until stopped; with `once`, until no job is due (raising what went wrong)."""
        while not self.stopping.is_set():
            try:
                report = run_once(self.factory, settings=self.settings, worker=self.name)
            except Exception:
                if once:
                    raise
                # The database may be restarting: a worker that dies here would need a human to restart it.
                log.exception("worker %s: job pass failed; retrying in %s s", self.name, self.poll)
                self.stopping.wait(self.poll)
                continue
            self.total = self.total + report
            if report.ran:
                continue
            if once:
                break
            self.stopping.wait(self.poll)
        return self.total


def start_in_web(factory: sessionmaker[Session], settings: Settings) -> Worker | None:
    """Run jobs in a daemon thread of this web process, unless CHANNELBASE_JOBS_IN_WEB is false."""
    if not settings.jobs_in_web:
        return None
    worker = Worker(factory, settings, name=f"{jobs.worker_name()}:web")
    threading.Thread(target=worker.run, name="channelbase-jobs", daemon=True).start()
    log.info("running background jobs in the web process every %s s", worker.poll)
    return worker


# Looking after the queue (admins) ------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only admins may look after background jobs.")


def list_jobs(session: Session, actor: User, *, status: str | None = None, kind: str | None = None,
              limit: int = 50) -> list[Job]:
    """The latest jobs, newest first, optionally of one status and kind."""
    _require_admin(actor)
    stmt = select(Job)
    if status:
        stmt = stmt.where(Job.status == status)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return list(session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))


def queue_summary(session: Session, actor: User) -> dict[str, int]:
    _require_admin(actor)
    return {status.value: jobs.queue_depth(session).get(status.value, 0) for status in JobStatus}


def retry_job(session: Session, actor: User, job_id: int, *, now: datetime | None = None) -> Job:
    """Run a failed (or waiting) job again as soon as a worker is free, with a fresh set of attempts."""
    _require_admin(actor)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job #{job_id}.")
    if job.status not in (JobStatus.FAILED, JobStatus.PENDING):
        raise Conflict(f"Job #{job_id} is {job.status}; only failed or waiting jobs can be retried.")
    before = audit.snapshot(job)
    job.status, job.attempts, job.run_at = JobStatus.PENDING, 0, now or utcnow()
    job.claimed_by, job.finished_at = "", None
    audit.record(session, actor, "retry", job, before)
    return job
