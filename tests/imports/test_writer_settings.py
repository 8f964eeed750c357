"""What an import changes for its own sake is put back: the interpreter's thread switch interval, and the WAL
checkpoint a SQLite connection defers for the import's commit."""

from __future__ import annotations

import sys

from sqlalchemy import text

from channelbase.core.db import checkpoint_in_background, defer_checkpoint, make_engine, make_sessionmaker
from channelbase.imports import bulk


def test_overlapping_writers_restore_the_switch_interval_when_the_last_ends():
    before = sys.getswitchinterval()
    first, second = bulk.Writer(), bulk.Writer()
    assert sys.getswitchinterval() == min(before, bulk._QuickSwitches.INTERVAL)
    first.finish()
    assert sys.getswitchinterval() == min(before, bulk._QuickSwitches.INTERVAL)  # the second still runs
    second.finish()
    assert sys.getswitchinterval() == before


def test_a_deferred_checkpoint_is_restored_when_the_connection_returns_and_runs_in_the_background(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}", pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    with factory() as session:
        session.execute(text("CREATE TABLE t (x)"))
        defer_checkpoint(session)
        assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        session.execute(text("INSERT INTO t SELECT value FROM json_each(json_array(1, 2, 3))"))
        session.commit()
    with engine.connect() as connection:  # the same pooled connection: its usual setting is back
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    unchecked = (tmp_path / "wal.db").stat().st_size  # the commit left its pages in the WAL
    thread = checkpoint_in_background(engine)
    assert thread is not None
    thread.join(10)
    assert (tmp_path / "wal.db").stat().st_size > unchecked  # copied into the database file
    engine.dispose()
