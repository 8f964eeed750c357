"""GET /metrics: who may read it, request counts and latency by route template, the job queue read from the
database, the connection pool, and numbers that add up across `channelbase serve --workers 2`."""

from __future__ import annotations

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

import channelbase
from channelbase.app import create_app
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.engagement import jobs
from channelbase.engagement.models import Job
from channelbase.ops import metrics
from tests.conftest import database_url
from tests.ops import processes

TOKEN = "metrics-token-for-tests-0123456789"
LOOPBACK_CLIENT = ("127.0.0.1", 50000)
CODE = str(Path(channelbase.__file__).resolve().parents[1])
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def with_token(settings, session_factory) -> TestClient:
    app = create_app(settings.model_copy(update={"metrics_token": TOKEN}), session_factory=session_factory)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def _scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


def test_requests_are_counted_and_timed_by_route_template_not_by_path(with_token, world):
    before = _scrape(with_token)
    partner_ids = [world.partners["abertas"], world.partners["northwind"], 999999]
    for partner_id in partner_ids:
        assert with_token.get(f"/partners/{partner_id}").status_code == 303  # to the sign-in page
        assert with_token.get(f"/api/v1/partners/{partner_id}").status_code == 401
    after = _scrape(with_token)

    page = dict(method="GET", route="/partners/{partner_id}")
    api = dict(method="GET", route="/api/v1/partners/{partner_id}")  # with the router's prefix
    assert _value(after, "channelbase_http_requests_total", **page, status="303") - \
        _value(before, "channelbase_http_requests_total", **page, status="303") == 3
    assert _value(after, "channelbase_http_requests_total", **api, status="401") - \
        _value(before, "channelbase_http_requests_total", **api, status="401") == 3
    assert _value(after, "channelbase_http_request_duration_seconds_count", **page) - \
        _value(before, "channelbase_http_request_duration_seconds_count", **page) == 3
    assert _value(after, "channelbase_http_request_duration_seconds_bucket", **page, le="+Inf") - \
        _value(before, "channelbase_http_request_duration_seconds_bucket", **page, le="+Inf") == 3
    routes = {dict(labels).get("route") for (_name, labels) in after}
    assert not routes & {f"{prefix}/partners/{partner_id}" for prefix in ("", "/api/v1") for partner_id in partner_ids}


def test_unmatched_paths_static_files_and_secret_urls_get_fixed_route_labels(with_token):
    with_token.get("/no-such-page/12345")
    with_token.get("/static/app.css")
    with_token.get("/calendar/not-a-real-feed-token.ics")
    routes = {dict(labels).get("route") for (_name, labels) in _scrape(with_token)}
    assert {"unmatched", "/static", "/calendar/{feed_token}.ics"} <= routes
    assert not any("12345" in route or "app.css" in route or "not-a-real" in route for route in routes if route)


def test_the_job_gauges_show_what_the_queue_holds(with_token, db):
    before = _scrape(with_token)
    jobs.enqueue(db, "test.metrics", "metrics-1")
    jobs.enqueue(db, "test.metrics", "metrics-2", run_at=utcnow() - timedelta(hours=2))
    jobs.enqueue(db, "test.metrics", "metrics-3", run_at=utcnow() + timedelta(days=1))
    db.execute(update(Job).where(Job.key == "metrics-3").values(attempts=1, last_error="RuntimeError: down"))
    jobs.enqueue(db, "test.metrics", "metrics-4")
    db.execute(update(Job).where(Job.key == "metrics-4").values(status="failed", attempts=5))
    db.flush()
    after = _scrape(with_token)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("channelbase_jobs", state="pending") == 3
    assert grew("channelbase_jobs", state="failed") == 1
    assert grew("channelbase_jobs", state="running") == 0
    assert grew("channelbase_jobs_retrying") == 1
    assert _value(after, "channelbase_jobs_oldest_due_seconds") >= 2 * 3600
    assert _value(after, "channelbase_database_up") == 1


def test_metrics_still_answer_when_the_database_does_not(settings, tmp_path):
    not_a_database = tmp_path / "junk.db"
    not_a_database.write_text("this is not a database\n" * 100)
    url = f"sqlite:///{not_a_database}"
    app = create_app(settings.model_copy(update={"metrics_token": TOKEN, "database_url": url}),
                     session_factory=make_sessionmaker(make_engine(url)))
    with TestClient(app, base_url="http://testserver") as client:
        samples = _scrape(client)
    assert _value(samples, "channelbase_database_up") == 0
    assert not any(name == "channelbase_jobs" for name, _labels in samples)
    assert any(name == "channelbase_http_requests_total" for name, _labels in samples)


def test_pool_gauges_show_the_apps_engine(with_token):
    samples = _scrape(with_token)
    assert _value(samples, "channelbase_db_pool_size") >= 1
    # This test holds one connection of the engine's pool (its rolled-back transaction) while it scrapes.
    assert _value(samples, "channelbase_db_pool_connections", state="checked_out") >= 1
    assert ("channelbase_db_pool_connections", frozenset({("state", "idle")})) in samples
    assert ("channelbase_db_pool_connections", frozenset({("state", "overflow")})) in samples


def test_pools_without_these_numbers_are_left_out():
    engine = make_engine("sqlite://")  # a StaticPool: no size, no overflow
    metrics.sample_pool(engine)
    engine.dispose()


@pytest.mark.parametrize("token, headers, client, status", [
    ("", {}, None, 404),  # TestClient's own address, "testclient": not this machine
    ("", {}, LOOPBACK_CLIENT, 200),
    ("", {"Authorization": "Bearer anything"}, None, 404),
    (TOKEN, {}, None, 404),
    (TOKEN, {}, LOOPBACK_CLIENT, 404),  # with a token configured, being local is not enough
    (TOKEN, {"Authorization": "Bearer wrong-token"}, None, 404),
    (TOKEN, {"Authorization": f"Bearer {TOKEN}x"}, None, 404),
    (TOKEN, {"Authorization": f"Basic {TOKEN}"}, None, 404),
    (TOKEN, {"Authorization": f"Bearer {TOKEN}"}, None, 200),
    (TOKEN, {"Authorization": f"bearer {TOKEN}"}, LOOPBACK_CLIENT, 200),
])
def test_metrics_answer_only_the_token_or_this_machine(settings, session_factory, token, headers, client, status):
    app = create_app(settings.model_copy(update={"metrics_token": token}), session_factory=session_factory)
    options = {"client": client} if client else {}
    with TestClient(app, base_url="http://testserver", follow_redirects=False, **options) as http:
        response = http.get("/metrics", headers=headers)
    assert response.status_code == status
    assert ("channelbase_http_requests_total" in response.text) is (status == 200)


def test_a_forwarded_address_decides_not_the_proxys(settings, session_factory):
    # Behind a reverse proxy on this machine, the client is the one the proxy names, not the proxy itself.
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app, base_url="http://testserver", client=LOOPBACK_CLIENT) as http:
        assert http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_prepare_for_workers_sets_up_a_fresh_multiprocess_folder(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    local = settings.model_copy(update={"data_dir": tmp_path})
    metrics.prepare_for_workers(local, 1)
    assert metrics.MULTIPROC_ENV not in os.environ  # one process counts in memory

    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"numbers of the last run")
    metrics.prepare_for_workers(local, 2)
    assert os.environ[metrics.MULTIPROC_ENV] == str(folder.resolve())
    assert list(folder.iterdir()) == []

    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path / "chosen-by-the-operator"))
    metrics.prepare_for_workers(local, 2)
    assert os.environ[metrics.MULTIPROC_ENV] == str(tmp_path / "chosen-by-the-operator")


REQUEST_TRIES = 400  # a hang guard while both workers get some requests, not a time limit
HTTP_TIMEOUT = 60  # a hang guard too: the machine may be busy
UNMATCHED = dict(method="GET", route="unmatched", status="404")


def _unmatched_by_worker(folder: Path, scratch: Path) -> dict[str, float]:
    """Each worker's own count of unmatched requests, read from its file alone."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        alone = scratch / path.stem
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[path.stem] = registry.get_sample_value("channelbase_http_requests_total", UNMATCHED) or 0.0
    return counts


def test_serve_with_two_workers_adds_up_both_workers_numbers(tmp_path):
    url = database_url(tmp_path, "metrics_serve")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    data_dir, port = tmp_path / "data", processes.free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": CODE, "PYTHONUNBUFFERED": "1",
           "CHANNELBASE_DATABASE_URL": url, "CHANNELBASE_DATA_DIR": str(data_dir),
           "CHANNELBASE_SECRET_KEY": "metrics-secret-" + "k" * 32, "CHANNELBASE_JOBS_IN_WEB": "false"}
    server = processes.start("serve", ["serve", "--port", str(port), "--workers", "2"], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        processes.wait_until_serving(server, base)
        sent, by_worker = 0, {}
        # A new connection per request (the kernel picks the worker) until both workers have answered some.
        while sent < REQUEST_TRIES and sum(count > 0 for count in by_worker.values()) < 2:
            assert httpx.get(f"{base}/no-such-page", timeout=HTTP_TIMEOUT).status_code == 404
            sent += 1
            by_worker = _unmatched_by_worker(data_dir / "metrics", tmp_path)
        # A worker counts a request just after its response went out: wait for the last one to be counted.
        for _ in range(REQUEST_TRIES):
            if sum(by_worker.values()) >= sent:
                break
            time.sleep(0.01)
            by_worker = _unmatched_by_worker(data_dir / "metrics", tmp_path)
        scrapes = {_value(_samples(httpx.get(f"{base}/metrics", timeout=HTTP_TIMEOUT).text),
                          "channelbase_http_requests_total", **UNMATCHED) for _ in range(6)}
    finally:
        processes.stop([server])
    assert sum(count > 0 for count in by_worker.values()) == 2, f"{by_worker} after {sent}\n{server.output()}"
    assert sum(by_worker.values()) == sent
    assert scrapes == {sent}, server.output()  # whichever worker answered each scrape
