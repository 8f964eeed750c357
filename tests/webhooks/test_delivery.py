"""Events become signed deliveries to a real receiver on 127.0.0.1: payloads, retries with backoff, 410 Gone,
the transactional outbox, and two deliverers sharing one database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from channelbase.auth.models import User
from channelbase.auth.visibility import system_actor
from channelbase.core import migrate
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.deals import opportunities, registrations, stages
from channelbase.deals.deal_schemas import ApproveIn, MoveIn
from channelbase.deals.models import Registration, StageOutcome
from channelbase.engagement import runner
from channelbase.webhooks import delivery, events, service
from channelbase.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from channelbase.webhooks.schemas import SubscriptionIn
from tests.conftest import database_url


def subscribe(db, actor, receiver, *event_names: str) -> WebhookSubscription:
    subscription, secret = service.create_subscription(db, actor, SubscriptionIn(
        url=receiver.url, description="tests", events=list(event_names) or ["*"]))
    receiver.secret = secret
    db.flush()
    return subscription


def deliveries(db, event: str | None = None) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event:
        stmt = stmt.where(WebhookDelivery.event == event)
    db.expire_all()
    return list(db.scalars(stmt))


def approve_abertas(db, actor, world) -> Registration:
    registration = db.get(Registration, world.registrations["abertas"])
    approved = registrations.approve(db, actor, registration.id, ApproveIn(version=registration.version,
                                                                           note="Looks good"))
    db.flush()
    return approved


def test_approving_a_registration_sends_one_signed_event(db, session_factory, admin, world, receiver):
    subscribe(db, admin, receiver, "registration.approved")
    registration = approve_abertas(db, admin, world)
    assert delivery.deliver_due(session_factory) == {"delivered": 1}
    [got] = receiver.received
    assert got.signature_ok and got.path == "/hooks/channelbase"
    [sent] = deliveries(db)
    assert got.headers["x-channelbase-event"] == "registration.approved"
    assert got.headers["x-channelbase-delivery"] == sent.event_id == got.json["id"]
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert body["event"] == "registration.approved" and body["created_at"] == sent.created_at.isoformat()
    reg, partner = body["data"]["registration"], body["data"]["partner"]
    assert (reg["id"], reg["reference"], reg["status"]) == (registration.id, registration.reference, "approved")
    assert reg["amount"] == {"amount": str(registration.amount.amount), "amount_minor": registration.amount_minor,
                             "currency": registration.currency}
    assert reg["expires_on"] == registration.expires_on.isoformat() and reg["decision_reason"] == "Looks good"
    assert reg["url"].endswith(f"/registrations/{registration.id}")
    assert partner["id"] == world.partners["abertas"] and partner["name"] == "Soluções Abertas Ltda."
    assert (sent.status, sent.attempts, sent.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert sent.delivered_at is not None and sent.next_attempt_at is None and sent.duration_ms is not None


def test_a_tampered_body_or_another_secret_fails_the_receivers_check(db, session_factory, admin, receiver):
    from tests.webhooks.conftest import signature_ok
    subscription = subscribe(db, admin, receiver)
    service.ping(db, admin, subscription.id)
    db.flush()
    delivery.deliver_due(session_factory)
    [got] = receiver.received
    header = got.headers["x-channelbase-signature"]
    assert got.signature_ok and got.json["event"] == "ping"
    assert not signature_ok(receiver.secret, header, got.body.replace(b"ping", b"pong"))
    assert not signature_ok("another-secret", header, got.body)


def test_only_subscriptions_wanting_the_event_get_it(db, session_factory, admin, world, receiver):
    subscribe(db, admin, receiver, "registration.rejected", "partner.created")
    approve_abertas(db, admin, world)
    assert deliveries(db) == []
    assert events.emit(db, "registration.approved", {"x": 1}) is None


def test_a_failing_receiver_is_retried_after_1_then_5_minutes(db, session_factory, admin, receiver):
    subscription = subscribe(db, admin, receiver)
    receiver.answers = [500, 503]
    start = utcnow()
    service.ping(db, admin, subscription.id, now=start)
    db.flush()
    assert delivery.deliver_due(session_factory, now=start) == {"pending": 1}
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert "HTTP 500" in row.last_error and "receiver says no" in row.last_error
    assert delivery.deliver_due(session_factory, now=start + timedelta(seconds=59)) == {}  # not due yet
    second = start + timedelta(minutes=1)
    assert delivery.deliver_due(session_factory, now=second) == {"pending": 1}
    [row] = deliveries(db)
    assert (row.attempts, row.last_status_code, row.next_attempt_at) == (2, 503, second + timedelta(minutes=5))
    assert delivery.deliver_due(session_factory, now=second + timedelta(minutes=5)) == {"delivered": 1}
    [row] = deliveries(db)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (DeliveryStatus.DELIVERED, 3, 200, "")
    assert [r.json["id"] for r in receiver.received] == [row.event_id] * 3  # same event id: receivers dedupe
    assert len({r.body for r in receiver.received}) == 1 and all(r.signature_ok for r in receiver.received)


def test_a_delivery_that_keeps_failing_ends_failed_after_the_last_backoff(db, session_factory, admin, receiver):
    subscription = subscribe(db, admin, receiver)
    receiver.answers = [500] * 10
    now = utcnow()
    service.ping(db, admin, subscription.id, now=now)
    db.flush()
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS):
        assert sum(delivery.deliver_due(session_factory, now=now).values()) == 1
        [row] = deliveries(db)
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                     timedelta(hours=12)]
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 6, None)
    assert delivery.deliver_due(session_factory, now=now + timedelta(days=30)) == {}
    assert len(receiver.received) == 6


def test_a_receiver_answering_410_gone_pauses_its_subscription(db, session_factory, admin, receiver):
    subscription = subscribe(db, admin, receiver)
    receiver.answers = [410]
    service.ping(db, admin, subscription.id)
    db.flush()
    assert delivery.deliver_due(session_factory) == {"failed": 1}
    db.expire_all()
    assert not subscription.active and "410 Gone" in subscription.paused_reason
    events.emit(db, "partner.created", {"partner": {}})
    assert len(deliveries(db)) == 1  # a paused subscription gets nothing new
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "webhook_subscriptions",
                                                AuditEntry.action == "pause")).one()
    assert entry.actor_id is None and "system" in entry.actor_label
    assert "secret" not in entry.before and "secret" not in entry.after


def test_a_rolled_back_action_sends_nothing(db, session_factory, admin, world, receiver):
    subscribe(db, admin, receiver, "registration.approved")
    registration = db.get(Registration, world.registrations["abertas"])

    def count(session) -> int:
        return session.scalar(select(func.count()).select_from(WebhookDelivery))

    with pytest.raises(RuntimeError):
        with unit_of_work(session_factory) as session:
            registrations.approve(session, session.get(User, admin.id), registration.id,
                                  ApproveIn(version=registration.version))
            assert count(session) == 1  # queued in the action's own transaction...
            raise RuntimeError("the action fails after the event was queued")
    assert count(db) == 0  # ...and gone with it
    assert delivery.deliver_due(session_factory) == {} and receiver.received == []


def test_moving_a_deal_to_a_won_stage_sends_stage_changed_and_won(db, session_factory, admin, world, receiver):
    subscribe(db, admin, receiver, "opportunity.stage_changed", "opportunity.won", "opportunity.lost")
    won = next(s for s in stages.list_stages(db) if s.outcome == StageOutcome.WON)
    opportunity = opportunities.get_opportunity(db, admin, world.opportunities["abertas"])
    before = opportunity.stage_id
    opportunities.move_stage(db, admin, opportunity.id, MoveIn(version=opportunity.version, stage=won.key))
    db.flush()
    sent = deliveries(db)
    assert [d.event for d in sent] == ["opportunity.stage_changed", "opportunity.won"]
    data = sent[1].payload["opportunity"]
    assert data["stage"]["key"] == won.key and data["outcome"] == "won"
    assert data["previous_stage"]["key"] == db.get(type(won), before).key
    assert data["amount"]["currency"] == opportunity.currency and data["url"].endswith(f"/opportunities/{opportunity.id}")
    assert sent[0].event_id != sent[1].event_id  # two events
    assert delivery.deliver_due(session_factory) == {"delivered": 2}
    assert [r.headers["x-channelbase-event"] for r in receiver.received] == ["opportunity.stage_changed",
                                                                              "opportunity.won"]


def test_adding_a_partner_sends_partner_created(db, admin, world, receiver):
    from channelbase.partners import service as partners
    from channelbase.partners.schemas import PartnerCreate
    subscribe(db, admin, receiver, "partner.created")
    partner = partners.create_partner(db, admin, PartnerCreate(
        name="Webhook Redes Ltda.", type="var", territory_id=world.territories["brazil"], country="BR", currency="BRL"))
    db.flush()
    [sent] = deliveries(db)
    assert sent.payload["partner"]["id"] == partner.id and sent.payload["partner"]["name"] == "Webhook Redes Ltda."


def test_redelivering_sends_the_same_event_again(db, session_factory, admin, receiver):
    subscription = subscribe(db, admin, receiver)
    service.ping(db, admin, subscription.id)
    db.flush()
    delivery.deliver_due(session_factory)
    [row] = deliveries(db)
    service.redeliver(db, admin, row.id)
    db.flush()
    assert delivery.deliver_due(session_factory) == {"delivered": 1}
    assert [r.json["id"] for r in receiver.received] == [row.event_id, row.event_id]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "webhook_deliveries")).one()
    assert entry.action == "redeliver" and entry.before["status"] == "delivered"


def test_an_unreachable_receiver_is_a_failed_attempt_not_a_crash(db, session_factory, admin, receiver):
    subscription = subscribe(db, admin, receiver)
    subscription.url = "http://127.0.0.1:9/nobody-listens"  # the discard port: connection refused
    service.ping(db, admin, subscription.id)
    db.flush()
    assert delivery.deliver_due(session_factory) == {"pending": 1}
    [row] = deliveries(db)
    assert row.last_status_code is None and row.last_error.startswith("could not connect")


def test_the_job_runner_delivers_due_webhooks(db, session_factory, admin, settings, receiver, monkeypatch):
    # Monday 00:30 UTC of this week: before the weekly digests' send time (Monday 07:00), so none are queued.
    today = utcnow()
    now = (today - timedelta(days=today.weekday())).replace(hour=0, minute=30, second=0, microsecond=0)
    subscription = subscribe(db, admin, receiver)
    service.ping(db, admin, subscription.id, now=now)
    db.flush()
    monday_seven = settings.model_copy(update={"digest_weekday": 0, "digest_hour": 7})
    monkeypatch.setattr(runner, "DAILY_JOBS", ())  # the daily jobs (health snapshots…) have their own tests
    report = runner.run_once(session_factory, now, settings=monday_seven, worker="w")
    assert report.ran == 1 and len(receiver.received) == 1
    assert deliveries(db)[0].status == DeliveryStatus.DELIVERED


# Two deliverers, one database (no rollback: real transactions) -----------------------------------------

@pytest.fixture
def shared_factory(tmp_path):
    engine = make_engine(database_url(tmp_path, "webhooks"))
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    yield factory
    with unit_of_work(factory) as session:
        session.execute(delete(WebhookSubscription))
    engine.dispose()


def test_concurrent_deliverers_never_send_a_delivery_twice(shared_factory, receiver):
    with unit_of_work(shared_factory) as session:
        subscription, receiver.secret = service.create_subscription(session, system_actor(), SubscriptionIn(
            url=receiver.url, events=["*"]))
        session.flush()
        for n in range(60):
            events.queue(session, [subscription.id], events.PING, {"n": n})
    results: list[dict] = []

    def deliver() -> None:
        results.append(dict(delivery.deliver_due(shared_factory, limit=1000)))

    threads = [threading.Thread(target=deliver, name=f"deliverer-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [r.headers["x-channelbase-delivery"] for r in receiver.received]
    print(f"\nattempts per deliverer: {[sum(r.values()) for r in results]}")
    assert len(ids) == 60 and len(set(ids)) == 60 and all(r.signature_ok for r in receiver.received)
    with unit_of_work(shared_factory) as session:
        rows = session.execute(select(WebhookDelivery.status, WebhookDelivery.attempts)).all()
    assert rows and all(row == (DeliveryStatus.DELIVERED, 1) for row in rows) and len(rows) == 60


def test_the_json_export_leaves_the_secret_out(shared_factory, tmp_path):
    from channelbase.ops import export
    with unit_of_work(shared_factory) as session:
        subscription, secret = service.create_subscription(session, system_actor(), SubscriptionIn(
            url="https://erp.example.com/in", events=["*"]))
    done = export.export_json(shared_factory.kw["bind"], tmp_path / "export.json")
    text = done.path.read_text()
    assert done.rows["webhook_subscriptions"] == 1 and "https://erp.example.com/in" in text
    assert secret not in text and '"secret"' not in text
