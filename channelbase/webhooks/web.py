"""The admins' webhook pages: subscriptions (add, edit, pause, delete, ping, new secret) and the delivery log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from jinja2 import FileSystemLoader
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, StaleEdit
from channelbase.engagement.web_activities import form_lists
from channelbase.partners.web_common import attempt, form, page_args, parse_filters, redirect, to_int
from channelbase.web.deps import AdminActor, SessionDep, csrf_protect, render, templates
from channelbase.web.forms import parse
from channelbase.webhooks import delivery, events, service
from channelbase.webhooks.models import ALL_EVENTS, DeliveryStatus, WebhookSubscription
from channelbase.webhooks.schemas import DeliveryFilter, SubscriptionIn, SubscriptionUpdate

# This package's templates, next to the app's (deps lists the domains that existed before it).
_TEMPLATES = str(Path(__file__).resolve().parent / "templates")
_loader = cast(FileSystemLoader, templates.env.loader)
if _TEMPLATES not in _loader.searchpath:
    _loader.searchpath.append(_TEMPLATES)

router = APIRouter(dependencies=[Depends(csrf_protect)])

SubscriptionForm = Annotated[dict[str, Any], form_lists("events", booleans=("active",))]
VersionForm = Annotated[dict[str, Any], form()]
EVENT_OPTIONS = list(events.EVENTS.items())
STATUS_OPTIONS = [(s.value, s.value.capitalize()) for s in DeliveryStatus]
STATUS_BADGES = {DeliveryStatus.PENDING: "onboarding", DeliveryStatus.DELIVERED: "active",
                 DeliveryStatus.FAILED: "deleted"}
templates.env.globals.setdefault("webhook_status_badges", STATUS_BADGES)


@router.get("/webhooks", include_in_schema=False)
def subscription_list(request: Request, db: SessionDep, actor: AdminActor):
    return _list_page(request, db, actor, {"events": [ALL_EVENTS], "active": True})


@router.post("/webhooks", include_in_schema=False)
def create_subscription(request: Request, db: SessionDep, actor: AdminActor, data: SubscriptionForm):
    created, error = attempt(db, lambda: service.create_subscription(db, actor, parse(SubscriptionIn, data)))
    if error or created is None:
        return _list_page(request, db, actor, data, error)
    subscription, secret = created
    # Not a redirect: the secret is shown on this answer only.
    return _detail_page(request, db, actor, subscription, new_secret=secret)


@router.get("/webhooks/{subscription_id}", include_in_schema=False)
def subscription_detail(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int):
    return _detail_page(request, db, actor, service.get_subscription(db, actor, subscription_id),
                        notice=request.query_params.get("done", ""))


@router.post("/webhooks/{subscription_id}", include_in_schema=False)
def update_subscription(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int,
                        data: SubscriptionForm):
    _, error = attempt(db, lambda: service.update_subscription(db, actor, subscription_id,
                                                               parse(SubscriptionUpdate, data)))
    if error is None:
        return redirect(f"/webhooks/{subscription_id}?done=saved")
    fresh = service.get_subscription(db, actor, subscription_id)
    values = _values(fresh) if isinstance(error, StaleEdit) else {**data, "version": fresh.version}
    return _detail_page(request, db, actor, fresh, values=values, error=error)


@router.post("/webhooks/{subscription_id}/pause", include_in_schema=False)
def pause_subscription(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int, data: VersionForm):
    return _act(request, db, actor, subscription_id, "paused", lambda: service.set_active(
        db, actor, subscription_id, to_int(data.get("version")), False))


@router.post("/webhooks/{subscription_id}/resume", include_in_schema=False)
def resume_subscription(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int, data: VersionForm):
    return _act(request, db, actor, subscription_id, "resumed", lambda: service.set_active(
        db, actor, subscription_id, to_int(data.get("version")), True))


@router.post("/webhooks/{subscription_id}/ping", include_in_schema=False)
def ping_subscription(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int):
    return _act(request, db, actor, subscription_id, "pinged", lambda: service.ping(db, actor, subscription_id))


@router.post("/webhooks/{subscription_id}/secret", include_in_schema=False)
def rotate_secret(request: Request, db: SessionDep, actor: AdminActor, subscription_id: int, data: VersionForm):
    rotated, error = attempt(db, lambda: service.rotate_secret(db, actor, subscription_id,
                                                               to_int(data.get("version"))))
    subscription = service.get_subscription(db, actor, subscription_id)
    if error or rotated is None:
        return _detail_page(request, db, actor, subscription, action_error=error)
    return _detail_page(request, db, actor, subscription, new_secret=rotated[1], rotated=True)


@router.post("/webhooks/{subscription_id}/delete", include_in_schema=False)
def delete_subscription(db: SessionDep, actor: AdminActor, subscription_id: int):
    service.delete_subscription(db, actor, subscription_id)
    return redirect("/webhooks?deleted=1")


@router.get("/webhooks/deliveries/{delivery_id}", include_in_schema=False)
def delivery_detail(request: Request, db: SessionDep, actor: AdminActor, delivery_id: int):
    found = service.get_delivery(db, actor, delivery_id)
    subscription = service.get_subscription(db, actor, found.subscription_id)
    body = json.dumps(json.loads(delivery.body_of(found)), indent=2, ensure_ascii=False)
    return render(request, "webhooks/delivery.html", {"delivery": found, "subscription": subscription,
                                                      "body": body, "max_attempts": delivery.MAX_ATTEMPTS})


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", include_in_schema=False)
def redeliver(db: SessionDep, actor: AdminActor, delivery_id: int):
    found = service.redeliver(db, actor, delivery_id)
    return redirect(f"/webhooks/{found.subscription_id}?done=redelivered")


# Pages -----------------------------------------------------------------------------------------------

def _act(request: Request, db: Session, actor: User, subscription_id: int, done: str, action: Any):
    _, error = attempt(db, action)
    if error is None:
        return redirect(f"/webhooks/{subscription_id}?done={done}")
    subscription = service.get_subscription(db, actor, subscription_id)
    return _detail_page(request, db, actor, subscription, action_error=error)


def _log_url(subscription_id: int, filters: DeliveryFilter, page: int) -> str:
    # Built from scratch: the page may be the answer to a POST (a new secret), whose URL is not the log's.
    query = urlencode({k: v for k, v in {"status": filters.status or "", "page": page}.items() if v})
    return f"/webhooks/{subscription_id}?{query}#log"


def _values(subscription: WebhookSubscription) -> dict[str, Any]:
    return {"url": subscription.url, "description": subscription.description, "events": list(subscription.events),
            "active": subscription.active, "version": subscription.version}


def _list_page(request: Request, db: Session, actor: User, values: dict[str, Any],
               error: DomainError | None = None):
    context = {"subscriptions": service.list_subscriptions(db, actor), "waiting": service.pending_counts(db, actor),
               "values": values, "chosen": set(values.get("events") or []), "error": error,
               "errors": error.field_errors if error else {}, "event_options": EVENT_OPTIONS,
               "deleted": request.query_params.get("deleted") == "1"}
    return render(request, "webhooks/list.html", context, status_code=error.status if error else 200)


def _detail_page(request: Request, db: Session, actor: User, subscription: WebhookSubscription, *,
                 values: dict[str, Any] | None = None, error: DomainError | None = None,
                 action_error: DomainError | None = None, new_secret: str = "", rotated: bool = False,
                 notice: str = ""):
    filters, problem = parse_filters(DeliveryFilter, request)
    args = page_args(request, ())
    log = service.list_deliveries(db, actor, subscription_id=subscription.id, filters=filters, page=args["page"],
                                  per_page=args["per_page"])
    values, action_error = values or _values(subscription), action_error or problem
    context = {"subscription": subscription, "values": values, "chosen": set(values.get("events") or []),
               "error": error, "errors": error.field_errors if error else {}, "action_error": action_error,
               "new_secret": new_secret, "rotated": rotated, "notice": notice, "log": log, "filters": filters,
               "event_options": EVENT_OPTIONS, "status_options": STATUS_OPTIONS,
               "page_url": lambda n: _log_url(subscription.id, filters, n), "max_attempts": delivery.MAX_ATTEMPTS}
    shown = error or action_error
    return render(request, "webhooks/detail.html", context, status_code=shown.status if shown else 200)
