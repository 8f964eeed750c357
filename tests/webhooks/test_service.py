"""Subscriptions: who may manage them, what a valid one is, what the audit log keeps; registration.expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.errors import InvalidInput, NotPermitted, StaleEdit
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import ApproveIn, ExtendIn
from channelbase.deals.models import Registration
from channelbase.engagement import jobs
from channelbase.webhooks import expiring, service
from channelbase.webhooks.models import WebhookDelivery
from channelbase.webhooks.schemas import SubscriptionIn, SubscriptionUpdate


def new(db, admin, url="https://example.com/hooks", events=("*",)):
    return service.create_subscription(db, admin, SubscriptionIn(url=url, events=list(events)))


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/hooks", "must start with https://"),
    ("http://example.com/hooks", "Plain http:// is only allowed to 127.0.0.1 or localhost"),
    ("https://", "has no host name"),
    ("https://user:pass@example.com/hooks", "no user name or password"),
    ("example.com/hooks", "must start with https://"),
])
def test_it_refuses_a_url_that_is_not_https_with_a_clear_message(db, admin, url, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        new(db, admin, url=url)
    assert "url" in caught.value.field_errors


def test_plain_http_is_allowed_to_this_machine(db, admin):
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "https://partners.example.com/in"):
        subscription, _secret = new(db, admin, url=url)
        assert subscription.url == url


def test_it_refuses_unknown_events_naming_the_known_ones(db, admin):
    with pytest.raises(InvalidInput, match="Unknown event 'deal.created': choose from registration.submitted") as caught:
        new(db, admin, events=["registration.approved", "deal.created"])
    assert caught.value.field_errors == {"events": "unknown: deal.created"}
    with pytest.raises(InvalidInput, match="Choose at least one event"):
        new(db, admin, events=[])


def test_events_are_kept_in_catalogue_order_and_all_wins(db, admin):
    subscription, _ = new(db, admin, events=["partner.created", "registration.approved"])
    assert subscription.events == ["registration.approved", "partner.created"]
    subscription, _ = new(db, admin, events=["partner.created", "*"])
    assert subscription.events == ["*"]


def test_only_admins_manage_webhooks(db, admin, lucia):
    subscription, _ = new(db, admin)
    db.flush()
    for call in (lambda: new(db, lucia), lambda: service.list_subscriptions(db, lucia),
                 lambda: service.get_subscription(db, lucia, subscription.id),
                 lambda: service.ping(db, lucia, subscription.id),
                 lambda: service.delete_subscription(db, lucia, subscription.id),
                 lambda: service.list_deliveries(db, lucia)):
        with pytest.raises(NotPermitted, match="Only admins"):
            call()


def test_the_secret_is_strong_and_kept_out_of_the_audit_log(db, admin):
    subscription, secret = new(db, admin)
    assert len(secret) >= 43 and subscription.secret == secret
    _, rotated = service.rotate_secret(db, admin, subscription.id, subscription.version)
    assert rotated != secret
    service.update_subscription(db, admin, subscription.id, SubscriptionUpdate(
        version=subscription.version, url="https://example.com/v2", events=["partner.created"], active=False))
    service.delete_subscription(db, admin, subscription.id)
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "webhook_subscriptions")
                         .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "rotate_secret", "update", "purge"]
    for entry in entries:
        assert "secret" not in (entry.before or {}) and "secret" not in (entry.after or {})
        assert secret not in str(entry.before) + str(entry.after) and rotated not in str(entry.before) + str(entry.after)
    assert entries[2].after["url"] == "https://example.com/v2" and entries[2].after["active"] is False


def test_a_stale_edit_is_refused(db, admin):
    subscription, _ = new(db, admin)
    db.flush()
    stale = subscription.version
    service.set_active(db, admin, subscription.id, stale, False)
    db.flush()
    with pytest.raises(StaleEdit):
        service.update_subscription(db, admin, subscription.id, SubscriptionUpdate(
            version=stale, url="https://example.com/hooks", events=["*"]))


def test_pausing_stops_queueing_and_resuming_clears_the_reason(db, admin):
    from channelbase.webhooks import events
    subscription, _ = new(db, admin)
    db.flush()
    service.set_active(db, admin, subscription.id, subscription.version, False)
    assert subscription.paused_reason.startswith("Paused by Ada Admin")
    assert events.emit(db, "partner.created", {}) is None
    service.set_active(db, admin, subscription.id, subscription.version, True)
    assert subscription.active and subscription.paused_reason == ""
    assert events.emit(db, "partner.created", {}) is not None


# registration.expiring ----------------------------------------------------------------------------

def _approved_expiring_in(db, admin, world, days: int) -> Registration:
    registration = db.get(Registration, world.registrations["abertas"])
    registrations.approve(db, admin, registration.id, ApproveIn(version=registration.version))
    registration.expires_on = utcnow().date() + timedelta(days=days)
    db.flush()
    return registration


def _expiring_sent(db) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "registration.expiring")))


def test_an_expiring_registration_is_announced_once_per_expiry_date(db, session_factory, admin, world):
    registration = _approved_expiring_in(db, admin, world, 5)
    now = utcnow()
    assert expiring.schedule_scan(session_factory, now) is False  # nobody subscribes: no scan at all
    new(db, admin, events=["registration.expiring"])
    db.flush()
    assert expiring.schedule_scan(session_factory, now) is True
    assert expiring.schedule_scan(session_factory, now) is False  # once a day
    jobs.run_due(session_factory, "w", now=now)
    [sent] = _expiring_sent(db)
    assert sent.payload["registration"]["id"] == registration.id
    assert sent.payload["registration"]["expires_on"] == registration.expires_on.isoformat()
    tomorrow = now + timedelta(days=1)
    assert expiring.schedule_scan(session_factory, tomorrow) is True
    jobs.run_due(session_factory, "w", now=tomorrow)
    assert len(_expiring_sent(db)) == 1  # the same expiry date is not announced again
    registrations.extend(db, admin, registration.id, ExtendIn(version=registration.version, days=1))
    db.flush()  # expires a day later: still within the window, a new date to announce
    later = tomorrow + timedelta(days=1)
    expiring.schedule_scan(session_factory, later)
    jobs.run_due(session_factory, "w", now=later)
    assert len(_expiring_sent(db)) == 2


def test_a_registration_expiring_later_is_not_announced_yet(db, session_factory, admin, world):
    _approved_expiring_in(db, admin, world, expiring.WINDOW_DAYS + 1)
    new(db, admin, events=["registration.expiring"])
    db.flush()
    now = utcnow()
    expiring.schedule_scan(session_factory, now)
    jobs.run_due(session_factory, "w", now=now)
    assert _expiring_sent(db) == []
