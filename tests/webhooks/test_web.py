"""The admins' webhook pages: add (secret shown once), edit, pause, ping, delivery log, redeliver, delete."""

from __future__ import annotations

from sqlalchemy import select

from channelbase.webhooks import delivery, service
from channelbase.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from channelbase.webhooks.schemas import SubscriptionIn


def _subscription(db, admin, receiver, **fields) -> WebhookSubscription:
    subscription, receiver.secret = service.create_subscription(db, admin, SubscriptionIn(
        url=receiver.url, description="ERP sync", events=["*"], **fields))
    db.flush()
    return subscription


def test_the_list_shows_an_empty_state_and_the_add_form(client_as):
    page = client_as("admin").get("/webhooks")
    assert page.status_code == 200
    assert "No webhooks yet" in page.text and 'action="/webhooks"' in page.text
    assert 'value="registration.expiring"' in page.text and 'name="csrf_token"' in page.text


def test_adding_a_webhook_shows_its_secret_once(db, client_as):
    admin = client_as("admin")
    page = admin.post("/webhooks", data={"url": "https://erp.example.com/in", "description": "ERP",
                                         "events": ["registration.approved", "partner.created"], "active": "1"})
    assert page.status_code == 200
    created = db.scalars(select(WebhookSubscription)).one()
    assert created.events == ["registration.approved", "partner.created"] and created.active
    assert created.secret in page.text and "it is not shown again" in page.text
    again = admin.get(f"/webhooks/{created.id}")
    assert again.status_code == 200 and created.secret not in again.text


def test_a_bad_url_is_explained_beside_the_field(client_as):
    page = client_as("admin").post("/webhooks", data={"url": "ftp://erp.example.com/in", "events": ["*"]})
    assert page.status_code == 422
    assert "must start with https://" in page.text and 'value="ftp://erp.example.com/in"' in page.text


def test_no_events_chosen_is_refused(client_as):
    page = client_as("admin").post("/webhooks", data={"url": "https://erp.example.com/in"})
    assert page.status_code == 422 and "Choose at least one event" in page.text


def test_the_detail_page_lists_deliveries_and_filters_them(db, client_as, session_factory, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    receiver.answers = [500]
    service.ping(db, admin, subscription.id)
    service.ping(db, admin, subscription.id)
    db.flush()
    delivery.deliver_due(session_factory)
    client = client_as("admin")
    page = client.get(f"/webhooks/{subscription.id}")
    assert page.status_code == 200
    assert page.text.count("<code>ping</code>") == 2 and "HTTP 500" in page.text and "Delivered" in page.text
    pending = client.get(f"/webhooks/{subscription.id}?status=pending")
    assert pending.text.count("<code>ping</code>") == 1 and "HTTP 500" in pending.text
    failed = client.get(f"/webhooks/{subscription.id}?status=failed")
    assert "No failed deliveries." in failed.text
    assert client.get(f"/webhooks/{subscription.id}?status=lost").status_code == 422


def test_the_log_is_paginated(db, client_as, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    for _ in range(30):
        service.ping(db, admin, subscription.id)
    db.flush()
    client = client_as("admin")
    first = client.get(f"/webhooks/{subscription.id}")
    assert first.text.count("<code>ping</code>") == 25 and "1–25 of 30" in first.text
    assert f'href="/webhooks/{subscription.id}?page=2#log"' in first.text
    second = client.get(f"/webhooks/{subscription.id}?page=2")
    assert second.text.count("<code>ping</code>") == 5


def test_ping_pause_resume_edit_and_delete(db, client_as, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    client = client_as("admin")
    base = f"/webhooks/{subscription.id}"
    assert client.post(base + "/ping").headers["location"] == base + "?done=pinged"
    assert db.scalars(select(WebhookDelivery.event)).all() == ["ping"]
    assert client.post(base + "/pause", data={"version": subscription.version}).status_code == 303
    db.refresh(subscription)
    assert not subscription.active
    stale = client.post(base + "/resume", data={"version": subscription.version - 1})
    assert stale.status_code == 409 and "changed by" in stale.text
    assert client.post(base + "/resume", data={"version": subscription.version}).status_code == 303
    db.refresh(subscription)
    saved = client.post(base, data={"version": subscription.version, "url": "https://erp.example.com/v2",
                                    "description": "ERP v2", "events": ["partner.created"], "active": "1"})
    assert saved.headers["location"] == base + "?done=saved"
    db.refresh(subscription)
    assert (subscription.url, subscription.events) == ("https://erp.example.com/v2", ["partner.created"])
    assert client.post(base + "/delete").headers["location"] == "/webhooks?deleted=1"
    assert db.scalars(select(WebhookSubscription)).all() == [] and db.scalars(select(WebhookDelivery)).all() == []
    assert client.get(base).status_code == 404


def test_a_new_secret_is_shown_once(db, client_as, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    old = subscription.secret
    page = client_as("admin").post(f"/webhooks/{subscription.id}/secret", data={"version": subscription.version})
    db.refresh(subscription)
    assert page.status_code == 200 and subscription.secret != old
    assert subscription.secret in page.text and "update your receiver" in page.text


def test_a_delivery_page_shows_the_body_and_redelivers(db, client_as, session_factory, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    service.ping(db, admin, subscription.id)
    db.flush()
    delivery.deliver_due(session_factory)
    sent = db.scalars(select(WebhookDelivery)).one()
    client = client_as("admin")
    page = client.get(f"/webhooks/deliveries/{sent.id}")
    assert page.status_code == 200 and sent.event_id in page.text and "Test event sent from Channelbase." in page.text
    assert subscription.secret not in page.text
    again = client.post(f"/webhooks/deliveries/{sent.id}/redeliver")
    assert again.headers["location"] == f"/webhooks/{subscription.id}?done=redelivered"
    db.refresh(sent)
    assert (sent.status, sent.attempts) == (DeliveryStatus.PENDING, 0)
    assert client.post(f"/webhooks/deliveries/{sent.id}/redeliver").status_code == 409  # not sent yet


def test_managers_and_partners_are_refused(db, client_as, admin, receiver):
    subscription = _subscription(db, admin, receiver)
    for who in ("lucia", "ana"):
        client = client_as(who)
        assert client.get("/webhooks").status_code == 403
        assert client.get(f"/webhooks/{subscription.id}").status_code == 403
        assert client.post("/webhooks", data={"url": "https://x.example.com", "events": ["*"]}).status_code == 403
