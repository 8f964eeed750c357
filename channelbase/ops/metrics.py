"""Prometheus metrics at GET /metrics: request latency by route, job queue depth and failures, DB pool use.

With several worker processes (`channelbase serve --workers N`) each worker writes its numbers to files in
PROMETHEUS_MULTIPROC_DIR and /metrics adds them up, whichever worker answers. prometheus_client chooses
between in-memory and file-backed values when it is first imported, so the variable must be set before the
workers start (prepare_for_workers does that for `serve`; under gunicorn, set it yourself)."""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from channelbase.core.base import utcnow
from channelbase.core.config import Settings
from channelbase.engagement.jobs import queue_depth
from channelbase.engagement.models import Job, JobStatus

log = logging.getLogger("channelbase.metrics")
router = APIRouter()

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
# Any method a client invents would otherwise become a time series of its own.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("channelbase_http_requests", "HTTP requests answered, by route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("channelbase_http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
# Each worker reports its own pool; "livesum" adds up the workers that are alive.
POOL = Gauge("channelbase_db_pool_connections", "Database connections of the web processes' pools, by state.",
             ["state"], multiprocess_mode="livesum")
POOL_SIZE = Gauge("channelbase_db_pool_size", "Configured size of the web processes' connection pools.",
                  multiprocess_mode="livesum")
_POOL_STATES = {state: POOL.labels(state) for state in ("checked_out", "idle", "overflow")}
_last_pool_numbers: tuple[int, ...] = ()


# The labelled children, kept at hand: labels() validates and locks on every call, and this runs per request.
# Bounded: routes are templates, methods a fixed set and statuses few.
_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    series = _request_series.get((method, route, status))
    if series is None:
        label = method if method in KNOWN_METHODS else "OTHER"
        series = (REQUESTS.labels(label, route, str(status)), LATENCY.labels(label, route))
        if label == method:  # a made-up method is not worth a cache entry of its own
            _request_series[(method, route, status)] = series
    series[0].inc()
    series[1].observe(seconds)


def sample_pool(engine: Engine) -> None:
    """Record the pool's current use; pools without these numbers (StaticPool, NullPool) are left out."""
    global _last_pool_numbers
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return
    numbers = (pool.size(), pool.checkedout(), pool.checkedin(), max(pool.overflow(), 0))  # overflow from -size
    if numbers == _last_pool_numbers:  # as after most requests: skip the gauges' locks (and file writes)
        return
    _last_pool_numbers = numbers
    POOL_SIZE.set(numbers[0])
    for gauge, value in zip(_POOL_STATES.values(), numbers[1:]):
        gauge.set(value)


def engine_of(factory: sessionmaker[Session]) -> Engine | None:
    bind = factory.kw.get("bind")
    return getattr(bind, "engine", None)  # an Engine, or the Connection a test binds to


class JobQueueCollector(Collector):
    """Job counts read from the database at scrape time, so every process reports the same, true numbers."""

    def __init__(self, factory: sessionmaker[Session]):
        self.factory = factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("channelbase_database_up", "1 if /metrics could read the database, else 0.")
        try:
            depth, retrying, oldest_due = self._read()
        except SQLAlchemyError as exc:
            log.warning("metrics: cannot read the job queue: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("channelbase_jobs", "Background jobs by state.", labels=["state"])
        for state in JobStatus:
            jobs.add_metric([state.value], depth.get(state.value, 0))
        yield jobs
        yield GaugeMetricFamily("channelbase_jobs_retrying", "Pending jobs that failed before and wait to retry.",
                                value=retrying)
        yield GaugeMetricFamily("channelbase_jobs_oldest_due_seconds", "How long the oldest due pending job has "
                                "waited for a worker (0 if none): a stuck runner shows here.", value=oldest_due)

    def _read(self) -> tuple[dict[str, int], int, float]:
        now = utcnow()
        pending = Job.status == JobStatus.PENDING
        with self.factory() as session:
            depth = queue_depth(session)
            retrying = session.scalar(select(func.count()).where(pending, Job.attempts > 0)) or 0
            oldest = session.scalar(select(func.min(Job.run_at)).where(pending, Job.run_at <= now))
        lag: timedelta = now - oldest if oldest is not None else timedelta(0)
        return depth, retrying, max(lag.total_seconds(), 0.0)


def _allowed(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return request.client is not None and request.client.host in LOOPBACK


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    # 404 rather than 401/403: to anyone not allowed, /metrics does not exist.
    if not _allowed(request, request.app.state.settings):
        raise HTTPException(status_code=404)
    factory = request.app.state.sessionmaker
    engine = engine_of(factory)
    if engine is not None:
        sample_pool(engine)
    database = CollectorRegistry(auto_describe=False)
    database.register(JobQueueCollector(factory))
    return Response(generate_latest(_process_registry()) + generate_latest(database), media_type=CONTENT_TYPE_LATEST)


def _process_registry() -> CollectorRegistry:
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return REGISTRY
    _forget_dead_workers(Path(folder))
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def _forget_dead_workers(folder: Path) -> None:
    """A worker the server replaced leaves its pool gauges behind; "live" gauges must drop them."""
    for path in folder.glob("gauge_live*_*.db"):
        match = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), str(folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_for_workers(settings: Settings, workers: int) -> None:
    """Before the server starts its worker processes: let their metrics add up (multiprocess mode)."""
    if workers <= 1 or os.environ.get(MULTIPROC_ENV):
        return
    folder = (settings.data_dir / "metrics").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # numbers of a previous run would be added to this one's
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
