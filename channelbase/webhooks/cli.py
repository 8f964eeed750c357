"""`channelbase webhooks`: subscriptions, their delivery log, and sending due deliveries now."""

from __future__ import annotations

import typer
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, engine, parse_options
from channelbase.core.db import make_sessionmaker
from channelbase.webhooks import delivery, events, service
from channelbase.webhooks.models import ALL_EVENTS, DeliveryStatus
from channelbase.webhooks.schemas import DeliveryFilter, SubscriptionIn

webhooks_app = typer.Typer(help="Webhooks: subscriptions, the delivery log, sending due deliveries.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("list")
def webhooks_list() -> None:
    """List webhook subscriptions and how many deliveries each has waiting."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        subscriptions = service.list_subscriptions(session, actor)
        waiting = service.pending_counts(session, actor)
    if not subscriptions:
        console.print("No webhooks yet: add one with `channelbase webhooks add URL`.")
        return
    table = Table("id", "url", "events", "state", "waiting", "description")
    for sub in subscriptions:
        table.add_row(str(sub.id), sub.url, ", ".join(sub.events), "active" if sub.active else "paused",
                      str(waiting.get(sub.id, 0)), sub.description)
    console.print(table)


@webhooks_app.command("add")
def webhooks_add(url: str = typer.Argument(..., help="The receiver's https:// URL (http:// only to 127.0.0.1 "
                                                     "or localhost)."),
                 event: list[str] = typer.Option(None, "--event", "-e", help="An event to send (repeat the "
                                                 f"option); default: all. Known: {', '.join(events.EVENTS)}."),
                 description: str = typer.Option("", "--description", help="What the receiver is."),
                 ) -> None:
    """Add a webhook subscription and print its signing secret (shown only this once)."""
    data = parse_options(SubscriptionIn, {"url": "URL", "events": "--event"}, url=url, description=description,
                         events=event or [ALL_EVENTS])
    with cli_session() as session, domain_errors():
        subscription, secret = service.create_subscription(session, cli_actor(session), data)
    console.print(f"Added webhook #{subscription.id} to {subscription.url} for {', '.join(subscription.events)}.",
                  highlight=False, markup=False)
    console.print("Signing secret (keep it; it is not shown again):", highlight=False)
    console.print(secret, highlight=False, markup=False, soft_wrap=True)


@webhooks_app.command("remove")
def webhooks_remove(subscription_id: int = typer.Argument(..., help="The subscription's id (see `webhooks list`)."),
                    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Delete a webhook subscription and its delivery log."""
    if not yes:
        typer.confirm(f"Delete webhook #{subscription_id} and its delivery log?", abort=True)
    with cli_session() as session, domain_errors():
        service.delete_subscription(session, cli_actor(session), subscription_id)
    console.print(f"Deleted webhook #{subscription_id}.", highlight=False)


@webhooks_app.command("ping")
def webhooks_ping(subscription_id: int = typer.Argument(..., help="The subscription's id.")) -> None:
    """Queue a test 'ping' event to one subscription (send it now with `webhooks deliver`)."""
    with cli_session() as session, domain_errors():
        event_id = service.ping(session, cli_actor(session), subscription_id)
    console.print(f"Queued ping {event_id} to webhook #{subscription_id}.", highlight=False)


@webhooks_app.command("deliveries")
def webhooks_deliveries(subscription_id: int = typer.Option(None, "--subscription", help="Only this subscription's."),
                        status: DeliveryStatus = typer.Option(None, "--status", help="Only deliveries in this state."),
                        limit: int = typer.Option(50, min=1, max=1000, help="How many, newest first.")) -> None:
    """The delivery log: newest first, with attempts, the last answer and the next retry."""
    with cli_session() as session, domain_errors():
        page = service.list_deliveries(session, cli_actor(session), subscription_id=subscription_id,
                                       filters=DeliveryFilter(status=status), per_page=limit)
    if not page.items:
        console.print("No deliveries.")
        return
    table = Table("id", "webhook", "event", "status", "tries", "last answer", "next attempt (UTC)", "created (UTC)")
    for d in page.items:
        answer = str(d.last_status_code or "") or d.last_error[:40] or "—"
        table.add_row(str(d.id), str(d.subscription_id), d.event, d.status, str(d.attempts), answer,
                      f"{d.next_attempt_at:%Y-%m-%d %H:%M}" if d.next_attempt_at else "—",
                      f"{d.created_at:%Y-%m-%d %H:%M}")
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} deliveries.", highlight=False)


@webhooks_app.command("deliver")
def webhooks_deliver(limit: int = typer.Option(500, min=1, help="Attempt at most this many.")) -> None:
    """Send the due deliveries now, instead of waiting for the background worker."""
    with cli_session() as session, domain_errors():
        service.require_admin(cli_actor(session))
    outcomes = delivery.deliver_due(make_sessionmaker(engine()), limit=limit)
    if not outcomes:
        console.print("No deliveries are due.")
        return
    console.print(f"Attempted {outcomes.total()} deliveries: {outcomes['delivered']} delivered, "
                  f"{outcomes['pending']} to retry later, {outcomes['failed']} failed.", highlight=False)
