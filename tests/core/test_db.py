"""The unit of work: a transaction that means to write does not fail because another one committed first."""

from __future__ import annotations

import threading

from sqlalchemy import text

from channelbase.core.db import make_sessionmaker, unit_of_work


def test_a_writing_unit_of_work_that_read_first_waits_for_a_concurrent_commit(engine):
    """A sign-in reads (the rate limit), checks the password, then records the attempt. On SQLite, a plain
    deferred transaction doing that fails with "database is locked" if another connection committed in
    between; a unit of work that declares it writes begins IMMEDIATE and waits its turn instead."""
    factory = make_sessionmaker(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS uow_probe (who VARCHAR(10))"))
        conn.execute(text("DELETE FROM uow_probe"))
    errors: list[Exception] = []

    def other_request() -> None:
        try:
            with unit_of_work(factory, writes=True) as other:
                other.execute(text("INSERT INTO uow_probe VALUES ('other')"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    try:
        with unit_of_work(factory, writes=True) as first:
            first.execute(text("SELECT count(*) FROM uow_probe")).scalar()
            thread = threading.Thread(target=other_request)
            thread.start()
            thread.join(timeout=0.5)  # the other request runs meanwhile (and waits for us on SQLite)
            first.execute(text("INSERT INTO uow_probe VALUES ('first')"))
        thread.join()
        assert not errors, errors
        with engine.connect() as conn:
            assert sorted(conn.execute(text("SELECT who FROM uow_probe")).scalars()) == ["first", "other"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE uow_probe"))
