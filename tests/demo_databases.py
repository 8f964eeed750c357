"""Small demo databases for the generator's tests (tests/test_demo.py, tests/engagement/test_demo.py).

Each load goes into a database of its own: a SQLite file in the temporary directory, or a new
PostgreSQL database that is dropped at the end of the session. Loads that tests only read are shared
across modules (same name, seed and clock: the same rows); a test that writes asks for a fresh one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo import generator
from channelbase.demo.generator import DemoSummary, generate
from tests.conftest import database_url

Loaded = tuple[sessionmaker[Session], DemoSummary]


class DemoDatabases:
    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.urls: list[str] = []
        self.shared: dict[tuple[str, int, int], Loaded] = {}
        self.factories: list[sessionmaker[Session]] = []

    def load(self, name: str, seed: int = 7, *, hours_later: int = 0, fresh: bool = False) -> Loaded:
        """The small demo with this seed, generated `hours_later` than now (dates follow the clock)."""
        key = (name, seed, hours_later)
        if not fresh and key in self.shared:
            return self.shared[key]
        self.urls.append(database_url(self.tmp_dir, f"demo_{name}_{seed}_{hours_later}{'_fresh' if fresh else ''}"))
        factory = make_sessionmaker(make_engine(self.urls[-1]))
        self.factories.append(factory)
        migrate.upgrade(factory.kw["bind"])
        with pytest.MonkeyPatch.context() as patch:
            if hours_later:
                patch.setattr(generator, "utcnow", lambda: utcnow() + timedelta(hours=hours_later))
            with unit_of_work(factory) as session:
                summary = generate(session, scale="small", seed=seed)
        if not fresh:
            self.shared[key] = (factory, summary)
        return factory, summary

    def close(self) -> None:
        for factory in self.factories:
            factory.kw["bind"].dispose()
        for url in self.urls:
            if url.startswith("postgresql"):
                server, _, name = url.rpartition("/")
                admin = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
