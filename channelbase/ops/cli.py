"""`channelbase backup` and `restore` (the whole database to a file and back) and `export` (all of it as JSON)."""

from __future__ import annotations

from pathlib import Path

import typer

from channelbase.cli_support import console, domain_errors, engine
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.config import get_settings
from channelbase.ops import backup as backups
from channelbase.ops import export as exports


def backup(out: Path = typer.Option(None, "--out", help="The backup file to write (default: "
                                    "DATA_DIR/backups/channelbase-YYYYMMDD-HHMMSS.db, or .dump on PostgreSQL)."),
           ) -> None:
    """Back up the whole database while the app keeps running (SQLite online backup; pg_dump on PostgreSQL)."""
    database = engine()
    with domain_errors():
        done = backups.backup(database, out or backups.default_path(get_settings().data_dir, database, utcnow()))
    console.print(f"Backed up the database (schema {done.revision}) to {done.path} "
                  f"({_size(done.size_bytes)}) in {done.seconds:.1f} s.", highlight=False)


def restore(source: Path = typer.Argument(..., help="A file written by `channelbase backup`."),
            yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
            ) -> None:
    """Replace every row of the database with a backup's. Stop the web and background workers first."""
    database = engine()
    if not yes:
        typer.confirm(f"Replace everything in {database.url.render_as_string(hide_password=True)} with {source}?",
                      abort=True)
    with domain_errors():
        done = backups.restore(database, source)
    console.print(f"Restored {done.path} (schema {done.revision}) in {done.seconds:.1f} s.", highlight=False)
    head = migrate.head_revision()
    if done.revision != head:
        console.print(f"The backup's schema is {done.revision}; this code needs {head}: run "
                      "`channelbase db upgrade` before starting the app.", highlight=False)


def export(out: Path = typer.Option(..., "--out", help="The JSON file to write (a new file).")) -> None:
    """Every table and row as one JSON document, secrets left out: your data, for other systems."""
    with domain_errors():
        done = exports.export_json(engine(), out)
    console.print(f"Exported {sum(done.rows.values()):,} rows of {len(done.rows)} tables to {done.path} "
                  f"({_size(done.size_bytes)}) in {done.seconds:.1f} s; left out: "
                  f"{', '.join(sorted(exports.LEFT_OUT_TABLES - {'alembic_version'}))} and password and token hashes.",
                  highlight=False)


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1_000_000:.1f} MB" if size_bytes >= 100_000 else f"{size_bytes / 1000:.1f} kB"


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("export")(export)
