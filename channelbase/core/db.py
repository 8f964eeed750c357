"""Database engine, sessions and the unit of work shared by web, API and CLI."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)
WRITES = "channelbase_writes"  # execution option: this unit of work will write (SQLite begins IMMEDIATE)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run while one writer writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # pysqlite opens transactions lazily and lets SAVEPOINT run outside one, which breaks nested
    # transactions; take over: autocommit at the driver level and an explicit BEGIN below.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    # In WAL mode a transaction that has read and then writes fails at once with "database is locked" if
    # another connection committed in between (its snapshot is stale; busy_timeout does not apply). A unit
    # of work that means to write takes the write lock up front instead, and waits its turn.
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


AUTOCHECKPOINT_PAGES = 1000  # SQLite's default
_RESTORE_AUTOCHECKPOINT = "channelbase_restore_autocheckpoint"


def _sqlite_checkin(dbapi_connection, record) -> None:
    if record.info.pop(_RESTORE_AUTOCHECKPOINT, False):
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")


def defer_checkpoint(session: Session) -> None:
    """SQLite: this transaction's commit leaves the WAL as it is instead of copying it into the database file
    there and then (for 200,000 imported accounts, 0.4 s inside the commit); `checkpoint_in_background`
    does it afterwards. The connection's usual setting comes back when it returns to the pool."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.connection.info[_RESTORE_AUTOCHECKPOINT] = True


def checkpoint_in_background(bind) -> threading.Thread | None:
    """Copy SQLite's WAL into the database file on a thread of its own (PASSIVE: it never blocks readers or
    writers, and what it cannot copy now the next checkpoint will)."""
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return None

    def run() -> None:
        try:
            with bind.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the next commit's automatic checkpoint will do it instead
            log.warning("background WAL checkpoint failed: %s", exc)
    thread = threading.Thread(target=run, name="channelbase-checkpoint", daemon=True)
    thread.start()
    return thread


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False}
        if path in ("", ":memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _sqlite_checkin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # A database host that drops packets must fail a request (and /readyz) in seconds, not hang it.
    # psycopg prepares a statement run 5 times; PostgreSQL may then plan it once for any parameters (a
    # "generic plan"), e.g. walk the close-date index for `name ILIKE $1 ... LIMIT 25` whatever the search
    # term: 0.8 s for a term that matches nothing. Planning each run with its values costs well under 1 ms.
    kwargs.setdefault("connect_args", {"connect_timeout": 5, "options": "-c plan_cache_mode=force_custom_plan"})
    return create_engine(url, **kwargs)


def settle_after_bulk_load(engine: Engine) -> None:
    """After a bulk load has committed: on PostgreSQL, VACUUM (ANALYZE) so that covering indexes answer from the
    index alone (index-only scans need the visibility map VACUUM sets; autovacuum would, minutes later, and not
    at all where it is turned off) and the planner has statistics. SQLite's loaders run ANALYZE themselves."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")  # cannot run inside a transaction


def write_now(session: Session) -> None:
    """Flush a small write made at the start of a read-only request, before the request's own reads.

    On SQLite a transaction that has read cannot start writing once another connection has committed
    since its first read ("database is locked", at once: waiting would not help). Left to the commit, the
    write would follow every read of the request; flushed here, it follows only the read that found it."""
    session.flush()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, writes: bool = False) -> Iterator[Session]:
    """One transaction per user action: commit if the block succeeds, roll back if it raises.

    `writes`: the action will write, so on SQLite its transaction takes the write lock when it begins."""
    session = factory()
    if writes:
        session.connection(execution_options={WRITES: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
