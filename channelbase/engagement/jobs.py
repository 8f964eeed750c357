"""A small job queue in the database: scheduled work that runs once, whichever process picks it up.

Two guarantees carry everything: a job's `key` is unique, so scheduling the same work twice (two
workers, two web processes) stores it once; and claiming flips `pending` to `running` in a single
UPDATE (on PostgreSQL over rows locked with SKIP LOCKED), so two workers never claim the same job.
Handlers run outside the claim's transaction, each in its own unit of work."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from channelbase.core.base import utcnow
from channelbase.core.db import unit_of_work
from channelbase.engagement.models import Job, JobStatus

log = logging.getLogger("channelbase.jobs")

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=15)  # a job running longer than this is taken to have died with its worker
Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func
    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(session: Session, kind: str, key: str, payload: dict[str, Any] | None = None, *,
            run_at: datetime | None = None) -> bool:
    """Store a job unless one with this key exists; True if it was new."""
    values = dict(kind=kind, key=key, payload=payload or {}, status=JobStatus.PENDING, run_at=run_at or utcnow(),
                  attempts=0, claimed_by="", last_error="", created_at=utcnow())
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Job).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(Job.id)
    return session.scalar(stmt) is not None


def claim(session: Session, worker: str, *, now: datetime | None = None, limit: int = 10) -> list[int]:
    """Claim up to `limit` due jobs for `worker`; commit right after so others see them taken."""
    now = now or utcnow()
    due = (select(Job.id).where(Job.status == JobStatus.PENDING, Job.run_at <= now)
           .order_by(Job.run_at, Job.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialised CTE: as `IN (subquery)` PostgreSQL re-ran the LIMITed subquery for every row it
    # scanned (a nested-loop semi-join), so one claim took every due job, whatever the limit.
    batch = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    stmt = (update(Job).where(Job.id.in_(select(batch.c.id)), Job.status == JobStatus.PENDING)
            .values(status=JobStatus.RUNNING, claimed_by=worker, claimed_at=now, attempts=Job.attempts + 1)
            .returning(Job.id))
    return sorted(session.scalars(stmt).all())


def release_stale(session: Session, *, now: datetime | None = None) -> int:
    """Put back jobs whose worker died mid-run (claimed longer ago than the lease)."""
    now = now or utcnow()
    stmt = (update(Job).where(Job.status == JobStatus.RUNNING, Job.claimed_at < now - LEASE)
            .values(status=JobStatus.PENDING, claimed_by="").returning(Job.id))
    return len(session.scalars(stmt).all())


def run_job(factory: sessionmaker[Session], job_id: int) -> bool:
    """Run one claimed job in its own transaction; record success, or the error and a retry with backoff."""
    with unit_of_work(factory) as session:
        job = session.get_one(Job, job_id)
        kind, payload, attempts = job.kind, dict(job.payload), job.attempts
    func = _HANDLERS.get(kind)
    try:
        if func is None:
            raise LookupError(f"no handler for job kind '{kind}'")
        with unit_of_work(factory) as session:
            func(session, payload)
    except Exception as exc:  # a failing job must not stop the worker; the error is kept on the job
        log.warning("job %s (%s) failed: %s", job_id, kind, exc)
        error = f"{type(exc).__name__}: {exc}"[:4000]
        if attempts >= MAX_ATTEMPTS:
            _record(factory, job_id, status=JobStatus.FAILED, finished_at=utcnow(), last_error=error)
        else:
            _record(factory, job_id, status=JobStatus.PENDING, claimed_by="", last_error=error,
                    run_at=utcnow() + timedelta(minutes=2 ** attempts))
        return False
    _record(factory, job_id, status=JobStatus.DONE, finished_at=utcnow(), last_error="")
    return True


def _record(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    # One UPDATE, no read first: SQLite cannot turn a read transaction into a write once another
    # process has written ("database is locked" at once, not after busy_timeout), which left sent
    # digests "running" until the lease ran out and they were sent again.
    with unit_of_work(factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def run_due(factory: sessionmaker[Session], worker: str | None = None, *, now: datetime | None = None,
            limit: int = 50) -> int:
    """Claim and run due jobs until none are left (or `limit` ran); returns how many ran."""
    worker = worker or worker_name()
    ran = 0
    while ran < limit:
        with unit_of_work(factory, writes=True) as session:
            ids = claim(session, worker, now=now, limit=min(10, limit - ran))
        if not ids:
            break
        for job_id in ids:
            run_job(factory, job_id)
            ran += 1
    return ran


def queue_depth(session: Session) -> dict[str, int]:
    from sqlalchemy import func
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return {status: count for status, count in rows}
