"""Webhook subscriptions and their delivery log: the rules every adapter (pages, CLI) calls. Admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import system_actor
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from channelbase.core.pagination import Page, paginate
from channelbase.partners.common import check_version
from channelbase.webhooks import events, signature
from channelbase.webhooks.models import ALL_EVENTS, DeliveryStatus, WebhookDelivery, WebhookSubscription
from channelbase.webhooks.schemas import DeliveryFilter, SubscriptionIn, SubscriptionUpdate

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # plain http allowed: development and tests


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only admins may manage webhooks.")


# Checks ---------------------------------------------------------------------------------------------

def checked_url(url: str) -> str:
    """An https URL (http only to this machine), without credentials; InvalidInput saying what to fix."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise InvalidInput(f"'{url}' is not a valid URL.", field_errors={"url": "not a valid URL"}) from None
    scheme = parts.scheme.lower()
    if scheme == "http" and host in LOCAL_HOSTS:
        pass
    elif scheme == "http":
        raise InvalidInput("Use an https:// URL: webhooks carry deal data. Plain http:// is only allowed to "
                           "127.0.0.1 or localhost, for development and tests.",
                           field_errors={"url": "must start with https://"})
    elif scheme != "https":
        raise InvalidInput(f"The URL must start with https:// (got '{scheme or url}:').",
                           field_errors={"url": "must start with https://"})
    if not host:
        raise InvalidInput(f"'{url}' has no host name: give the receiver's full URL, e.g. "
                           "https://example.com/hooks/channelbase.", field_errors={"url": "no host name"})
    if parts.username or parts.password:
        raise InvalidInput("Put no user name or password in the URL: it is shown on pages and in logs. Receivers "
                           "check the signature instead.", field_errors={"url": "remove the user name and password"})
    return url


def checked_events(names: list[str]) -> list[str]:
    """Known event names, in catalogue order; ["*"] for all of them."""
    chosen = {name.strip() for name in names if name.strip()}
    if not chosen:
        raise InvalidInput("Choose at least one event, or all events.", field_errors={"events": "choose at least one"})
    unknown = sorted(chosen - set(events.EVENTS) - {ALL_EVENTS})
    if unknown:
        raise InvalidInput(f"Unknown event{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}: "
                           f"choose from {', '.join(events.EVENTS)} (or * for all).",
                           field_errors={"events": f"unknown: {', '.join(unknown)}"})
    if ALL_EVENTS in chosen:
        return [ALL_EVENTS]
    return [name for name in events.EVENTS if name in chosen]


def _without_secret(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: v for k, v in values.items() if k != "secret"}


def _audit(session: Session, actor: Any, action: str, subscription: WebhookSubscription,
           before: dict[str, Any] | None) -> None:
    """audit.record, with the secret kept out of the stored values (the audit log is exported and shown)."""
    entry = audit.record(session, actor, action, subscription, _without_secret(before))
    entry.after = _without_secret(entry.after)


# Subscriptions -------------------------------------------------------------------------------------

def list_subscriptions(session: Session, actor: User) -> list[WebhookSubscription]:
    require_admin(actor)
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def pending_counts(session: Session, actor: User) -> dict[int, int]:
    """Deliveries waiting to be sent (or retried), by subscription."""
    require_admin(actor)
    stmt = (select(WebhookDelivery.subscription_id, func.count()).where(WebhookDelivery.status == DeliveryStatus.PENDING)
            .group_by(WebhookDelivery.subscription_id))
    return {sub_id: count for sub_id, count in session.execute(stmt)}


def get_subscription(session: Session, actor: User, subscription_id: int) -> WebhookSubscription:
    require_admin(actor)
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"No webhook #{subscription_id}.")
    return subscription


def create_subscription(session: Session, actor: User, data: SubscriptionIn) -> tuple[WebhookSubscription, str]:
    """Add a subscription; returns it and its signing secret, which is shown once."""
    require_admin(actor)
    subscription = WebhookSubscription(url=checked_url(data.url), description=data.description,
                                       events=checked_events(data.events), secret=signature.new_secret(),
                                       active=data.active, created_by_id=actor.id)
    session.add(subscription)
    _audit(session, actor, "create", subscription, None)
    return subscription, subscription.secret


def update_subscription(session: Session, actor: User, subscription_id: int,
                        data: SubscriptionUpdate) -> WebhookSubscription:
    """Change the URL, description, events or active flag, refusing stale edits."""
    subscription = get_subscription(session, actor, subscription_id)
    check_version(session, subscription, data.version)
    url, chosen = checked_url(data.url), checked_events(data.events)
    before = audit.snapshot(subscription)
    subscription.url, subscription.description, subscription.events = url, data.description, chosen
    _set_active(subscription, data.active)
    _audit(session, actor, "update", subscription, before)
    return subscription


def _set_active(subscription: WebhookSubscription, active: bool, reason: str = "") -> None:
    if active != subscription.active:
        subscription.active = active
        subscription.paused_reason = "" if active else reason


def set_active(session: Session, actor: User, subscription_id: int, version: int,
               active: bool) -> WebhookSubscription:
    """Pause (nothing is queued or sent) or resume a subscription; waiting deliveries go out on resume."""
    subscription = get_subscription(session, actor, subscription_id)
    check_version(session, subscription, version)
    before = audit.snapshot(subscription)
    _set_active(subscription, active, f"Paused by {actor.name} on {utcnow():%Y-%m-%d %H:%M} UTC.")
    _audit(session, actor, "resume" if active else "pause", subscription, before)
    return subscription


def rotate_secret(session: Session, actor: User, subscription_id: int, version: int) -> tuple[WebhookSubscription, str]:
    """A new signing secret, shown once; the old one stops working at the next delivery."""
    subscription = get_subscription(session, actor, subscription_id)
    check_version(session, subscription, version)
    before = audit.snapshot(subscription)
    subscription.secret = signature.new_secret()
    _audit(session, actor, "rotate_secret", subscription, before)
    return subscription, subscription.secret


def delete_subscription(session: Session, actor: User, subscription_id: int) -> None:
    """Delete the subscription and its delivery log."""
    subscription = get_subscription(session, actor, subscription_id)
    _audit(session, actor, "purge", subscription, audit.snapshot(subscription))
    session.delete(subscription)
    session.flush()


def pause_gone(session: Session, subscription_id: int, *, now: datetime | None = None) -> None:
    """The receiver answered 410 Gone: stop sending there until an admin resumes it (audited as the system)."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or not subscription.active:
        return
    before = audit.snapshot(subscription)
    _set_active(subscription, False, f"The receiver answered 410 Gone on {(now or utcnow()):%Y-%m-%d %H:%M} UTC.")
    _audit(session, system_actor(), "pause", subscription, before)


def ping(session: Session, actor: User, subscription_id: int, *, now: datetime | None = None) -> str:
    """Queue a test 'ping' event to this subscription (even if paused: it goes out once resumed)."""
    subscription = get_subscription(session, actor, subscription_id)
    data = {"subscription_id": subscription.id, "message": "Test event sent from Channelbase.",
            "requested_by": actor.name}
    return events.queue(session, [subscription.id], events.PING, data, now=now)


# Deliveries ----------------------------------------------------------------------------------------

def list_deliveries(session: Session, actor: User, *, subscription_id: int | None = None,
                    filters: DeliveryFilter | None = None, page: int = 1, per_page: int = 25) -> Page[WebhookDelivery]:
    """The delivery log, newest first, of one subscription or all, optionally of one status."""
    require_admin(actor)
    stmt = select(WebhookDelivery)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if filters is not None and filters.status is not None:
        stmt = stmt.where(WebhookDelivery.status == filters.status)
    return paginate(session, stmt.order_by(WebhookDelivery.id.desc()), page, per_page)


def get_delivery(session: Session, actor: User, delivery_id: int) -> WebhookDelivery:
    require_admin(actor)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"No webhook delivery #{delivery_id}.")
    return delivery


def redeliver(session: Session, actor: User, delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again at the next pass, with a fresh set of attempts and the same event id."""
    delivery = get_delivery(session, actor, delivery_id)
    if delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0:
        raise Conflict(f"Delivery #{delivery.id} has not been sent yet; it goes out at the next pass.")
    before = audit.snapshot(delivery)
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now or utcnow()
    delivery.delivered_at = None
    audit.record(session, actor, "redeliver", delivery, before)
    return delivery
