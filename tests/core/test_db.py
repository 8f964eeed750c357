"""The unit of work: a transaction that means to write does not fail because another one committed first;
PostgreSQL connections and bulk loads set up for the planner."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import delete, select, text

from channelbase.auth import service as auth_service
from channelbase.auth.models import ApiToken, Role, User
from channelbase.core.db import make_engine, make_sessionmaker, settle_after_bulk_load, unit_of_work


def start_other_request(factory, table: str) -> tuple[threading.Thread, list[Exception]]:
    """Another request, in a thread, that writes one row ('other') to `table`; its errors land in the list."""
    errors: list[Exception] = []

    def other_request() -> None:
        try:
            with unit_of_work(factory, writes=True) as other:
                other.execute(text(f"INSERT INTO {table} VALUES ('other')"))
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)

    thread = threading.Thread(target=other_request)
    thread.start()
    return thread, errors


def test_a_writing_unit_of_work_that_read_first_waits_for_a_concurrent_commit(engine):
    """A sign-in reads (the rate limit), checks the password, then records the attempt. On SQLite, a plain
    deferred transaction doing that fails with "database is locked" if another connection committed in
    between; a unit of work that declares it writes begins IMMEDIATE and waits its turn instead."""
    factory = make_sessionmaker(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS uow_probe (who VARCHAR(10))"))
        conn.execute(text("DELETE FROM uow_probe"))
    try:
        with unit_of_work(factory, writes=True) as first:
            first.execute(text("SELECT count(*) FROM uow_probe")).scalar()
            thread, errors = start_other_request(factory, "uow_probe")
            thread.join(timeout=0.5)  # the other request runs meanwhile (and waits for us on SQLite)
            first.execute(text("INSERT INTO uow_probe VALUES ('first')"))
        thread.join()
        assert not errors, errors
        with engine.connect() as conn:
            assert sorted(conn.execute(text("SELECT who FROM uow_probe")).scalars()) == ["first", "other"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE uow_probe"))


ON_POSTGRESQL = os.environ.get("CHANNELBASE_TEST_DB", "").startswith("postgres")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite has no plan cache and no VACUUM to wait for")
def test_postgresql_plans_each_statement_with_its_values(engine):
    """psycopg prepares a statement after 5 runs, and PostgreSQL may then reuse one plan for any parameters: a
    search that matches nothing walked a whole sort index (0.8 s). Every connection asks for custom plans."""
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite has no plan cache and no VACUUM to wait for")
def test_a_bulk_load_is_vacuumed_so_covering_indexes_answer_alone(engine):
    """Index-only scans skip the table only for pages the visibility map marks all-visible, which VACUUM does;
    autovacuum may be minutes late, or off."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS vacuum_probe (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(text("DELETE FROM vacuum_probe"))
        conn.execute(text("INSERT INTO vacuum_probe SELECT g, g FROM generate_series(1, 5000) AS g"))
    try:
        visible = "SELECT relallvisible FROM pg_class WHERE relname = 'vacuum_probe'"
        with engine.connect() as conn:
            assert conn.execute(text(visible)).scalar() == 0
        settle_after_bulk_load(engine)
        with engine.connect() as conn:
            assert conn.execute(text(visible)).scalar() > 0
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE vacuum_probe"))


def test_settling_a_sqlite_database_changes_nothing(tmp_path):
    sqlite = make_engine(f"sqlite:///{tmp_path / 'settle.db'}")
    with sqlite.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    settle_after_bulk_load(sqlite)  # no VACUUM: the loaders ANALYZE, and a VACUUM would rewrite the whole file
    with sqlite.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    sqlite.dispose()


def test_a_read_request_that_touches_its_api_token_survives_a_write_committed_meanwhile(engine, world):
    """An API request is a read, but marks its token used (once a minute). Written at the end, that UPDATE came
    after all the request's reads, and on SQLite it failed ("database is locked") whenever another request had
    committed in between; written right after the token is read, it takes the write lock first and the other
    request waits for it instead."""
    factory = make_sessionmaker(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS touch_probe (who VARCHAR(10))"))
    with unit_of_work(factory, writes=True) as setup:
        admin = setup.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
        token, secret = auth_service.create_api_token(setup, admin, "touch probe")
    try:
        with unit_of_work(factory) as request:  # a GET: no write lock asked for
            assert auth_service.user_for_api_token(request, secret) is not None
            thread, errors = start_other_request(factory, "touch_probe")
            thread.join(timeout=0.5)  # the other request commits now, or waits for this one on SQLite
            request.execute(text("SELECT count(*) FROM touch_probe")).scalar()  # the request's own reads
        thread.join()
        assert not errors, errors
        with factory() as check:
            assert check.get(ApiToken, token.id).last_used_at is not None
            assert check.execute(text("SELECT who FROM touch_probe")).scalars().all() == ["other"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE touch_probe"))
            conn.execute(delete(ApiToken).where(ApiToken.id == token.id))
