"""`channelbase backup` and `restore`: a round trip gives back exactly the data, on SQLite and on PostgreSQL
(each test pass runs these on its own database: a SQLite file, or a new PostgreSQL database); and
`channelbase export`, every row as JSON without the secrets."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, delete, insert, select, text

from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.errors import InvalidInput, NotFound
from channelbase.demo.world import seed_world
from channelbase.ops import backup as backups
from channelbase.ops import export as exports
from channelbase.partners.models import Contact, Partner
from rich.console import Console

from channelbase.ops import cli as ops_cli
from channelbase import cli
from tests.cli_harness import ensure_mounted, invoke, runner
from tests.conftest import database_url


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what "identical data" means here."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted((tuple(map(repr, row)) for row in conn.execute(select(table))))
                for name, table in sorted(metadata.tables.items())}


@pytest.fixture
def populated(tmp_path) -> Engine:
    engine = make_engine(database_url(tmp_path, "backup"))
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine), writes=True) as session:
        seed_world(session)
    yield engine
    engine.dispose()


def test_a_restore_gives_back_exactly_the_data_of_the_backup(populated, tmp_path):
    before = snapshot(populated)
    assert sum(len(rows) for rows in before.values()) > 50 and before["partners"]
    done = backups.backup(populated, tmp_path / "nightly" / "channelbase.backup")
    assert done.path.is_file() and done.size_bytes > 0 and done.revision == migrate.head_revision()
    assert not list(done.path.parent.glob("*.partial"))
    with populated.begin() as conn:  # a bad day: rows lost, rows changed, rows added
        conn.execute(delete(Contact))
        conn.execute(Partner.__table__.update().values(name="Overwritten"))
        conn.execute(text("CREATE TABLE stray (id INTEGER)"))
    assert snapshot(populated) != before
    restored = backups.restore(populated, done.path)
    assert restored.revision == migrate.head_revision()
    assert snapshot(populated) == before  # the stray table is gone too: the schema is the backup's
    with populated.begin() as conn:  # and the database takes writes again
        conn.execute(insert(Contact).values(partner_id=conn.scalar(select(Partner.id)), name="After the restore",
                                            email="after@example.com"))


def test_a_backup_never_overwrites_a_file(populated, tmp_path):
    existing = tmp_path / "taken.backup"
    existing.write_text("keep me")
    with pytest.raises(InvalidInput, match="exists already"):
        backups.backup(populated, existing)
    assert existing.read_text() == "keep me"


def test_restoring_a_missing_or_foreign_file_changes_nothing(populated, tmp_path):
    before = snapshot(populated)
    with pytest.raises(NotFound, match="No backup file"):
        backups.restore(populated, tmp_path / "missing.backup")
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    with pytest.raises((InvalidInput, backups.BackupFailed)):
        backups.restore(populated, foreign)
    assert snapshot(populated) == before


def test_the_cli_backs_up_and_restores_with_a_hint_when_the_schema_is_older(tmp_path, monkeypatch):
    url = database_url(tmp_path, "backup_cli")
    engine = make_engine(url)
    migrate.upgrade(engine)  # the services write the rows as this code does, then the schema goes back
    with unit_of_work(make_sessionmaker(engine), writes=True) as session:
        seed_world(session)
    migrate.downgrade(engine, "0010")  # as a backup taken before the last release's migrations
    monkeypatch.setenv("CHANNELBASE_DATABASE_URL", url)
    monkeypatch.setenv("CHANNELBASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(ops_cli, "console", Console(width=400))  # one line per message, however long the path
    ensure_mounted()
    _fresh_cli_engine()
    try:
        made = invoke("backup")
        assert made.exit_code == 0, made.output
        assert "Backed up the database (schema 0010) to " in made.output
        path = Path(made.output.split(" to ", 1)[1].split(" (", 1)[0])
        assert path.parent == tmp_path / "data" / "backups" and path.is_file()
        again = invoke("backup", "--out", str(path))
        assert again.exit_code == 1 and "exists already" in again.output
        migrate.upgrade(engine)  # the database moves on; the backup stays at 0010
        refused = runner.invoke(cli.app, ["restore", str(path)], input="n\n")
        assert refused.exit_code == 1 and migrate.current_revision(engine) == migrate.head_revision()
        back = invoke("restore", str(path), "--yes")
        assert back.exit_code == 0, back.output
        assert f"this code needs {migrate.head_revision()}: run `channelbase db upgrade`" in back.output
        assert migrate.current_revision(engine) == "0010"
    finally:
        _fresh_cli_engine()
        engine.dispose()


def _fresh_cli_engine() -> None:
    from channelbase import cli_support
    from channelbase.core.config import get_settings
    get_settings.cache_clear()
    cli_support.engine.cache_clear()


# The JSON export ---------------------------------------------------------------------------------------------

def test_the_json_export_holds_every_row_of_every_table_and_no_secret(populated, tmp_path):
    before = snapshot(populated)
    done = exports.export_json(populated, tmp_path / "out" / "channelbase.json")
    document = json.loads(done.path.read_text(encoding="utf-8"))
    assert document["schema"] == migrate.head_revision() and document["channelbase"]
    tables = document["tables"]
    assert set(tables) == set(before) - exports.LEFT_OUT_TABLES
    assert {name: len(rows) for name, rows in tables.items()} == {name: len(before[name]) for name in tables}
    assert done.rows == {name: len(rows) for name, rows in tables.items()}
    assert "web_sessions" not in tables and "login_attempts" not in tables
    assert all("password_hash" not in user for user in tables["users"])
    assert all("token_hash" not in token for token in tables.get("api_tokens", []))
    partners = {p["name"]: p for p in tables["partners"]}
    assert "Soluções Abertas Ltda." in partners  # accents as written, not \\u escapes
    assert "Soluções Abertas" in done.path.read_text(encoding="utf-8")
    deal = tables["opportunities"][0]
    assert isinstance(deal["amount_minor"], int) and date.fromisoformat(deal["close_date"])
    with pytest.raises(InvalidInput, match="exists already"):
        exports.export_json(populated, done.path)


def test_the_cli_exports_to_a_new_file(tmp_path, monkeypatch):
    url = database_url(tmp_path, "export_cli")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine), writes=True) as session:
        seed_world(session)
    monkeypatch.setenv("CHANNELBASE_DATABASE_URL", url)
    monkeypatch.setattr(ops_cli, "console", Console(width=400))
    ensure_mounted()
    _fresh_cli_engine()
    try:
        out = tmp_path / "all.json"
        result = invoke("export", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert f" tables to {out} (" in result.output and "left out:" in result.output
        assert json.loads(out.read_text(encoding="utf-8"))["tables"]["partners"]
    finally:
        _fresh_cli_engine()
        engine.dispose()
