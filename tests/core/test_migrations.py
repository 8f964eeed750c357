"""Migrations run up and down on the test backend (SQLite, or PostgreSQL in the second pass)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from channelbase.core import migrate
from channelbase.core.db import make_engine
from channelbase.models import Base
from tests.conftest import database_url


def _fresh_engine(tmp_path):
    return make_engine(database_url(tmp_path, "migrations"))


def test_upgrade_to_head_then_downgrade_to_base_and_back(tmp_path):
    engine = _fresh_engine(tmp_path)
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    assert {"partners", "accounts", "users", "audit_log"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    engine.dispose()


def test_models_match_the_migrations(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_rollup_migration_fills_the_rollup_from_the_deals_already_there(tmp_path):
    from channelbase.core.db import make_sessionmaker, unit_of_work
    from channelbase.deals import rollup
    from channelbase.demo.world import seed_world

    engine = make_engine(database_url(tmp_path, "rollup_migration"))
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        seed_world(session)  # writes an opportunity (and its rollup row) through the services
    migrate.downgrade(engine, "0004")  # the deals stay; the rollup table goes
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        assert session.scalar(text("SELECT COUNT(*) FROM opportunity_rollup")) == 1
        assert rollup.drift(session) == []
    engine.dispose()
