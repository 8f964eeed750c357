"""GET /healthz and GET /readyz: the process answers; the database is reachable and at the schema this code needs,
and readiness comes back by itself once the database does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from channelbase.app import create_app
from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker
from tests.conftest import database_url


@contextmanager
def _client(settings, url: str) -> Iterator[TestClient]:
    """A client of an app on its own engine (not the suite's rollback connection): the engine's pool is what
    an outage breaks."""
    engine = make_engine(url)
    app = create_app(settings.model_copy(update={"database_url": url}), session_factory=make_sessionmaker(engine))
    try:
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield client
    finally:
        engine.dispose()


def _migrated(tmp_path: Path, name: str) -> str:
    url = database_url(tmp_path, name)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def test_healthz_answers_without_sign_in(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_on_a_database_at_the_latest_schema(anon):
    response = anon.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "schema": f"at {migrate.head_revision()} (latest)"}}


def test_readyz_says_to_upgrade_when_the_schema_is_behind_then_is_ready_after_the_upgrade(settings, tmp_path):
    url = _migrated(tmp_path, "behind")
    engine = make_engine(url)
    migrate.downgrade(engine, "-1")
    previous, head = migrate.current_revision(engine), migrate.head_revision()
    with _client(settings, url) as client:
        behind = client.get("/readyz")
        migrate.upgrade(engine)
        upgraded = client.get("/readyz")
    engine.dispose()
    assert behind.status_code == 503
    assert behind.json() == {"status": "not ready", "checks": {
        "database": "ok", "schema": f"schema at {previous}, this code needs {head}: run `channelbase db upgrade`"}}
    assert upgraded.status_code == 200 and upgraded.json()["status"] == "ready"


def test_readyz_on_an_empty_database_says_to_upgrade(settings, tmp_path):
    with _client(settings, database_url(tmp_path, "empty")) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["schema"] == (f"schema at nothing (empty database), this code needs "
                                                   f"{migrate.head_revision()}: run `channelbase db upgrade`")


@contextmanager
def _postgres_outage(url: str) -> Iterator[None]:
    """What a restart or a failover does to the app: new connections are refused and open ones are cut."""
    name = make_url(url).database
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                           {"name": name})
    try:
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()


@contextmanager
def _sqlite_outage(url: str) -> Iterator[None]:
    """The database file is away (a volume not mounted yet, a restore in progress) and its path holds something
    else. An open SQLite connection keeps its file whatever happens to the path, so this outage, unlike
    PostgreSQL's, can only meet connections opened during it (see the test)."""
    path = Path(make_url(url).database or "")
    aside = path.with_name(path.name + ".away")
    shutil.move(path, aside)
    path.write_text("this is not a database\n" * 100)
    try:
        yield
    finally:
        path.unlink()
        shutil.move(aside, path)


def test_readyz_is_503_while_the_database_is_down_and_ready_again_as_soon_as_it_is_back(settings, tmp_path):
    url = _migrated(tmp_path, "outage")
    postgres = url.startswith("postgresql")
    outage = _postgres_outage if postgres else _sqlite_outage
    with _client(settings, url) as client:
        if postgres:
            # The pool now holds a connection that the outage kills: the next check must not reuse it blindly.
            assert client.get("/readyz").status_code == 200
        with outage(url):
            down = client.get("/readyz")
        back = client.get("/readyz")
    assert down.status_code == 503, down.text
    checks = down.json()["checks"]
    assert checks["database"] == ("unreachable (OperationalError); see the log" if postgres
                                  else "unreachable (DatabaseError); see the log")
    password = make_url(url).password
    assert make_url(url).database not in down.text and "postgresql" not in down.text
    assert not password or password not in down.text
    assert back.status_code == 200, back.text
    assert back.json()["checks"] == {"database": "ok", "schema": f"at {migrate.head_revision()} (latest)"}


def test_readiness_and_liveness_are_not_in_the_api_schema(anon):
    paths = anon.get("/api/v1/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_healthz_does_not_touch_the_database(settings, tmp_path):
    # A database outage must not make an orchestrator restart every worker: liveness is only "the process answers".
    not_a_database = tmp_path / "junk.db"
    not_a_database.write_text("this is not a database\n" * 100)
    with _client(settings, f"sqlite:///{not_a_database}") as client:
        assert client.get("/readyz").status_code == 503  # the database is unusable indeed
        response = client.get("/healthz")
    assert response.status_code == 200
