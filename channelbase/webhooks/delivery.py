"""Sending due deliveries: claim a batch, POST each signed body, record the outcome, retry with backoff.

A claim is one UPDATE (over rows locked with SKIP LOCKED on PostgreSQL) that pushes the rows'
`next_attempt_at` a lease ahead and counts the attempt, so two workers never send the same delivery, and
one that dies mid-send leaves it due again when the lease runs out. Each claim and each outcome is its
own short transaction: no transaction stays open while a receiver takes its time."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from channelbase import __version__
from channelbase.core.base import utcnow
from channelbase.core.db import unit_of_work
from channelbase.webhooks import expiring, service, signature
from channelbase.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

log = logging.getLogger("channelbase.webhooks")

# Waits after the 1st, 2nd, ... failed attempt; a failure after the last wait ends the delivery as failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=5)  # far beyond one attempt's timeout
BATCH = 10
# Attempts per background pass. Sends are sequential, so a receiver that times out costs TIMEOUT_SECONDS each:
# a small batch lets the runner's other jobs go between batches (it passes again at once while work remains).
PASS_LIMIT = BATCH
GONE = 410       # the receiver says the endpoint is gone for good: pause the subscription


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # None: no HTTP answer (refused, timed out, TLS error)
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Target:
    subscription_id: int
    url: str
    secret: str
    event: str
    event_id: str
    body: bytes


def claim(session: Session, *, now: datetime, limit: int = BATCH) -> list[tuple[int, int]]:
    """Claim up to `limit` due deliveries of active subscriptions: [(id, attempt number)]; commit right after."""
    active = select(WebhookSubscription.id).where(WebhookSubscription.active.is_(True))
    due = (select(WebhookDelivery.id)
           .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
                  WebhookDelivery.subscription_id.in_(active))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=WebhookDelivery)
    # Materialised, as in jobs.claim: PostgreSQL must not re-run the LIMITed subquery per row it scans.
    batch = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    stmt = (update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(select(batch.c.id)), WebhookDelivery.status == DeliveryStatus.PENDING,
                   WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
            .returning(WebhookDelivery.id, WebhookDelivery.attempts))
    return sorted((row.id, row.attempts) for row in session.execute(stmt))


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the same bytes on every attempt (only the signature's timestamp changes)."""
    envelope = {"id": delivery.event_id, "event": delivery.event, "created_at": delivery.created_at.isoformat(),
                "data": delivery.payload}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def target_of(session: Session, delivery_id: int) -> Target | None:
    row = session.execute(select(WebhookDelivery, WebhookSubscription.url, WebhookSubscription.secret)
                          .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                          .where(WebhookDelivery.id == delivery_id)).first()
    if row is None:
        return None  # its subscription was deleted meanwhile
    delivery, url, secret = row
    return Target(delivery.subscription_id, url, secret, delivery.event, delivery.event_id, body_of(delivery))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook is delivered to the URL an admin entered, or not at all: a 3xx is a failure to look at.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(target: Target, *, timestamp: int, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST the signed body once; never raises: any failure becomes the outcome's error."""
    headers = {"Content-Type": "application/json", "User-Agent": f"Channelbase-Webhooks/{__version__}",
               "X-Channelbase-Event": target.event, "X-Channelbase-Delivery": target.event_id,
               signature.HEADER: signature.header_value(target.secret, timestamp, target.body)}
    request = urllib.request.Request(target.url, data=target.body, headers=headers, method="POST")
    started = time.perf_counter()

    def took() -> int:
        return round((time.perf_counter() - started) * 1000)
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)  # let the receiver finish; its answer is not kept
            return Outcome(response.status, "", took())
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, _short(f"HTTP {exc.code} {exc.reason}", _start_of(exc)), took())
    except urllib.error.URLError as exc:
        return Outcome(None, _short(f"could not connect: {exc.reason}"), took())
    except Exception as exc:  # a timeout mid-answer, a reset, a malformed answer: the next attempt may do better
        return Outcome(None, _short(f"{type(exc).__name__}: {exc}"), took())


def _start_of(answer: urllib.error.HTTPError) -> bytes:
    try:
        return answer.read(200)
    except Exception:  # the receiver hung up mid-answer: the status says enough
        return b""


def _short(message: str, body: bytes = b"") -> str:
    text = body.decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return (f"{message}: {text}" if text else message)[:300]


def record(session: Session, delivery_id: int, attempt: int, outcome: Outcome, *, now: datetime) -> str | None:
    """Store the attempt's outcome and what happens next; returns the delivery's new status (None if it was
    redelivered or deleted meanwhile, so this attempt no longer counts)."""
    values: dict[str, Any] = dict(last_attempt_at=now, last_status_code=outcome.status_code,
                                  last_error=outcome.error, duration_ms=outcome.duration_ms)
    if outcome.ok:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None, last_error="")
    elif outcome.status_code == GONE or attempt >= MAX_ATTEMPTS:
        values.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        values.update(next_attempt_at=now + BACKOFF[attempt - 1])
    # One UPDATE, no read first (see jobs._record); the attempt number guards against a redelivery meanwhile.
    stmt = (update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.attempts == attempt,
                   WebhookDelivery.status == DeliveryStatus.PENDING)
            .values(**values).returning(WebhookDelivery.subscription_id, WebhookDelivery.status))
    row = session.execute(stmt).first()
    if row is None:
        return None
    if outcome.status_code == GONE:
        service.pause_gone(session, row.subscription_id, now=now)
    return row.status


def attempt_delivery(factory: sessionmaker[Session], delivery_id: int, attempt: int, *,
                     now: datetime | None = None) -> str | None:
    """Send one claimed delivery and record the outcome (each step in its own transaction)."""
    with unit_of_work(factory) as session:
        target = target_of(session, delivery_id)
    if target is None:
        return None
    outcome = post(target, timestamp=int((now or utcnow()).timestamp()))
    if not outcome.ok:
        log.info("webhook delivery %s (%s) attempt %s failed: %s", delivery_id, target.event, attempt, outcome.error)
    with unit_of_work(factory, writes=True) as session:
        return record(session, delivery_id, attempt, outcome, now=now or utcnow())


def deliver_due(factory: sessionmaker[Session], *, now: datetime | None = None,
                limit: int = 500) -> Counter[str]:
    """Claim and send due deliveries until none is left (or `limit` were attempted).

    Returns how many attempts ended delivered, pending (to retry later) or failed."""
    outcomes: Counter[str] = Counter()
    while outcomes.total() < limit:
        with unit_of_work(factory, writes=True) as session:
            claimed = claim(session, now=now or utcnow(), limit=min(BATCH, limit - outcomes.total()))
        if not claimed:
            break
        for delivery_id, attempt in claimed:
            outcomes[attempt_delivery(factory, delivery_id, attempt, now=now) or "superseded"] += 1
    return outcomes


def background_pass(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """The job runner's webhook step: queue the daily expiry scan when due, then send due deliveries."""
    expiring.schedule_scan(factory, now)
    return deliver_due(factory, now=now, limit=PASS_LIMIT).total()
