"""`channelbase backup` and `channelbase restore`: the whole database to a file and back."""

from __future__ import annotations

from pathlib import Path

import typer

from channelbase.cli_support import console, domain_errors, engine
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.config import get_settings
from channelbase.ops import backup as backups


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


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1_000_000:.1f} MB" if size_bytes >= 100_000 else f"{size_bytes / 1000:.1f} kB"


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
