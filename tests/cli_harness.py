"""Running the `channelbase` CLI in tests against a fresh, migrated and seeded SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
from rich.console import Console
from typer.testing import CliRunner

from channelbase import cli, cli_support
from channelbase.core.config import get_settings
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.demo.world import World, seed_world

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(cli.app, list(args))


def ensure_mounted() -> None:
    """The domains' commands, as `channelbase` (its main) mounts them."""
    if not any(group.name == "partners" for group in cli.app.registered_groups):
        cli._mount_domains()


def _clear_caches() -> None:
    get_settings.cache_clear()
    cli_support.engine.cache_clear()


@contextmanager
def cli_database(data_dir: Path, wide_consoles: tuple[ModuleType, ...] = ()) -> Iterator[World]:
    """Point the CLI (which opens its own engine from the settings) at a new database with the personas."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHANNELBASE_DATABASE_URL", f"sqlite:///{data_dir / 'cli.db'}")
        patch.setenv("CHANNELBASE_DATA_DIR", str(data_dir))
        _clear_caches()
        # Wide consoles: without a terminal Rich wraps at 80 columns (or a COLUMNS fixed at import, as under xdist).
        for module in wide_consoles:
            patch.setattr(module, "console", Console(width=200))
        patch.setattr(cli_support, "err_console", Console(stderr=True, width=200))
        ensure_mounted()
        assert invoke("db", "upgrade").exit_code == 0
        with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
            seeded = seed_world(session)
        try:
            yield seeded
        finally:
            cli_support.engine().dispose()
            _clear_caches()
