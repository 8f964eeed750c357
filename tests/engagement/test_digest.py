"""The weekly digest: scheduling, what it says, sending through a real SMTP server on 127.0.0.1, the
CLI, and two workers sending 100 managers' digests at once without sending any twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from datetime import timedelta
from email.message import EmailMessage

import pytest

import channelbase
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from channelbase import cli_support
from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.config import Settings
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.errors import NotFound, NotPermitted
from channelbase.engagement import activities, cadence, cli_jobs, digest, runner
from channelbase.engagement.models import Job, JobStatus
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn
from channelbase.partners import service as partners, territories
from channelbase.partners.models import Partner
from channelbase.partners.schemas import PartnerCreate, TerritoryCreate
from tests.cli_harness import cli_database, invoke
from tests.conftest import database_url
from tests.smtp_inbox import Inbox

CODE = str(Path(channelbase.__file__).resolve().parents[1])  # workers run the code under test

BASE = "https://crm.example.com"
MANAGERS = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def mail_settings(settings, smtp):
    # Digests due from Monday 00:00 UTC: whatever day the tests run, this week's are due.
    return settings.model_copy(update={"smtp_port": smtp[0], "base_url": BASE, "digest_weekday": 0,
                                       "digest_hour": 0})


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def overdue_priority_partners(db, admin, lucia, world) -> None:
    cadence.create_rule(db, admin, CadenceRuleIn(name="Priority partners", every_days=14, counted_types=["call"],
                                                 is_priority=True))
    for key in ("abertas", "delta"):
        activities.log_activity(db, lucia, ActivityCreate(partner_id=world.partners[key], type="call",
                                                          summary="Last call", occurred_at=utcnow() - timedelta(days=30)))
    db.flush()


# Scheduling ----------------------------------------------------------------------------------------

def test_digests_are_queued_once_a_week_per_active_manager_after_the_send_time(db, world, settings):
    wednesday_nine = settings.model_copy(update={"digest_weekday": 2, "digest_hour": 9})
    monday = utcnow() - timedelta(days=utcnow().weekday())
    before = monday.replace(hour=12) + timedelta(days=1)  # Tuesday noon
    after = monday.replace(hour=9, minute=0, second=1) + timedelta(days=2)  # Wednesday 09:00:01
    assert digest.schedule_digests(db, before, settings=wednesday_nine) == 0
    assert digest.schedule_digests(db, after, settings=wednesday_nine) == 2  # Lucía and Nathan; no admins
    assert digest.schedule_digests(db, after + timedelta(days=3), settings=wednesday_nine) == 0  # same week
    year, week, _ = after.isocalendar()
    queued = db.scalars(select(Job).where(Job.kind == "digest").order_by(Job.key)).all()
    assert sorted(j.key for j in queued) == sorted(f"digest:{world.users[k]}:{year}-W{week:02d}"
                                                   for k in ("lucia", "nathan"))
    assert all(j.run_at == digest.send_time(after, wednesday_nine) for j in queued)
    db.get(User, world.users["nathan"]).is_active = False
    db.flush()
    assert digest.schedule_digests(db, after + timedelta(days=7), settings=wednesday_nine) == 1  # next week: Lucía


# What it says ----------------------------------------------------------------------------------------

def test_the_digest_leads_with_actions_and_links_back(db, admin, lucia, world, mail_settings):
    overdue_priority_partners(db, admin, lucia, world)
    composed = digest.compose_digest(db, lucia, settings=mail_settings)
    assert composed.summary[0] == "2 priority partners overdue"
    assert "1 registration awaiting your decision" in composed.summary
    assert composed.subject.startswith("Your week in Channelbase: 2 priority partners overdue, 2 partners to contact")
    assert "Soluções Abertas Ltda." in composed.text and "Distribuidora Delta S.A." in composed.text
    assert f"{BASE}/partners/{world.partners['abertas']}" in composed.text
    assert f"{BASE}/registrations/{world.registrations['abertas']}" in composed.text
    assert f'href="{BASE}/today"' in composed.html and "Soluções Abertas Ltda." in composed.html


def test_a_manager_with_nothing_to_act_on_gets_an_all_clear(db, nathan, mail_settings):
    composed = digest.compose_digest(db, nathan, settings=mail_settings)
    assert composed.summary == [] and composed.subject == "Your week in Channelbase: all clear"
    assert "All clear" in composed.text


def test_names_in_the_html_are_escaped(db, admin, lucia, world, mail_settings):
    cadence.create_rule(db, admin, CadenceRuleIn(name="<b>Everyone</b>", every_days=1, counted_types=["call"]))
    partners.create_partner(db, admin, PartnerCreate(name="Tom & <Jerry> Ltda.", type="var", status="active",
                                                     territory_id=world.territories["brazil"], country="BR"))
    db.execute(update(Partner).values(created_at=utcnow() - timedelta(days=10)))
    composed = digest.compose_digest(db, lucia, settings=mail_settings)
    assert "Tom &amp; &lt;Jerry&gt; Ltda." in composed.html and "<Jerry>" not in composed.html
    assert "&lt;b&gt;Everyone&lt;/b&gt;" in composed.html
    assert "Tom & <Jerry> Ltda." in composed.text


# Sending ---------------------------------------------------------------------------------------------

def test_the_digest_job_sends_each_manager_one_e_mail(db, admin, lucia, world, session_factory, smtp, mail_settings, monkeypatch):
    overdue_priority_partners(db, admin, lucia, world)
    _port, inbox = smtp
    monkeypatch.setattr(runner, "DAILY_JOBS", ())  # the daily jobs (health snapshots…) have their own tests
    report = runner.run_once(session_factory, settings=mail_settings, worker="w")
    assert (report.scheduled, report.ran) == (2, 2)
    assert sorted(r for recipients, _ in inbox.received for r in recipients) == [
        "lucia@channelbase.demo", "nathan@channelbase.demo"]
    [message] = inbox.to("lucia@channelbase.demo")
    assert message["Subject"].startswith("Your week in Channelbase: 2 priority partners overdue")
    assert message["From"] == mail_settings.smtp_from and message["To"] == "lucia@channelbase.demo"
    text, html = parts(message)
    assert "Soluções Abertas Ltda." in text and f"{BASE}/partners/{world.partners['abertas']}" in text
    assert f'<a href="{BASE}/partners/{world.partners["abertas"]}">' in html
    assert inbox.to("nathan@channelbase.demo")[0]["Subject"] == "Your week in Channelbase: all clear"
    assert runner.run_once(session_factory, settings=mail_settings, worker="w").ran == 0
    assert len(inbox.received) == 2  # the next pass sends nothing again
    statuses = db.scalars(select(Job.status).where(Job.kind == "digest")).all()
    assert statuses == [JobStatus.DONE, JobStatus.DONE]


def test_a_disabled_manager_gets_no_digest(db, world, session_factory, smtp, mail_settings):
    digest.schedule_digests(db, settings=mail_settings)
    db.get(User, world.users["nathan"]).is_active = False
    db.flush()
    runner.run_once(session_factory, settings=mail_settings, worker="w")
    assert [r for recipients, _ in smtp[1].received for r in recipients] == ["lucia@channelbase.demo"]


def test_an_unreachable_smtp_server_leaves_the_digest_for_a_retry(db, lucia, session_factory, mail_settings):
    closed = mail_settings.model_copy(update={"smtp_port": free_port()})
    runner.run_once(session_factory, settings=closed, worker="w")
    job = db.scalars(select(Job).where(Job.key.like(f"digest:{lucia.id}:%"))).one()
    db.refresh(job)
    assert job.status == JobStatus.PENDING and job.attempts == 1
    assert job.last_error.startswith("MailError: Could not send e-mail to lucia@channelbase.demo through SMTP "
                                     f"server 127.0.0.1:{closed.smtp_port}")


def test_only_admins_send_someone_elses_digest(db, admin, lucia, ana, smtp, mail_settings):
    sent = digest.send_digest_now(db, admin, "Nathan@Channelbase.demo", settings=mail_settings)
    assert sent.to == "nathan@channelbase.demo" and smtp[1].to("nathan@channelbase.demo")
    with pytest.raises(NotPermitted):
        digest.send_digest_now(db, lucia, "nathan@channelbase.demo", settings=mail_settings)
    with pytest.raises(NotPermitted):
        digest.send_digest_now(db, ana, settings=mail_settings)
    with pytest.raises(NotFound):
        digest.send_digest_now(db, admin, "nobody@channelbase.demo", settings=mail_settings)


def test_the_cli_sends_and_previews_digests_and_lists_jobs(tmp_path, smtp, monkeypatch):
    port, inbox = smtp
    monkeypatch.setenv("CHANNELBASE_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANNELBASE_BASE_URL", BASE)
    monkeypatch.setenv("CHANNELBASE_DIGEST_WEEKDAY", "0")
    monkeypatch.setenv("CHANNELBASE_DIGEST_HOUR", "0")
    with cli_database(tmp_path, wide_consoles=(cli_jobs,)):
        sent = invoke("--as", "lucia@channelbase.demo", "digest", "send", "--to-self")
        assert sent.exit_code == 0, sent.output
        assert "to lucia@channelbase.demo" in sent.stdout and len(inbox.to("lucia@channelbase.demo")) == 1
        refused = invoke("--as", "lucia@channelbase.demo", "digest", "send", "--user", "nathan@channelbase.demo")
        assert refused.exit_code == 1 and "Only admins" in refused.output
        assert invoke("digest", "send").exit_code == 1  # neither --to-self nor --user
        assert invoke("digest", "send", "--user", "nathan@channelbase.demo").exit_code == 0
        preview = invoke("digest", "preview", "--user", "lucia@channelbase.demo")
        assert preview.exit_code == 0 and "Subject: Your week in Channelbase:" in preview.stdout
        assert f"{BASE}/today" in preview.stdout
        assert len(inbox.received) == 2  # previews send nothing
        listed = invoke("jobs", "list")
        assert listed.exit_code == 0 and "0 pending" in listed.stdout and "No jobs." in listed.stdout
        monkeypatch.setattr(runner, "DAILY_JOBS", ())  # the daily jobs (health snapshots…) have their own tests
        worker = invoke("worker", "--once", "--name", "cli-worker")
        assert worker.exit_code == 0, worker.output
        assert "Worker cli-worker: ran 2 job(s); queued 2 digest(s)" in worker.stdout
        assert len(inbox.received) == 4
        listed = invoke("jobs", "list", "--kind", "digest")
        assert listed.exit_code == 0 and "2 done" in listed.stdout and "cli-worker" in listed.stdout
        with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
            job_id = session.scalars(select(Job.id).where(Job.kind == "digest")).first()
        again = invoke("jobs", "retry", str(job_id))
        assert again.exit_code == 1 and "only failed or waiting jobs can be retried" in again.output


# Two workers, 100 managers ---------------------------------------------------------------------------

def _seed_managers(factory, count: int) -> dict[str, str]:
    """`count` managers, each owning a territory with one or two priority partners never contacted in
    60 days; returns e-mail -> the name of one of that manager's overdue partners."""
    expected: dict[str, str] = {}
    with unit_of_work(factory) as session:
        admin = auth_service.create_user(session, None, email="admin@digest.example.com", name="Admin", role=Role.ADMIN,
                                         password="digest-password-1")
        cadence.create_rule(session, admin, CadenceRuleIn(name="Priority partners", every_days=14,
                                                          counted_types=["call", "meeting"], is_priority=True))
        for n in range(count):
            manager = User(email=f"manager{n:03d}@digest.example.com", name=f"Manager {n:03d}", role=Role.MANAGER)
            session.add(manager)
            session.flush()
            region = territories.create_territory(session, admin, TerritoryCreate(name=f"Region {n:03d}",
                                                                                  owner_id=manager.id))
            for letter in "AB"[: 1 + n % 2]:
                partner = partners.create_partner(session, admin, PartnerCreate(
                    name=f"Digest Partner {n:03d} {letter}", type="var", status="active", is_priority=True,
                    territory_id=region.id, country="US", owner_id=manager.id))
            expected[manager.email] = partner.name
        session.execute(update(Partner).values(created_at=utcnow() - timedelta(days=60)))
    return expected


def test_two_workers_send_100_digests_once_each(tmp_path, smtp):
    """The acceptance test: the digest job for 100 managers finishes in seconds, never double-sending
    with two workers running at once (separate processes polling one database)."""
    port, inbox = smtp
    url = database_url(tmp_path, "digest")
    engine = make_engine(url)
    workers: list[subprocess.Popen] = []
    try:
        migrate.upgrade(engine)
        factory = make_sessionmaker(engine)
        expected = _seed_managers(factory, MANAGERS)
        # The workers' own schedule is Sunday 23:00 (so the digests below are the test's to queue; queued
        # again on a Sunday night they would have the same keys and still be sent once).
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": CODE, "PYTHONUNBUFFERED": "1",
               "CHANNELBASE_DATABASE_URL": url, "CHANNELBASE_DATA_DIR": str(tmp_path),
               "CHANNELBASE_SMTP_PORT": str(port), "CHANNELBASE_BASE_URL": BASE,
               "CHANNELBASE_DIGEST_WEEKDAY": "6", "CHANNELBASE_DIGEST_HOUR": "23"}
        for name in ("w1", "w2"):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "channelbase", "worker", "--poll", "0.2", "--name", name],
                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for worker in workers:  # both are up and polling before there is any work
            assert "looking for jobs" in worker.stdout.readline(), worker.stderr.read()
        started = time.perf_counter()
        # Queued as the runner does: the read and the writes in separate transactions, since on SQLite a
        # transaction that has read cannot write once a polling worker has written.
        weekly, now = Settings(_env_file=None, database_url=url, digest_weekday=0, digest_hour=0), utcnow()
        with unit_of_work(factory) as session:
            due = digest.managers_to_schedule(session, now, settings=weekly)
        with unit_of_work(factory) as session:
            assert digest.enqueue_digests(session, due, now, settings=weekly) == MANAGERS
        for _ in range(1200):  # a hang guard, not a time limit
            with unit_of_work(factory) as session:
                rows = session.execute(select(Job.status, Job.claimed_by, Job.attempts)
                                       .where(Job.kind == "digest")).all()
            if all(status == JobStatus.DONE for status, _by, _attempts in rows):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=120) for worker in workers]
        per_worker = Counter(claimed_by for _status, claimed_by, _attempts in rows)
        print(f"\n{MANAGERS} digests sent by two workers in {elapsed:.2f} s; jobs per worker: {dict(per_worker)}")
        for worker, (out, err) in zip(workers, outputs):
            assert worker.returncode == 0 and "Traceback" not in err, err
        assert len(rows) == MANAGERS
        assert Counter((status, attempts) for status, _by, attempts in rows) == {(JobStatus.DONE, 1): MANAGERS}
        assert set(per_worker) <= {"w1", "w2"}
        recipients = Counter(r for recipients, _ in inbox.received for r in recipients)
        assert len(inbox.received) == MANAGERS
        assert set(recipients) == set(expected) and set(recipients.values()) == {1}
        for address, partner_name in expected.items():
            [message] = inbox.to(address)
            text, _html = parts(message)
            assert partner_name in text and "priority partner" in message["Subject"]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        engine.dispose()
