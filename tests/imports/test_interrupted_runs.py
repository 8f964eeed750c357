"""Checks and imports whose process was killed: closed as failed, with the reason, once the process has gone;
left alone while it may still be working."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.imports import claims, service
from channelbase.imports.models import ImportClaim, ImportRun, ImportStatus
from channelbase.partners.models import Account

from tests.imports.helpers import ACCOUNT_HEADER, account_rows, count, csv_bytes

HOST = socket.gethostname()
LINUX = os.path.exists("/proc/self/stat")


def _started(db, actor, status: str = ImportStatus.IMPORTING, worker: str | None = None) -> ImportRun:
    """A run marked as checking or importing, claimed by `worker` (None: no claim, as before claims existed)."""
    run, _ = service.new_run(db, actor, "accounts", "accounts.csv", csv_bytes(ACCOUNT_HEADER, account_rows(3)))
    run.status = status
    db.flush()
    if worker is not None:
        claims.claim(db, run.id, worker=worker)
    return run


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _status(db, run: ImportRun) -> str:
    db.refresh(run)
    return run.status


def _claimed(db, run: ImportRun) -> bool:
    return db.get(ImportClaim, run.id, populate_existing=True) is not None


def test_a_run_whose_process_died_on_this_host_fails_with_the_reason_and_an_audit_entry(db, actor):
    admin, pid = actor("admin"), _dead_pid()
    importing = _started(db, admin, ImportStatus.IMPORTING, f"{HOST}:{pid}:")
    checking = _started(db, admin, ImportStatus.CHECKING, f"{HOST}:{pid}:12345")

    assert claims.expire_interrupted(db) == 2
    db.refresh(importing)
    db.refresh(checking)
    assert (importing.status, importing.message) == (ImportStatus.FAILED, (
        f"Interrupted: the process running this import (pid {pid} on {HOST}) stopped before it finished. "
        "Nothing was written: run the import again."))
    assert checking.status == ImportStatus.FAILED
    assert checking.message.startswith(f"Interrupted: the process running this check (pid {pid} on {HOST})")
    assert checking.message.endswith("Nothing was changed: check the file again.")
    assert importing.finished_at is not None and not _claimed(db, importing) and not _claimed(db, checking)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "import_runs",
                                               AuditEntry.entity_id == importing.id))
    assert (entry.action, entry.actor_id, entry.before, entry.after["status"]) == (
        "interrupt", None, {"status": "importing"}, "failed")
    assert "system" in entry.actor_label and entry.after["worker"] == f"{HOST}:{pid}:"
    assert claims.expire_interrupted(db) == 0  # closed once


def test_a_run_of_this_very_process_is_left_alone_however_long_it_takes(db, actor):
    run = _started(db, actor("admin"))
    claims.claim(db, run.id)
    assert claims.this_worker().startswith(f"{HOST}:{os.getpid()}:")
    assert claims.expire_interrupted(db, utcnow() + timedelta(days=30)) == 0
    assert _status(db, run) == ImportStatus.IMPORTING and _claimed(db, run)


@pytest.mark.skipif(not LINUX, reason="process start times come from /proc")
def test_a_live_process_that_got_the_pid_later_is_not_the_one_that_claimed(db, actor):
    assert claims.this_worker().rsplit(":", 1)[1].isdigit()
    run = _started(db, actor("admin"), worker=f"{HOST}:{os.getpid()}:1")  # our pid, another start time
    assert claims.expire_interrupted(db) == 1
    assert _status(db, run) == ImportStatus.FAILED


def test_another_hosts_claim_is_trusted_for_a_day(db, actor):
    now = utcnow()
    run = _started(db, actor("admin"), ImportStatus.CHECKING, f"web-2.example:{os.getpid()}:99")
    assert claims.expire_interrupted(db, now + timedelta(hours=23)) == 0
    assert _status(db, run) == ImportStatus.CHECKING
    assert claims.expire_interrupted(db, now + timedelta(hours=25)) == 1
    db.refresh(run)
    assert run.status == ImportStatus.FAILED
    assert run.message.startswith(f"Interrupted: the process running this check (pid {os.getpid()} on web-2.example)"
                                  " has not finished in 24 hours")


def test_a_run_nobody_claimed_fails_after_an_hour_without_news(db, actor):
    now = utcnow()
    run = _started(db, actor("admin"))
    assert claims.expire_interrupted(db, now + timedelta(minutes=50)) == 0
    assert _status(db, run) == ImportStatus.IMPORTING
    assert claims.expire_interrupted(db, now + timedelta(hours=2)) == 1
    db.refresh(run)
    assert run.status == ImportStatus.FAILED and run.message.startswith("Interrupted: this import stopped")


def test_runs_that_are_not_running_are_never_touched(db, actor):
    dead = f"{HOST}:{_dead_pid()}:"
    runs = [_started(db, actor("admin"), status, dead)
            for status in (ImportStatus.NEW, ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED)]
    assert claims.expire_interrupted(db, utcnow() + timedelta(days=3)) == 0
    assert [_status(db, run) for run in runs] == ["new", "checked", "done", "failed"]
    assert [run.message for run in runs] == ["", "", "", ""]


def test_the_list_and_the_run_page_close_an_interrupted_run_and_show_why(session_factory, actor, client_as):
    dead = f"{HOST}:{_dead_pid()}:"
    with session_factory.begin() as session:
        listed_id = _started(session, actor("admin"), worker=dead).id
        opened_id = _started(session, actor("admin"), worker=dead).id
    with session_factory.begin() as session:
        statuses = {run.id: run.status for run in service.list_runs(session, actor("admin")).items}
        assert statuses[listed_id] == ImportStatus.FAILED
    page = client_as("admin").get(f"/imports/{opened_id}")
    assert page.status_code == 200
    assert "Interrupted: the process running this import" in page.text and "run the import again" in page.text
    assert '<span class="badge failed">failed</span>' in page.text


def test_an_interrupted_run_imports_when_started_again_and_claims_only_while_it_works(session_factory, db, actor):
    admin = actor("admin")
    with session_factory.begin() as session:
        run = _started(session, admin, worker=f"{HOST}:{_dead_pid()}:")
        run.mapping = service.resolve_mapping(session, service.spec_for("accounts"), service.sheet_of(run))
        run_id = run.id
    before = count(db, Account)
    seen: list[str | None] = []

    def echo(phase: str, done: int, total: int) -> None:
        with session_factory() as session:
            seen.append(session.scalar(select(ImportClaim.worker).where(ImportClaim.run_id == run_id)))

    done = service.commit_run(session_factory, admin, run_id, echo)
    assert (done.status, done.created, done.message) == (ImportStatus.DONE, 3, "")
    assert seen and set(seen) == {claims.this_worker()}
    assert count(db, Account) == before + 3
    assert db.get(ImportClaim, run_id) is None
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "import_runs",
                                                         AuditEntry.entity_id == run_id)
                         .order_by(AuditEntry.id)).all()
    assert actions == ["interrupt", "import"]


def test_an_unexpected_error_fails_the_run_with_its_reason_and_writes_nothing(session_factory, db, actor,
                                                                              monkeypatch):
    admin = actor("admin")
    with session_factory.begin() as session:
        run, sheet = service.new_run(session, admin, "accounts", "accounts.csv",
                                     csv_bytes(ACCOUNT_HEADER, account_rows(3, prefix="U")))
        run.mapping = service.resolve_mapping(session, service.spec_for("accounts"), sheet)
        run_id = run.id
    before = count(db, Account)

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")
    monkeypatch.setattr(service.engine, "check_and_write", full_disk)
    with pytest.raises(OSError):
        service.commit_run(session_factory, admin, run_id)
    db.expire_all()
    failed = db.get(ImportRun, run_id)
    assert failed.status == ImportStatus.FAILED
    assert failed.message.startswith("Stopped by an unexpected error (OSError: No space left on device)")
    assert db.get(ImportClaim, run_id) is None
    assert count(db, Account) == before
