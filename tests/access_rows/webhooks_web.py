"""Access rows of the webhook pages (channelbase/webhooks/web.py): admins only, every one of them.

The subscription and the delivery in the URLs come from make_ids() (the matrix's webhook_ids fixture): a
subscription and a ping queued to it, never sent, so redelivering it is refused as a 409 about its state,
which the matrix counts as reaching the action."""

from __future__ import annotations

from tests.access_policies import ADMIN

BASE = "/webhooks/{subscription_id}"
DELIVERY = "/webhooks/deliveries/{delivery_id}"

ROWS = {
    ("GET", "/webhooks"): ADMIN,
    ("POST", "/webhooks"): ADMIN,
    ("GET", BASE): ADMIN,
    ("POST", BASE): ADMIN,
    ("POST", BASE + "/pause"): ADMIN,
    ("POST", BASE + "/resume"): ADMIN,
    ("POST", BASE + "/ping"): ADMIN,
    ("POST", BASE + "/secret"): ADMIN,
    ("POST", BASE + "/delete"): ADMIN,
    ("GET", DELIVERY): ADMIN,
    ("POST", DELIVERY + "/redeliver"): ADMIN,
}

BODIES = {
    ("POST", "/webhooks"): lambda world: dict(url="https://matrix.example.com/hooks", description="Matrix",
                                              events=["*"], active="1"),
    ("POST", BASE): lambda world: dict(version=1, url="https://matrix.example.com/v2", description="Matrix",
                                       events=["partner.created"], active="1"),
    ("POST", BASE + "/pause"): lambda world: dict(version=1),
    ("POST", BASE + "/resume"): lambda world: dict(version=1),
    ("POST", BASE + "/secret"): lambda world: dict(version=1),
}


def make_ids(db, actor) -> dict[str, int]:
    """A subscription and a queued ping delivery, for the URLs above."""
    from channelbase.webhooks import service
    from channelbase.webhooks.models import WebhookDelivery
    from channelbase.webhooks.schemas import SubscriptionIn
    admin = actor("admin")
    subscription, _secret = service.create_subscription(db, admin, SubscriptionIn(
        url="https://matrix.example.com/hooks", events=["*"]))
    db.flush()
    service.ping(db, admin, subscription.id)
    db.flush()
    [delivery] = service.list_deliveries(db, admin, subscription_id=subscription.id).items
    assert isinstance(delivery, WebhookDelivery)
    return {"subscription_id": subscription.id, "delivery_id": delivery.id}
