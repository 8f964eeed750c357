"""Two web workers and one background worker sharing one database, as deployed behind a proxy: a sign-in
on one web worker is valid on the other, the sign-in rate limit counts failures on both, and each weekly
digest is sent once although all three processes schedule and claim jobs (issue 10, acceptance 1).

Real processes on real ports, started with `channelbase serve` and `channelbase worker`; the acceptance
needs PostgreSQL (the suite's second pass), and the test passes on SQLite too."""

from __future__ import annotations

import os
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import channelbase
from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo.world import DEMO_PASSWORD, seed_world
from channelbase.engagement import digest
from channelbase.engagement.models import Job, JobStatus
from tests.conftest import database_url
from tests.ops import processes
from tests.ops.processes import Process
from tests.smtp_inbox import Inbox

EXTRA_MANAGERS = 20
MAX_FAILURES = 3
GUARDED_EMAIL, GUARDED_PASSWORD = "guarded@multiworker.example.com", "sentinel-password-1"
WORKER_NAME = "background-worker"
JOB_TRIES = 600  # x 0.1 s: a hang guard while the digests go out, not a time limit
CODE = str(Path(channelbase.__file__).resolve().parents[1])


@dataclass
class Cluster:
    web_a: str
    web_b: str
    processes: list[Process]
    factory: sessionmaker[Session]
    inbox: Inbox
    started: datetime
    claimers: set[str]  # the worker names under which the three processes claim jobs

    def output(self) -> str:
        return "\n".join(process.output() for process in self.processes)


def _seed(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        seed_world(session)
        auth_service.create_user(session, None, email=GUARDED_EMAIL, name="Guarded Admin", role=Role.ADMIN,
                                 password=GUARDED_PASSWORD)


def _add_managers(factory: sessionmaker[Session]) -> None:
    # Added once all three processes poll, so their digests are work the three find at the same time.
    with unit_of_work(factory) as session:
        session.add_all(User(email=f"manager{n:02d}@multiworker.example.com", name=f"Manager {n:02d}",
                             role=Role.MANAGER) for n in range(EXTRA_MANAGERS))


def _environment(url: str, data_dir: Path, smtp_port: int) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": CODE, "PYTHONUNBUFFERED": "1",
            "CHANNELBASE_DATABASE_URL": url, "CHANNELBASE_DATA_DIR": str(data_dir),
            "CHANNELBASE_SECRET_KEY": "multiworker-secret-" + "k" * 32,
            "CHANNELBASE_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
            "CHANNELBASE_SMTP_HOST": "127.0.0.1", "CHANNELBASE_SMTP_PORT": str(smtp_port),
            # Due from 00:00 UTC today: this week's digests go out as soon as a process looks.
            "CHANNELBASE_DIGEST_WEEKDAY": str(utcnow().weekday()), "CHANNELBASE_DIGEST_HOUR": "0",
            "CHANNELBASE_JOB_POLL_SECONDS": "1"}


def _start_processes(env: dict[str, str], folder: Path) -> tuple[list[Process], list[str]]:
    ports = [processes.free_port(), processes.free_port()]
    # The web workers run jobs too, so three processes compete for every digest.
    web_env = {**env, "CHANNELBASE_JOBS_IN_WEB": "true"}
    started = [processes.start(f"web{n}", ["serve", "--host", "127.0.0.1", "--port", str(port)], web_env, folder)
               for n, port in enumerate(ports)]
    started.append(processes.start("worker", ["worker", "--poll", "0.2", "--name", WORKER_NAME],
                                   {**env, "CHANNELBASE_JOBS_IN_WEB": "false"}, folder))
    return started, [f"http://127.0.0.1:{port}" for port in ports]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("multiworker")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=processes.free_port())
    smtp.start()
    url = database_url(folder, "multiworker")
    engine = make_engine(url)
    started: list[Process] = []
    try:
        migrate.upgrade(engine)
        factory = make_sessionmaker(engine)
        _seed(factory)
        started, (web_a, web_b) = _start_processes(_environment(url, folder, smtp.port), folder)
        health = [processes.wait_until_serving(process, base) for process, base in zip(started, (web_a, web_b))]
        processes.wait_for_output(started[2], "looking for jobs")
        print(f"\nweb workers ready (polled {health[0]}); background worker polling")
        host = socket.gethostname()
        claimers = {f"{host}:{started[0].popen.pid}:web", f"{host}:{started[1].popen.pid}:web", WORKER_NAME}
        now = utcnow()
        _add_managers(factory)
        cluster = Cluster(web_a, web_b, started, factory, inbox, now, claimers)
        yield cluster
    finally:
        processes.stop(started)
        smtp.stop()
        engine.dispose()


# Signing in ------------------------------------------------------------------------------------------

def _csrf(response: httpx.Response) -> str:
    token = response.cookies.get("cb_csrf")
    assert token, f"no CSRF cookie from {response.request.url}: {response.status_code}"
    return token


def _sign_in(base: str, email: str, password: str) -> httpx.Response:
    """GET the sign-in page for its CSRF token, then POST the form, as a browser does."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        token = _csrf(client.get("/login"))
        return client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"})


def _get(base: str, path: str, session_cookie: str) -> httpx.Response:
    return httpx.get(base + path, cookies={"cb_session": session_cookie}, follow_redirects=False, timeout=30)


def test_a_session_started_on_one_web_worker_is_valid_on_the_other_until_signed_out(cluster):
    signed_in = _sign_in(cluster.web_a, "lucia@channelbase.demo", DEMO_PASSWORD)
    assert signed_in.status_code == 303, cluster.output()
    cookie = signed_in.cookies.get("cb_session")
    assert cookie

    page = _get(cluster.web_b, "/today", cookie)
    assert page.status_code == 200, f"{page.status_code} {page.headers.get('location')}\n{cluster.output()}"
    assert "Lucía Fernández" in page.text

    csrf = _csrf(page)
    signed_out = httpx.post(cluster.web_b + "/logout", cookies={"cb_session": cookie, "cb_csrf": csrf},
                            data={"csrf_token": csrf}, follow_redirects=False, timeout=30)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    refused = _get(cluster.web_a, "/today", cookie)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_failed_sign_ins_on_both_web_workers_count_toward_one_limit(cluster):
    # The password is right: before any failure it signs in.
    assert _sign_in(cluster.web_b, GUARDED_EMAIL, GUARDED_PASSWORD).status_code == 303, cluster.output()
    for base in (cluster.web_a, cluster.web_a, cluster.web_b):
        wrong = _sign_in(base, GUARDED_EMAIL, "not-the-password")
        assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.text, cluster.output()
    # Worker A saw two failures and worker B one: each refuses only because they share the count.
    for base in (cluster.web_a, cluster.web_b):
        refused = _sign_in(base, GUARDED_EMAIL, GUARDED_PASSWORD)
        assert refused.status_code == 429, cluster.output()
        assert "Too many failed sign-ins for this account." in refused.text
        assert "cb_session" not in refused.cookies


# Background jobs -------------------------------------------------------------------------------------

def _managers(factory: sessionmaker[Session]) -> dict[int, str]:
    with unit_of_work(factory) as session:
        rows = session.execute(select(User.id, User.email).where(User.role == Role.MANAGER))
        return {user_id: email for user_id, email in rows}


def _digest_jobs(factory: sessionmaker[Session]) -> list[Job]:
    with unit_of_work(factory) as session:
        return list(session.scalars(select(Job).where(Job.kind == digest.KIND).order_by(Job.id)))


def _wait_for_digests(cluster: Cluster) -> list[Job]:
    """The digest jobs once one per manager is queued and all are done."""
    count = len(_managers(cluster.factory))
    for _ in range(JOB_TRIES):
        jobs = _digest_jobs(cluster.factory)
        if len(jobs) >= count and all(job.status == JobStatus.DONE for job in jobs):
            return jobs
        time.sleep(0.1)
    states = Counter(job.status for job in _digest_jobs(cluster.factory))
    raise AssertionError(f"digests not all done: {dict(states)} of {count}\n{cluster.output()}")


def test_each_managers_weekly_digest_is_sent_exactly_once_by_three_competing_processes(cluster):
    managers = _managers(cluster.factory)
    assert len(managers) == EXTRA_MANAGERS + 2  # lucia and nathan from the demo world
    jobs = _wait_for_digests(cluster)

    assert sorted(job.key for job in jobs) == sorted(digest.job_key(user_id, cluster.started) for user_id in managers)
    assert Counter((job.status, job.attempts) for job in jobs) == {(JobStatus.DONE, 1): len(managers)}
    claimed = Counter(job.claimed_by for job in jobs)
    assert set(claimed) <= cluster.claimers, f"claimed by {dict(claimed)}; expected only {cluster.claimers}"
    print(f"\n{len(jobs)} digests claimed by {len(claimed)} process(es): {dict(claimed)}")

    recipients = Counter(cluster.inbox.recipients())
    assert set(recipients) == set(managers.values())
    duplicates = {address: times for address, times in recipients.items() if times > 1}
    assert not duplicates, f"sent more than once: {duplicates}"
    assert all(message["Subject"].startswith("Your week in Channelbase") for _to, message in cluster.inbox.received)
