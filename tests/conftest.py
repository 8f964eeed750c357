"""Shared fixtures: one migrated database per test session (SQLite, or PostgreSQL when
CHANNELBASE_TEST_DB is set), the demo personas committed once, and a rollback per test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.config import Settings
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo.world import World, seed_world

CSRF = "csrf-test-token"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def database_url(tmp_dir: Path, name: str) -> str:
    """A fresh, empty database for this worker: a SQLite file, or a new PostgreSQL database."""
    base = os.environ.get("CHANNELBASE_TEST_DB", "")
    if not base.startswith("postgres"):
        path = tmp_dir / f"{name}_{_worker()}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", base)
    server, _, _ = base.rpartition("/")
    # CHANNELBASE_TEST_DB_TAG keeps concurrent runs (two developers, one server) off each other's databases.
    db_name = f"cb_{name}_{_worker()}{os.environ.get('CHANNELBASE_TEST_DB_TAG', '')}".lower()
    admin = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return f"{server}/{db_name}"


def pytest_report_header(config) -> str:
    backend = "PostgreSQL" if os.environ.get("CHANNELBASE_TEST_DB", "").startswith("postgres") else "SQLite"
    return f"channelbase test database: {backend}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    return database_url(tmp_path_factory.getbasetemp(), "test")


@pytest.fixture(scope="session")
def engine(db_url) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def world(engine) -> World:
    """The demo personas, committed once; tests see them and roll back their own changes."""
    with unit_of_work(make_sessionmaker(engine)) as session:
        return seed_world(session)


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory):
    """Small demo databases, shared by the generator's tests (see tests/demo_databases.py)."""
    from tests.demo_databases import DemoDatabases
    databases = DemoDatabases(tmp_path_factory.mktemp("demo"))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def settings(tmp_path_factory, db_url) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=db_url, secret_key="x" * 40,
                    login_max_failures=3)


@pytest.fixture
def connection(engine, world):
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection) -> sessionmaker[Session]:
    # Commits in the code under test become savepoints inside the test's outer transaction.
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_factory) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def actor(db, world):
    """actor('lucia') -> the User row of that persona."""
    return lambda key: db.get(User, world.users[key])


@pytest.fixture
def app(settings, session_factory):
    from channelbase.app import create_app
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def client_as(app, session_factory, world):
    """client_as('ana') -> a TestClient signed in as that persona, with a valid CSRF cookie and header."""
    clients: list[TestClient] = []

    def make(key: str) -> TestClient:
        with session_factory.begin() as session:
            token = auth_service.start_session(session, session.get(User, world.users[key]))
        client = TestClient(app, base_url="http://testserver", follow_redirects=False,
                            cookies={"cb_session": token, "cb_csrf": CSRF}, headers={"X-CSRF-Token": CSRF})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api_as(app, session_factory, world):
    """api_as('bruno') -> a TestClient sending that persona's Bearer token and no cookies."""
    clients: list[TestClient] = []

    def make(key: str) -> TestClient:
        with session_factory.begin() as session:
            _token, secret = auth_service.create_api_token(session, session.get(User, world.users[key]), "tests")
        client = TestClient(app, base_url="http://testserver", follow_redirects=False,
                            headers={"Authorization": f"Bearer {secret}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
