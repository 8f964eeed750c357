"""The job queue, the runner that drives it, `channelbase worker` and `channelbase jobs`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from datetime import timedelta

import pytest

import channelbase
from sqlalchemy import delete, select

from channelbase.core import migrate
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.errors import Conflict, NotFound, NotPermitted
from channelbase.engagement import jobs, runner
from channelbase.engagement.models import Job, JobStatus
from tests.conftest import database_url

CODE = str(Path(channelbase.__file__).resolve().parents[1])  # workers run the code under test

CALLS: list[dict] = []


@jobs.handler("test.ok")
def _ok(session, payload):
    CALLS.append(payload)


@jobs.handler("test.fail")
def _fail(session, payload):
    raise RuntimeError("the partner API is down")


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()


def job(db, key: str) -> Job:
    return db.scalars(select(Job).where(Job.key == key)).one()


# The queue -----------------------------------------------------------------------------------------

def test_a_key_is_queued_once(db):
    assert jobs.enqueue(db, "test.ok", "once:1", {"n": 1}) is True
    assert jobs.enqueue(db, "test.ok", "once:1", {"n": 2}) is False
    rows = db.scalars(select(Job).where(Job.key == "once:1")).all()
    assert len(rows) == 1 and rows[0].payload == {"n": 1} and rows[0].status == JobStatus.PENDING


def test_a_claimed_job_is_not_claimed_again(db):
    now = utcnow()
    jobs.enqueue(db, "test.ok", "claim:1", run_at=now - timedelta(minutes=1))
    jobs.enqueue(db, "test.ok", "claim:later", run_at=now + timedelta(hours=1))
    first = jobs.claim(db, "worker-a", now=now)
    assert first == [job(db, "claim:1").id]
    assert jobs.claim(db, "worker-b", now=now) == []
    claimed = job(db, "claim:1")
    db.refresh(claimed)
    assert (claimed.status, claimed.claimed_by, claimed.attempts) == (JobStatus.RUNNING, "worker-a", 1)
    assert job(db, "claim:later").status == JobStatus.PENDING  # not due yet


def test_a_claim_takes_at_most_its_limit_oldest_first(db):
    now = utcnow()
    for n in range(25):
        jobs.enqueue(db, "test.ok", f"limit:{n:02d}", run_at=now - timedelta(minutes=100 - n))
    first, second = jobs.claim(db, "a", now=now, limit=10), jobs.claim(db, "b", now=now, limit=10)
    keys = dict(db.execute(select(Job.id, Job.key).where(Job.key.like("limit:%"))).all())
    assert [keys[i] for i in first] == [f"limit:{n:02d}" for n in range(10)]
    assert [keys[i] for i in second] == [f"limit:{n:02d}" for n in range(10, 20)]
    assert len(jobs.claim(db, "c", now=now, limit=10)) == 5


def test_a_job_that_succeeds_is_done(db, session_factory):
    jobs.enqueue(db, "test.ok", "ok:1", {"hello": "world"})
    db.flush()
    assert jobs.run_due(session_factory, "w") == 1
    assert CALLS == [{"hello": "world"}]
    done = job(db, "ok:1")
    db.refresh(done)
    assert done.status == JobStatus.DONE and done.finished_at is not None and done.last_error == ""


def test_a_failing_job_is_retried_with_growing_backoff(db, session_factory):
    jobs.enqueue(db, "test.fail", "fail:1")
    db.flush()
    before = utcnow()
    assert jobs.run_due(session_factory, "w") == 1
    failed = job(db, "fail:1")
    db.refresh(failed)
    assert failed.status == JobStatus.PENDING and failed.attempts == 1
    assert failed.last_error == "RuntimeError: the partner API is down"
    assert before + timedelta(minutes=2) <= failed.run_at <= utcnow() + timedelta(minutes=2)
    assert jobs.run_due(session_factory, "w") == 0  # waiting out the backoff
    later = utcnow() + timedelta(minutes=3)
    assert jobs.run_due(session_factory, "w", now=later) == 1
    db.refresh(failed)
    assert failed.attempts == 2 and failed.run_at >= later - timedelta(minutes=3) + timedelta(minutes=4)


def test_a_job_fails_for_good_after_the_last_attempt(db, session_factory):
    jobs.enqueue(db, "test.fail", "fail:forever")
    db.flush()
    far = utcnow()
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        far += timedelta(days=1)  # past any backoff
        assert jobs.run_due(session_factory, "w", now=far, limit=1) == 1
        row = job(db, "fail:forever")
        db.refresh(row)
        assert row.attempts == attempt
    assert row.status == JobStatus.FAILED and row.finished_at is not None
    assert jobs.run_due(session_factory, "w", now=far + timedelta(days=365)) == 0


def test_a_job_of_an_unknown_kind_fails_with_a_clear_error(db, session_factory):
    jobs.enqueue(db, "test.nobody", "unknown:1")
    db.flush()
    jobs.run_due(session_factory, "w")
    row = job(db, "unknown:1")
    db.refresh(row)
    assert "no handler for job kind 'test.nobody'" in row.last_error


def test_a_job_whose_worker_died_is_put_back_after_the_lease(db):
    now = utcnow()
    jobs.enqueue(db, "test.ok", "stale:1", run_at=now)
    jobs.claim(db, "dead-worker", now=now)
    assert jobs.release_stale(db, now=now + jobs.LEASE - timedelta(minutes=1)) == 0
    assert jobs.release_stale(db, now=now + jobs.LEASE + timedelta(minutes=1)) == 1
    row = job(db, "stale:1")
    db.refresh(row)
    assert row.status == JobStatus.PENDING and row.claimed_by == ""
    assert jobs.claim(db, "live-worker", now=now + jobs.LEASE + timedelta(minutes=1)) == [row.id]


# Looking after the queue ---------------------------------------------------------------------------

def test_admins_list_and_retry_failed_jobs(db, admin, lucia):
    jobs.enqueue(db, "test.fail", "retry:1")
    row = job(db, "retry:1")
    row.status, row.attempts, row.last_error = JobStatus.FAILED, jobs.MAX_ATTEMPTS, "RuntimeError: boom"
    db.flush()
    assert [j.key for j in runner.list_jobs(db, admin, status="failed")] == ["retry:1"]
    assert runner.queue_summary(db, admin)["failed"] == 1
    with pytest.raises(NotPermitted):
        runner.list_jobs(db, lucia)
    with pytest.raises(NotPermitted):
        runner.retry_job(db, lucia, row.id)
    now = utcnow()
    runner.retry_job(db, admin, row.id, now=now)
    assert (row.status, row.attempts, row.run_at) == (JobStatus.PENDING, 0, now)
    audit = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "jobs", AuditEntry.entity_id == row.id)).one()
    assert audit.action == "retry" and audit.before["status"] == "failed"
    row.status = JobStatus.DONE
    with pytest.raises(Conflict):
        runner.retry_job(db, admin, row.id)
    with pytest.raises(NotFound):
        runner.retry_job(db, admin, 987654)


def test_run_once_releases_schedules_and_runs(db, session_factory, settings, monkeypatch):
    # Monday 00:30 UTC of this week: before the digests' send time (Monday 07:00), so none are queued.
    today = utcnow()
    now = (today - timedelta(days=today.weekday())).replace(hour=0, minute=30, second=0, microsecond=0)
    jobs.enqueue(db, "test.ok", "once:stale", {"n": "stale"}, run_at=now - jobs.LEASE - timedelta(minutes=10))
    jobs.claim(db, "dead-worker", now=now - jobs.LEASE - timedelta(minutes=5))
    jobs.enqueue(db, "test.ok", "once:due", {"n": "due"}, run_at=now)
    jobs.enqueue(db, "test.ok", "once:later", {"n": "later"}, run_at=now + timedelta(hours=1))
    db.flush()
    monday_seven = settings.model_copy(update={"digest_weekday": 0, "digest_hour": 7})
    monkeypatch.setattr(runner, "DAILY_JOBS", ())  # the daily jobs (health snapshots…) have their own tests
    report = runner.run_once(session_factory, now, settings=monday_seven, worker="w")
    assert (report.released, report.scheduled, report.ran) == (1, 0, 2)
    assert sorted(c["n"] for c in CALLS) == ["due", "stale"]
    assert "ran 2 job(s)" in report.describe()


# Processes sharing a database ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_db(tmp_path_factory) -> Iterator[str]:
    """A migrated database that several threads or processes use for real (no rollback)."""
    url = database_url(tmp_path_factory.mktemp("jobs"), "jobs")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture
def shared_factory(shared_db):
    engine = make_engine(shared_db)
    factory = make_sessionmaker(engine)
    yield factory
    with unit_of_work(factory) as session:
        session.execute(delete(Job))
    engine.dispose()


def test_concurrent_claims_never_share_a_job(shared_factory):
    with unit_of_work(shared_factory) as session:
        for n in range(120):
            jobs.enqueue(session, "test.ok", f"race:{n}")
    claimed: list[list[int]] = [[] for _ in range(4)]

    def claim_all(mine: list[int]) -> None:
        while True:
            with unit_of_work(shared_factory) as session:
                ids = jobs.claim(session, threading.current_thread().name, limit=7)
            if not ids:
                return
            mine.extend(ids)

    threads = [threading.Thread(target=claim_all, args=(mine,), name=f"t{n}") for n, mine in enumerate(claimed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for mine in claimed for job_id in mine]
    print(f"\nclaims per thread: {[len(mine) for mine in claimed]}")
    assert len(every) == 120 and len(set(every)) == 120


def test_the_web_process_runs_jobs_in_a_thread_unless_told_not_to(shared_factory, settings):
    assert runner.start_in_web(shared_factory, settings.model_copy(update={"jobs_in_web": False})) is None
    with unit_of_work(shared_factory) as session:
        jobs.enqueue(session, "test.ok", "web:1", {"from": "web"})
    fast = settings.model_copy(update={"jobs_in_web": True, "digest_weekday": 6, "digest_hour": 23})
    worker = runner.start_in_web(shared_factory, fast)
    assert worker is not None
    try:
        for _ in range(600):  # a hang guard, not a time limit: wait for the job to be done
            with unit_of_work(shared_factory) as session:
                if session.scalars(select(Job.status).where(Job.key == "web:1")).one() == JobStatus.DONE:
                    break
            worker.stopping.wait(0.05)
    finally:
        worker.stop()
    assert CALLS == [{"from": "web"}]
    assert worker.name.endswith(":web")


def test_a_worker_process_stops_cleanly_on_sigterm(shared_db, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": CODE, "PYTHONUNBUFFERED": "1",
           "CHANNELBASE_DATABASE_URL": shared_db, "CHANNELBASE_DATA_DIR": str(tmp_path),
           "CHANNELBASE_DIGEST_WEEKDAY": "6", "CHANNELBASE_DIGEST_HOUR": "23"}
    process = subprocess.Popen([sys.executable, "-m", "channelbase", "worker", "--poll", "0.2", "--name", "sig"],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert "Worker sig: looking for jobs every 0.2 s" in first, process.stderr.read()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Worker sig: ran 0 job(s)" in out and "Traceback" not in err
