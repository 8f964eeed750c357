"""Private calendar feeds: one secret iCalendar URL per user with their tasks, cadence due dates and
scheduled meetings, QBRs, trainings and events, for Google Calendar, Outlook or Thunderbird.

Only a digest of the token is stored (like API tokens), so the URL is shown once, when it is made;
making a new one ends the old one. Calendar apps fetch the URL without a session, so the token is
the only key: unknown, revoked and disabled users' tokens all get the same "not found"."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.service import token_digest
from channelbase.auth.visibility import managed_territory_ids, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.db import write_now
from channelbase.core.errors import NotFound
from channelbase.engagement import cadence
from channelbase.engagement.models import ACTIVITY_LABELS, CALENDAR_TYPES, Activity, CalendarFeed, Task
from channelbase.partners.models import Partner

DAYS_BACK = 30
DAYS_AHEAD = 180
MAX_EVENTS = 2000  # per kind: a feed is fetched every few hours, it need not list years of history
MEETING_LENGTH = timedelta(hours=1)  # activities have a start only; calendars need an end
TOUCH_EVERY = timedelta(hours=1)  # last_used_at is a hint for the user, not worth a write per fetch
PRODID = "-//Channelbase//Calendar feed//EN"
NOT_FOUND = "No calendar feed at this address: it was revoked or replaced. Copy the new URL from Channelbase."


# Feeds ---------------------------------------------------------------------------------------------

def active_feed(session: Session, actor: User) -> CalendarFeed | None:
    stmt = visible(select(CalendarFeed), actor).where(CalendarFeed.user_id == actor.id,
                                                      CalendarFeed.revoked_at.is_(None))
    return session.scalars(stmt.order_by(CalendarFeed.id.desc()).limit(1)).first()


def create_feed(session: Session, actor: User, *, now: datetime | None = None) -> tuple[CalendarFeed, str]:
    """A new private feed URL token for the actor; their previous feed (if any) stops working."""
    now = now or utcnow()
    revoke_feed(session, actor, now=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=actor.id, token_hash=token_digest(token))
    session.add(feed)
    audit.record(session, actor, "create", feed, None)
    return feed, token


def revoke_feed(session: Session, actor: User, *, now: datetime | None = None) -> bool:
    """End the actor's feed URL; False if they had none."""
    stmt = visible(select(CalendarFeed), actor).where(CalendarFeed.user_id == actor.id,
                                                      CalendarFeed.revoked_at.is_(None))
    feeds = list(session.scalars(stmt))
    for feed in feeds:
        before = audit.snapshot(feed)
        feed.revoked_at = now or utcnow()
        audit.record(session, actor, "revoke", feed, before)
    return bool(feeds)


def feed_for_token(session: Session, token: str, *, now: datetime | None = None) -> User:
    """The owner of an active feed token; NotFound for unknown or revoked tokens and disabled users."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise NotFound(NOT_FOUND)
    row = session.execute(
        select(CalendarFeed, User).join(User, User.id == CalendarFeed.user_id)
        .where(CalendarFeed.token_hash == token_digest(token), CalendarFeed.revoked_at.is_(None),
               User.is_active.is_(True))).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    feed, user = row
    if feed.last_used_at is None or feed.last_used_at < now - TOUCH_EVERY:
        feed.last_used_at = now
        write_now(session)
    return user


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/calendar/{token}.ics"


# The iCalendar document ----------------------------------------------------------------------------

def build_ics(session: Session, user: User, *, base_url: str, now: datetime | None = None) -> bytes:
    """The user's calendar as RFC 5545 bytes: open tasks and cadence due dates as all-day events,
    scheduled meetings, QBRs, trainings and events from 30 days back to 180 days ahead."""
    now = now or utcnow()
    today = cadence.local_today(user, now)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Channelbase — {user.name}")
    calendar.add("x-published-ttl", timedelta(hours=1))
    for event in (*_task_events(session, user, today, now, base_url),
                  *_cadence_events(session, user, today, now, base_url),
                  *_activity_events(session, user, now, base_url)):
        calendar.add_component(event)
    return calendar.to_ical()


def _event(uid: str, summary: str, now: datetime, *, description: str = "", url: str = "") -> Event:
    event = Event()
    event.add("uid", f"{uid}@channelbase")
    event.add("dtstamp", now)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def _all_day(event: Event, day: date) -> Event:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    return event


def _task_events(session: Session, user: User, today: date, now: datetime, base_url: str) -> list[Event]:
    stmt = (visible(select(Task, Partner.name), user, Task).outerjoin(Partner, Partner.id == Task.partner_id)
            .where(Task.assignee_id == user.id, Task.done_at.is_(None),
                   Task.due_on <= today + timedelta(days=DAYS_AHEAD))
            .order_by(Task.due_on, Task.id).limit(MAX_EVENTS))
    events = []
    for task, partner_name in session.execute(stmt):
        summary = f"Task: {task.title}" + (f" ({partner_name})" if partner_name else "")
        url = f"{base_url}/tasks/{task.id}"
        event = _event(f"task-{task.id}", summary, now, description="\n\n".join(filter(None, [task.notes, url])),
                       url=url)
        event.add("last-modified", task.updated_at)
        events.append(_all_day(event, task.due_on))
    return events


def _cadence_events(session: Session, user: User, today: date, now: datetime, base_url: str) -> list[Event]:
    partner_ids = _own_partner_ids(session, user)
    if partner_ids is not None and not partner_ids:
        return []
    statuses = cadence.cadence_statuses(session, user, partner_ids=partner_ids, now=now)
    events = []
    for status in statuses[:MAX_EVENTS]:
        if status.due_on > today + timedelta(days=DAYS_AHEAD):
            continue
        overdue = status.due_on < today
        # An overdue touch stays on today until it is done, rather than hiding on a past day.
        summary = f"Contact {status.partner_name} (cadence: {status.rule_name})"
        if overdue:
            summary += f" — overdue since {status.due_on:%Y-%m-%d}"
        url = f"{base_url}/partners/{status.partner_id}"
        event = _event(f"cadence-{status.partner_id}", summary, now, description=f"{status.describe(today)}\n\n{url}",
                       url=url)
        events.append(_all_day(event, today if overdue else status.due_on))
    return events


def _own_partner_ids(session: Session, user: User) -> list[int] | None:
    """The partners whose cadence is the user's: a manager's territories (None: all they see); for an
    admin, who sees every partner, those they own or whose territory they own; partner users none."""
    if user.is_manager:
        return None
    if not user.is_admin:
        return []
    stmt = select(Partner.id).where(Partner.deleted_at.is_(None), or_(
        Partner.owner_id == user.id, Partner.territory_id.in_(managed_territory_ids(user))))
    return list(session.scalars(stmt))


def _activity_events(session: Session, user: User, now: datetime, base_url: str) -> list[Event]:
    stmt = (visible(select(Activity, Partner.name), user, Activity).join(Partner, Partner.id == Activity.partner_id)
            .where(Activity.owner_id == user.id, Activity.type.in_(list(CALENDAR_TYPES)),
                   Activity.occurred_at >= now - timedelta(days=DAYS_BACK),
                   Activity.occurred_at <= now + timedelta(days=DAYS_AHEAD))
            .order_by(Activity.occurred_at, Activity.id).limit(MAX_EVENTS))
    events = []
    for activity, partner_name in session.execute(stmt):
        label = ACTIVITY_LABELS.get(activity.type, activity.type)
        url = f"{base_url}/activities/{activity.id}"
        details = [activity.outcome, f"Next step: {activity.next_step}" if activity.next_step else "", url]
        event = _event(f"activity-{activity.id}", f"{label}: {activity.summary} — {partner_name}", now,
                       description="\n\n".join(filter(None, details)), url=url)
        event.add("dtstart", activity.occurred_at)
        event.add("dtend", activity.occurred_at + MEETING_LENGTH)
        event.add("last-modified", activity.updated_at)
        event.add("categories", [label])
        events.append(event)
    return events
