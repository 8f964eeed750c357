"""Which process is checking or importing a run, so that a run whose process was killed (SIGKILL, a crash, a
power cut) is closed as failed instead of showing "importing" for ever.

Nothing of a killed import is written (its rows go in one transaction), but its status was set to checking or
importing in an earlier, committed one. Each start therefore records its process here, and the import pages
close the runs whose process has gone before they list or open them."""

from __future__ import annotations

import functools
import os
import socket
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Row, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from channelbase.auth.visibility import system_actor
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.imports.models import ImportClaim, ImportRun, ImportStatus

# Another host's processes cannot be seen from here: its claim is trusted this long (no import takes a day).
OTHER_HOST_LEASE = timedelta(hours=24)
# Runs started before claims existed, or marked by a page whose background work never began.
UNCLAIMED_GRACE = timedelta(hours=1)
RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
_START_TIME_FIELD = 19  # field 22 of /proc/PID/stat, counted from field 3 (the first after the command name)


def _start_time(pid: int) -> str:
    """When the process started, in clock ticks since boot ("" off Linux or if it has gone). A pid is reused
    once its process has ended; the start time tells the new process from the one that claimed."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: count from the last ")".
    fields = stat.rpartition(b")")[2].split()
    return fields[_START_TIME_FIELD].decode() if len(fields) > _START_TIME_FIELD else ""


@functools.cache
def _own_start_time(pid: int) -> str:
    return _start_time(pid)  # keyed by pid: a forked child reads its own


def this_worker() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_own_start_time(pid)}"


def claim(session: Session, run_id: int, *, worker: str | None = None, now: datetime | None = None) -> None:
    """Record this process (or `worker`) as the one running the run, replacing an earlier claim."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ImportClaim).values(run_id=run_id, worker=worker or this_worker(), claimed_at=now or utcnow())
    session.execute(stmt.on_conflict_do_update(
        index_elements=["run_id"], set_={"worker": stmt.excluded.worker, "claimed_at": stmt.excluded.claimed_at}))


def release(session: Session, run_id: int) -> None:
    session.execute(delete(ImportClaim).where(ImportClaim.run_id == run_id))


def _alive(pid: int, start: str) -> bool:
    """Whether the process that claimed is still running (a pid without its start time: any process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    now_start = _start_time(pid)
    return not (start and now_start) or now_start == start


def _parse(worker: str) -> tuple[str, int, str]:
    host, _, rest = worker.partition(":")  # a host name holds no ':'
    pid, _, start = rest.partition(":")
    return host, int(pid) if pid.isdigit() else 0, start


def _why_stopped(row: Row, now: datetime) -> str | None:
    """The message for a run whose process has gone, or None while it may still be working."""
    what = "check" if row.status == ImportStatus.CHECKING else "import"
    if row.worker is None:
        if now - row.updated_at <= UNCLAIMED_GRACE:
            return None
        return f"Interrupted: this {what} stopped before it finished (nothing has happened to it for over an hour)."
    host, pid, start = _parse(row.worker)
    # Elsewhere os.kill(pid, 0) is no harmless probe (on Windows, signal 0 is Ctrl-C): the lease decides there.
    if host == socket.gethostname() and pid and os.name == "posix":
        if _alive(pid, start):
            return None
        return f"Interrupted: the process running this {what} (pid {pid} on {host}) stopped before it finished."
    if now - row.claimed_at <= OTHER_HOST_LEASE:
        return None
    return (f"Interrupted: the process running this {what} (pid {pid} on {host}) has not finished in "
            f"{OTHER_HOST_LEASE.total_seconds() / 3600:.0f} hours and is taken to have stopped.")


def _outcome(status: str) -> str:
    if status == ImportStatus.CHECKING:
        return " Nothing was changed: check the file again."
    return " Nothing was written: run the import again."


def expire_interrupted(session: Session, now: datetime | None = None) -> int:
    """Mark failed (audited) the checks and imports whose process has gone; returns how many."""
    now = now or utcnow()
    rows = session.execute(
        select(ImportRun.id, ImportRun.status, ImportRun.updated_at, ImportClaim.worker, ImportClaim.claimed_at)
        .outerjoin(ImportClaim, ImportClaim.run_id == ImportRun.id)
        .where(ImportRun.status.in_(RUNNING))).all()
    expired = []
    for row in rows:
        message = _why_stopped(row, now)
        if message and _close(session, row, message + _outcome(row.status), now):
            expired.append(row.id)
    if expired:
        session.execute(delete(ImportClaim).where(ImportClaim.run_id.in_(expired)))
    return len(expired)


def _close(session: Session, row: Row, message: str, now: datetime) -> bool:
    message = message[:500]
    # Only if it is still as read: another page may have closed it, or its process finished, meanwhile.
    result = cast(CursorResult, session.execute(
        update(ImportRun).where(ImportRun.id == row.id, ImportRun.status == row.status)
        .values(status=ImportStatus.FAILED, message=message, finished_at=now)))
    changed = result.rowcount
    if changed:
        session.add(AuditEntry(actor_id=None, actor_label=system_actor().label, action="interrupt",
                               entity_type="import_runs", entity_id=row.id, before={"status": row.status},
                               after={"status": ImportStatus.FAILED, "message": message, "worker": row.worker}))
    return bool(changed)
