"""registration.expiring: once a day, one event per approved registration within 7 days of its expiry.

Runs as jobs, so it happens once whichever process looks first: the runner queues one scan a day (only
while some active subscription wants the event); the scan queues one notice job per expiring registration,
keyed by the registration and its expiry date, so each is announced once, and again after an extension."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channelbase.core.base import utcnow
from channelbase.core.db import WRITES, unit_of_work
from channelbase.deals.models import Registration, RegistrationStatus
from channelbase.engagement import jobs
from channelbase.engagement.models import Job
from channelbase.webhooks import events

EVENT = "registration.expiring"
WINDOW_DAYS = 7
SCAN = "webhooks.expiring_scan"
NOTICE = "webhooks.registration_expiring"


def scan_key(day: date) -> str:
    return f"webhooks:expiring-scan:{day.isoformat()}"


def notice_key(registration_id: int, expires_on: date) -> str:
    return f"webhooks:{EVENT}:{registration_id}:{expires_on.isoformat()}"


def schedule_scan(factory: sessionmaker[Session], now: datetime | None = None) -> bool:
    """Queue today's scan unless it is queued already or nobody subscribes; True if queued now."""
    now = now or utcnow()
    key = scan_key(now.date())
    # Read first: this runs every pass, and most passes have nothing to write.
    with unit_of_work(factory) as session:
        if not events.subscribers(session, EVENT) or session.scalar(select(Job.id).where(Job.key == key)):
            return False
    with unit_of_work(factory, writes=True) as session:
        return jobs.enqueue(session, SCAN, key, {"day": now.date().isoformat(), "at": now.isoformat()}, run_at=now)


def expiring_on(session: Session, day: date) -> list[tuple[int, date]]:
    """(id, expiry date) of approved registrations expiring from `day` to WINDOW_DAYS after it."""
    stmt = (select(Registration.id, Registration.expires_on)
            .where(Registration.status == RegistrationStatus.APPROVED, Registration.expires_on >= day,
                   Registration.expires_on <= day + timedelta(days=WINDOW_DAYS))
            .order_by(Registration.id))
    return [(reg_id, expires_on) for reg_id, expires_on in session.execute(stmt) if expires_on is not None]


def _will_write(session: Session) -> None:
    # These handlers read, then write: on SQLite take the write lock as the transaction begins (see core.db).
    session.connection(execution_options={WRITES: True})


@jobs.handler(SCAN)
def scan(session: Session, payload: dict[str, Any]) -> None:
    _will_write(session)
    at = datetime.fromisoformat(payload["at"])  # the notices are due from the scan's own time
    for reg_id, expires_on in expiring_on(session, date.fromisoformat(payload["day"])):
        jobs.enqueue(session, NOTICE, notice_key(reg_id, expires_on),
                     {"registration_id": reg_id, "expires_on": expires_on.isoformat()}, run_at=at)


@jobs.handler(NOTICE)
def notice(session: Session, payload: dict[str, Any]) -> None:
    _will_write(session)
    registration = session.get(Registration, payload["registration_id"])
    # Converted, extended or expired since the scan: that expiry date is no longer coming up.
    if (registration is None or registration.status != RegistrationStatus.APPROVED
            or registration.expires_on is None or registration.expires_on.isoformat() != payload["expires_on"]
            or registration.expires_on < utcnow().date()):
        return
    events.registration_changed(session, EVENT, registration)
