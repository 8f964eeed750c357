"""Backups and restores of the whole database: SQLite's online backup; pg_dump and pg_restore on PostgreSQL.

A backup is written to a temporary name and renamed when complete, so a file with the final name is always a
whole backup, and it never overwrites an existing file. A restore replaces every row in one step: SQLite's
backup API copies the file's pages under a lock (other connections see the old data or the new, never a
mix); on PostgreSQL the emptied schema and the backup's statements run in one transaction, so a restore that
fails leaves the database as it was. The backup's schema revision is read back so the caller can say when
`channelbase db upgrade` is needed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from channelbase.core import migrate
from channelbase.core.errors import DomainError, InvalidInput, NotFound

PG_TIMEOUT_S = 3600  # a dump or restore of a large database takes minutes, not hours


class BackupFailed(DomainError):
    status = 500


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    revision: str | None  # the schema revision the backup holds
    seconds: float


def default_path(data_dir: Path, engine: Engine, now: datetime) -> Path:
    suffix = "db" if _is_sqlite(engine) else "dump"
    return data_dir / "backups" / f"channelbase-{now:%Y%m%d-%H%M%S}.{suffix}"


@contextmanager
def new_file(destination: Path, what: str) -> Iterator[Path]:
    """A path to write `destination` under (a temporary name), renamed to it when the block ends without error.
    A file with the final name is therefore always whole; an existing file is never overwritten."""
    if destination.exists():
        raise InvalidInput(f"{destination} exists already: {what} never overwrites a file; choose another name.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)


def backup(engine: Engine, destination: Path) -> BackupResult:
    """Copy the whole database to `destination` (a new file) while the app keeps running."""
    started = time.perf_counter()
    with new_file(destination, "a backup") as partial:
        if _is_sqlite(engine):
            _sqlite_copy(Path(_sqlite_path(engine)), partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], engine)
    return BackupResult(destination, destination.stat().st_size, migrate.current_revision(engine),
                        time.perf_counter() - started)


def restore(engine: Engine, source: Path) -> BackupResult:
    """Replace every row of the database with the backup's (the schema too: the backup's revision)."""
    if not source.is_file():
        raise NotFound(f"No backup file {source}.")
    started = time.perf_counter()
    engine.dispose()  # pooled connections must not keep reading the old pages (SQLite) or hold locks (PostgreSQL)
    if _is_sqlite(engine):
        _check_sqlite_backup(source)
        _sqlite_copy(source, Path(_sqlite_path(engine)))
    else:
        _pg_restore(engine, source)
    engine.dispose()
    return BackupResult(source, source.stat().st_size, migrate.current_revision(engine), time.perf_counter() - started)


# SQLite ----------------------------------------------------------------------------------------------------

def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise InvalidInput("An in-memory SQLite database has nothing on disk to back up or restore.")
    return path


def _sqlite_copy(source: Path, destination: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections read and write (a plain file copy of
    a database in WAL mode may miss what is still in the WAL)."""
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            check.execute("SELECT version_num FROM alembic_version").fetchone()
        check.close()
    except sqlite3.DatabaseError:
        raise InvalidInput(f"{source} is not a Channelbase SQLite backup (no schema revision in it).") from None


# PostgreSQL -------------------------------------------------------------------------------------------------

def _pg_restore(engine: Engine, source: Path) -> None:
    """Empty the schema and load the backup in ONE transaction: a failure changes nothing."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "restore.sql"
        _run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(source)], engine, database=False)
        body = script.read_text(encoding="utf-8")
        # The dump's own session settings empty the search path; the schema must exist again before they run.
        script.write_text("DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n" + body, encoding="utf-8")
        _run(["psql", "--quiet", "--no-psqlrc", "--single-transaction", "--set=ON_ERROR_STOP=1", f"--file={script}"],
             engine)


def _run(command: list[str], engine: Engine, *, database: bool = True) -> None:
    """A PostgreSQL client program, connected through libpq's environment (no password on a command line)."""
    if shutil.which(command[0]) is None:
        raise BackupFailed(f"{command[0]} is not installed: install PostgreSQL's client programs "
                           "(Debian: `apt-get install postgresql-client`), the same major version as the server.")
    url = engine.url
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432), "PGUSER": url.username or "",
           "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if not database:
        env.pop("PGDATABASE")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupFailed(f"{command[0]} failed: {detail[-1] if detail else f'exit status {done.returncode}'}")
