"""The events receivers subscribe to, and `emit`: a transactional outbox.

`emit` runs inside the caller's transaction and only inserts one pending delivery per active subscription
that wants the event. If the action rolls back, its deliveries roll back with it, so no webhook announces
a change that never happened; and no HTTP call happens here, so a slow receiver never slows a user down.
The background runner sends the deliveries (see `delivery`)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.core.base import utcnow
from channelbase.deals.models import Opportunity, Registration, StageOutcome
from channelbase.partners.models import Partner
from channelbase.webhooks import payloads
from channelbase.webhooks.models import ALL_EVENTS, DeliveryStatus, WebhookDelivery, WebhookSubscription

EVENTS: dict[str, str] = {
    "registration.submitted": "A deal registration was submitted",
    "registration.approved": "A deal registration was approved",
    "registration.rejected": "A deal registration was rejected",
    "registration.expiring": "An approved registration expires within 7 days (once per expiry date)",
    "opportunity.stage_changed": "An opportunity moved to another stage",
    "opportunity.won": "An opportunity moved to a won stage",
    "opportunity.lost": "An opportunity moved to a lost stage",
    "partner.created": "A partner was added",
}
PING = "ping"  # sent on request to one subscription, whatever it subscribes to


def subscribers(session: Session, event: str) -> list[int]:
    """Ids of the active subscriptions that want `event`."""
    rows = session.execute(select(WebhookSubscription.id, WebhookSubscription.events)
                           .where(WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id)).all()
    return [sub_id for sub_id, wanted in rows if ALL_EVENTS in wanted or event in wanted]


def queue(session: Session, subscription_ids: list[int], event: str, data: dict[str, Any], *,
          now: datetime | None = None) -> str:
    """Insert one pending delivery of the event per subscription; returns the event's id."""
    now = now or utcnow()
    event_id = uuid.uuid4().hex
    session.add_all(WebhookDelivery(subscription_id=sub_id, event=event, event_id=event_id, payload=data,
                                    status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
                    for sub_id in subscription_ids)
    return event_id


def emit(session: Session, event: str, data: dict[str, Any] | Callable[[], dict[str, Any]], *,
         now: datetime | None = None) -> str | None:
    """Queue `event` for every active subscription wanting it, in the caller's transaction.

    `data` may be a function building the payload, called only when someone subscribes. Returns the
    event id, or None when nobody wants the event."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event '{event}'")
    wanted = subscribers(session, event)
    if not wanted:
        return None
    return queue(session, wanted, event, data() if callable(data) else data, now=now)


# The one-line hooks the services call ------------------------------------------------------------

def registration_changed(session: Session, event: str, registration: Registration) -> str | None:
    """registration.submitted / .approved / .rejected / .expiring for this registration."""
    return emit(session, event, lambda: payloads.registration(session, registration))


def opportunity_moved(session: Session, opportunity: Opportunity, from_stage_id: int | None) -> None:
    """opportunity.stage_changed, and .won or .lost when the new stage closes the deal."""
    build = functools.cache(lambda: payloads.opportunity(session, opportunity, from_stage_id))  # built once
    emit(session, "opportunity.stage_changed", build)
    if opportunity.outcome in (StageOutcome.WON, StageOutcome.LOST):
        emit(session, f"opportunity.{opportunity.outcome}", build)


def partner_created(session: Session, partner: Partner) -> str | None:
    return emit(session, "partner.created", lambda: payloads.partner(partner))
