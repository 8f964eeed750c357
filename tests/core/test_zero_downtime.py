"""Upgrading a populated database from the previous release to this code's schema, with old workers running.

The database: the small demo loaded at head, then downgraded to the previous release's revision (engagement
goes; partners, accounts, deals, the audit log… stay), so it is populated at the previous release's schema.
Runs on the suite's backend (SQLite, or PostgreSQL in the second pass)."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, MetaData, Table, inspect, select, text

from channelbase.app import create_app
from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.config import Settings
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.migration_review import previous_release
from channelbase.demo.world import seed_world
from tests.conftest import CSRF, database_url
from tests.demo_databases import DemoDatabases

ON_POSTGRESQL = os.environ.get("CHANNELBASE_TEST_DB", "").startswith("postgres")


@dataclass
class Snapshot:
    columns: dict[str, dict[str, tuple[str, bool]]]  # table -> column -> (type, nullable)
    rows: dict[str, tuple[int, str]]  # table -> (row count, checksum of every row's old columns)


@dataclass
class UpgradeRun:
    engine: Engine
    url: str
    before: Snapshot
    after: Snapshot
    old_worker_counts: tuple[dict[str, int], dict[str, int]]  # what the old worker read before and after
    error: Exception | None


def migrating_engine(url: str) -> Engine:
    """The engine `channelbase db upgrade` would use, giving up on any lock it waits for more than 5 s.

    SQLite's equivalent is the busy timeout make_engine sets (5 s)."""
    if url.startswith("postgresql"):
        return make_engine(url, connect_args={"options": "-c lock_timeout=5s"})
    return make_engine(url)


def snapshot(connection: Connection, tables: dict[str, Table]) -> Snapshot:
    inspector = inspect(connection)
    columns = {name: {column["name"]: (column["type"].compile(dialect=connection.dialect), column["nullable"])
                      for column in inspector.get_columns(name)} for name in tables}
    rows = {}
    for name, table in tables.items():
        # Only the columns the table had at the previous release: old code's SELECT, run again after the upgrade.
        order = list(table.primary_key.columns) or list(table.columns)
        values = [tuple(row) for row in connection.execute(select(*table.columns).order_by(*order))]
        rows[name] = (len(values), hashlib.sha256(repr(values).encode()).hexdigest())
    return Snapshot(columns, rows)


def reflect_old_tables(engine: Engine) -> dict[str, Table]:
    metadata = MetaData()
    names = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    return {name: Table(name, metadata, autoload_with=engine) for name in names}


def count_rows(connection: Connection, tables: dict[str, Table]) -> dict[str, int]:
    return {name: connection.scalar(text(f"SELECT COUNT(*) FROM {name}")) for name in tables}


@pytest.fixture(scope="module")
def upgrade_run(tmp_path_factory):
    """Populated at the previous release, then upgraded to head while an old worker's transaction is open.

    The old worker has read every table and not yet committed, as a request in flight does. On PostgreSQL its
    reads hold ACCESS SHARE locks: a migration that needed ACCESS EXCLUSIVE on one of those tables (ALTER
    TABLE, a plain DROP INDEX, …) would queue behind it, and with lock_timeout=5s the upgrade fails instead
    of hanging. So completing proves no step of the upgrade waits on the readers of the old tables. (A
    plain CREATE INDEX takes SHARE, which readers do not block: test_writes_go_on… covers writes.)"""
    databases = DemoDatabases(tmp_path_factory.mktemp("zdt"))
    factory, _summary = databases.load("zdt", fresh=True)
    engine, url = factory.kw["bind"], databases.urls[-1]
    migrate.downgrade(engine, previous_release()[1])
    tables = reflect_old_tables(engine)
    with engine.connect() as connection:
        before = snapshot(connection, tables)
    error = None
    with engine.connect() as old_worker:
        old_worker.begin()
        counts_before = count_rows(old_worker, tables)
        migrating = migrating_engine(url)
        try:
            migrate.upgrade(migrating)
        except Exception as exc:  # reported by the test, with the statement that waited
            error = exc
        finally:
            migrating.dispose()
        counts_after = count_rows(old_worker, tables)  # the same request goes on after the upgrade
        old_worker.commit()
    with engine.connect() as connection:
        after = snapshot(connection, tables)
    yield UpgradeRun(engine, url, before, after, (counts_before, counts_after), error)
    engine.dispose()
    databases.close()


def test_it_upgrades_from_the_previous_release_to_head_while_an_old_worker_reads(upgrade_run):
    assert upgrade_run.error is None, f"the upgrade waited on an old worker's open transaction: {upgrade_run.error}"
    assert migrate.is_at_head(upgrade_run.engine)
    counts_before, counts_after = upgrade_run.old_worker_counts
    assert counts_before["opportunities"] > 0 and counts_after == counts_before


def test_every_table_and_column_of_the_previous_release_is_still_there_with_its_type(upgrade_run):
    before, after = upgrade_run.before.columns, upgrade_run.after.columns
    for table, columns in before.items():
        kept = {name: after[table].get(name) for name in columns}
        assert kept == columns, f"{table} changed a column old workers use"
    new_columns = inspect(upgrade_run.engine)
    for table in before:
        for column in new_columns.get_columns(table):
            if column["name"] not in before[table]:  # old workers' INSERTs leave it out
                assert column["nullable"] or column["default"] is not None, f"{table}.{column['name']}"


def test_the_rows_of_the_previous_release_are_unchanged(upgrade_run):
    assert upgrade_run.before.rows["partners"][0] > 300  # the small demo is there, and its named prospects
    assert upgrade_run.after.rows == upgrade_run.before.rows


def test_the_app_serves_an_admin_and_a_manager_on_the_upgraded_database(upgrade_run, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=upgrade_run.url, secret_key="x" * 40)
    factory = make_sessionmaker(upgrade_run.engine)
    app = create_app(settings, session_factory=factory)
    for email, path, expected in [("admin@channelbase.demo", "/", "Ada Admin"),
                                  ("lucia@channelbase.demo", "/today", "Lucía")]:
        with unit_of_work(factory) as session:
            token = auth_service.start_session(session, session.scalar(select(User).where(User.email == email)))
        with TestClient(app, base_url="http://testserver", follow_redirects=False,
                        cookies={"cb_session": token, "cb_csrf": CSRF}) as client:
            page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert expected in page.text


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite has one writer at a time, so building an "
                                              "index blocks its writes whatever the migration does")
def test_writes_go_on_while_the_upgrade_builds_indexes_on_big_tables(tmp_path):
    """0008 to 0011 index opportunities and registrations. A plain CREATE INDEX holds a SHARE lock that stops
    every INSERT/UPDATE/DELETE until the index is built (seconds to minutes on a big table); CONCURRENTLY holds
    SHARE UPDATE EXCLUSIVE, which writers do not conflict with.

    To catch the build in progress, an old worker holds a REPEATABLE READ snapshot (a report, say): a concurrent
    build waits for older snapshots before it finishes. While it waits, another worker updates a row of the table
    being indexed with lock_timeout=2s. Then the snapshot ends, the next build starts (a second snapshot holds it)
    and the upgrade completes. With a plain CREATE INDEX the build would never be seen waiting and the test fails."""
    url = database_url(tmp_path, "zdt_writes")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        seed_world(session)  # one registration and one opportunity
    migrate.downgrade(engine, "0007")  # the schema before the first of those index migrations
    report = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    report.begin()
    report.scalar(text("SELECT COUNT(*) FROM opportunities"))  # takes its snapshot
    upgrade = UpgradeInThread(migrating_engine(url))
    try:
        for table, index in [("opportunities", "ix_opportunities_outcome_stalled"),
                             ("registrations", "ix_registrations_status_submitted"),
                             ("opportunities", "ix_opportunities_name_search"),
                             ("opportunities", "ix_opportunities_close"), ("opportunities", "ix_opportunities_amount"),
                             ("opportunities", "ix_opportunities_updated")]:
            wait_until_the_index_build_waits(engine, index)
            assert update_one_row(engine, table) == 1
            next_report = engine.connect().execution_options(isolation_level="REPEATABLE READ")
            next_report.begin()
            next_report.scalar(text("SELECT 1"))
            report.commit()
            report.close()
            report = next_report
    finally:
        report.close()  # ends its transaction, if a failure left one open: the upgrade can finish
        upgrade.finish()
    assert upgrade.error is None, upgrade.error
    assert migrate.is_at_head(engine)
    engine.dispose()



class UpgradeInThread:
    def __init__(self, engine: Engine):
        self.engine, self.error = engine, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            migrate.upgrade(self.engine)
        except Exception as exc:
            self.error = exc

    def finish(self) -> None:
        self.thread.join(timeout=120)
        self.engine.dispose()
        assert not self.thread.is_alive(), "the upgrade did not finish"


def wait_until_the_index_build_waits(engine: Engine, index: str) -> None:
    """Until the migration's CREATE INDEX CONCURRENTLY waits on a lock (the older snapshot); fails after a minute."""
    deadline = time.monotonic() + 60
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as monitor:
        while time.monotonic() < deadline:
            waiting = monitor.scalar(text(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE :build"), {"build": f"CREATE INDEX CONCURRENTLY {index} %"})
            if waiting:
                return
            time.sleep(0.05)
    pytest.fail(f"{index} was never seen building CONCURRENTLY while an older snapshot was open")


def update_one_row(engine: Engine, table: str) -> int:
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '2s'"))
        return connection.execute(text(f"UPDATE {table} SET updated_at = updated_at"
                                       f" WHERE id = (SELECT MIN(id) FROM {table})")).rowcount
