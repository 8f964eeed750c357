"""Private calendar feeds: tokens, the iCalendar document, and the page and URL that serve them."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.errors import NotFound
from channelbase.engagement import activities, cadence, calendar, tasks
from channelbase.engagement.models import CalendarFeed
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate

BASE = "https://crm.example.com"


def task(db, who, title, days_ahead=3, **fields):
    created = tasks.create_task(db, who, TaskCreate(title=title, due_on=date.today() + timedelta(days=days_ahead),
                                                    **fields))
    db.flush()
    return created


def activity(db, who, partner_id, summary, days_ahead, type_="meeting"):
    logged = activities.log_activity(db, who, ActivityCreate(
        partner_id=partner_id, type=type_, summary=summary, occurred_at=utcnow() + timedelta(days=days_ahead)))
    db.flush()
    return logged


def events_of(ics: bytes) -> dict[str, object]:
    """The VEVENTs of a feed by UID (parsing also proves the document is valid iCalendar)."""
    parsed = Calendar.from_ical(ics)
    return {str(event["uid"]): event for event in parsed.walk("VEVENT")}


def feed_of(db, who, now=None) -> dict[str, object]:
    return events_of(calendar.build_ics(db, who, base_url=BASE, now=now))


# Tokens --------------------------------------------------------------------------------------------

def test_a_feed_keeps_only_the_digest_of_its_token(db, lucia):
    feed, token = calendar.create_feed(db, lucia)
    db.flush()
    assert len(token) >= 40
    stored = db.scalars(select(CalendarFeed.token_hash).where(CalendarFeed.user_id == lucia.id)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert calendar.feed_for_token(db, token).id == lucia.id
    assert calendar.feed_url(BASE, token) == f"{BASE}/calendar/{token}.ics"


def test_making_a_new_feed_ends_the_previous_one(db, lucia):
    first, old_token = calendar.create_feed(db, lucia)
    second, new_token = calendar.create_feed(db, lucia)
    db.flush()
    with pytest.raises(NotFound):
        calendar.feed_for_token(db, old_token)
    assert calendar.feed_for_token(db, new_token).id == lucia.id
    assert calendar.active_feed(db, lucia).id == second.id
    assert first.revoked_at is not None
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "calendar_feeds",
                                                         AuditEntry.actor_id == lucia.id)
                         .order_by(AuditEntry.id)).all()
    assert actions == ["create", "revoke", "create"]


def test_revoked_wrong_and_disabled_users_tokens_are_not_found(db, lucia, nathan):
    _feed, token = calendar.create_feed(db, lucia)
    assert calendar.revoke_feed(db, lucia) is True
    assert calendar.revoke_feed(db, lucia) is False  # nothing left to revoke
    assert calendar.active_feed(db, lucia) is None
    for bad in (token, "not-a-token", "", "x" * 500):
        with pytest.raises(NotFound):
            calendar.feed_for_token(db, bad)
    _feed, nathans = calendar.create_feed(db, nathan)
    nathan.is_active = False
    db.flush()
    with pytest.raises(NotFound):
        calendar.feed_for_token(db, nathans)


def test_a_fetch_records_when_the_feed_was_last_used(db, lucia):
    feed, token = calendar.create_feed(db, lucia)
    now = utcnow()
    calendar.feed_for_token(db, token, now=now)
    assert feed.last_used_at == now
    calendar.feed_for_token(db, token, now=now + timedelta(minutes=5))  # no write for every poll
    assert feed.last_used_at == now
    later = now + timedelta(hours=2)
    calendar.feed_for_token(db, token, now=later)
    assert feed.last_used_at == later


# The document --------------------------------------------------------------------------------------

def test_the_feed_holds_open_tasks_cadence_due_dates_and_scheduled_activities(db, admin, lucia, world):
    abertas, delta = world.partners["abertas"], world.partners["delta"]
    cadence.create_rule(db, admin, CadenceRuleIn(name="Priority partners", every_days=14, counted_types=["call"],
                                                 is_priority=True))
    activity(db, lucia, abertas, "Quarterly call", days_ahead=-20, type_="call")  # abertas: 6 days overdue
    activity(db, lucia, delta, "Catch-up call", days_ahead=-4, type_="call")  # delta: due in 10 days
    open_task = task(db, lucia, "Send the renewal quote", partner_id=abertas)
    done = task(db, lucia, "Already done")
    tasks.complete_task(db, lucia, done.id)
    meeting = activity(db, lucia, abertas, "Pipeline review", days_ahead=5)
    training = activity(db, lucia, delta, "Partner bootcamp", days_ahead=40, type_="training")
    old_meeting = activity(db, lucia, abertas, "Kick-off", days_ahead=-60)
    db.flush()
    now = utcnow()
    today = cadence.local_today(lucia, now)
    events = feed_of(db, lucia, now=now)

    task_event = events[f"task-{open_task.id}@channelbase"]
    assert str(task_event["summary"]) == "Task: Send the renewal quote (Soluções Abertas Ltda.)"
    assert task_event.decoded("dtstart") == open_task.due_on  # an all-day event on the due date
    assert task_event.decoded("dtend") == open_task.due_on + timedelta(days=1)
    assert str(task_event["url"]) == f"{BASE}/tasks/{open_task.id}"
    assert f"task-{done.id}@channelbase" not in events

    overdue = events[f"cadence-{abertas}@channelbase"]
    assert str(overdue["summary"]).startswith("Contact Soluções Abertas Ltda. (cadence: Priority partners)")
    assert "overdue since" in str(overdue["summary"])
    assert overdue.decoded("dtstart") == today  # overdue touches stay on today
    upcoming = events[f"cadence-{delta}@channelbase"]
    assert str(upcoming["summary"]) == "Contact Distribuidora Delta S.A. (cadence: Priority partners)"
    assert upcoming.decoded("dtstart") == today + timedelta(days=10)

    meeting_event = events[f"activity-{meeting.id}@channelbase"]
    assert str(meeting_event["summary"]) == "Meeting: Pipeline review — Soluções Abertas Ltda."
    start = meeting_event.decoded("dtstart")
    assert isinstance(start, datetime) and start == meeting.occurred_at.replace(microsecond=0)
    assert meeting_event.decoded("dtend") - start == timedelta(hours=1)
    assert f"activity-{training.id}@channelbase" in events
    assert f"activity-{old_meeting.id}@channelbase" not in events  # more than 30 days back
    assert not any(uid.startswith("activity-") and "call" in str(e["summary"]).lower() for uid, e in events.items())
    assert all("dtstamp" in event for event in events.values())


def test_nobody_elses_data_is_in_a_feed(db, admin, lucia, nathan, ana, world):
    cadence.create_rule(db, admin, CadenceRuleIn(name="Everyone", every_days=7, counted_types=["call"]))
    lucias = task(db, lucia, "Lucía's task", partner_id=world.partners["abertas"])
    nathans = task(db, nathan, "Nathan's task", partner_id=world.partners["northwind"])
    meeting = activity(db, lucia, world.partners["abertas"], "Lucía's meeting", days_ahead=2)
    lucia_feed, nathan_feed = feed_of(db, lucia), feed_of(db, nathan)
    assert f"task-{lucias.id}@channelbase" in lucia_feed and f"task-{nathans.id}@channelbase" not in lucia_feed
    assert f"task-{nathans.id}@channelbase" in nathan_feed and f"task-{lucias.id}@channelbase" not in nathan_feed
    assert f"activity-{meeting.id}@channelbase" not in nathan_feed
    assert f"cadence-{world.partners['northwind']}@channelbase" in nathan_feed
    assert not any(uid.startswith("cadence-") and uid != f"cadence-{world.partners['northwind']}@channelbase"
                   for uid in nathan_feed)
    assert f"cadence-{world.partners['northwind']}@channelbase" not in lucia_feed
    assert feed_of(db, ana) == {}  # partner users see no tasks, cadence or activities
    # The admin owns the Americas, so every partner's cadence, but nobody else's tasks or meetings.
    admin_feed = feed_of(db, admin)
    assert {f"cadence-{world.partners[key]}@channelbase" for key in ("abertas", "northwind")} <= set(admin_feed)
    assert not any(uid.startswith(("task-", "activity-")) for uid in admin_feed)


def test_text_is_escaped_and_long_lines_folded(db, lucia, world):
    title = "Call Ana; agree price, volume and dates — " + "très long " * 12
    notes = "Line one\nLine two, with a comma; and a semicolon\\backslash"
    created = task(db, lucia, title.strip(), notes=notes, partner_id=world.partners["abertas"])
    ics = calendar.build_ics(db, lucia, base_url=BASE)
    lines = ics.split(b"\r\n")
    assert ics.endswith(b"\r\n") and all(b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75  # octets, as RFC 5545 asks
    assert b"Call Ana\\; agree price\\, volume" in ics.replace(b"\r\n ", b"")
    event = events_of(ics)[f"task-{created.id}@channelbase"]
    assert str(event["summary"]) == f"Task: {title.strip()} (Soluções Abertas Ltda.)"
    assert str(event["description"]).startswith(notes)


# The page and the URL ------------------------------------------------------------------------------

def test_a_user_makes_a_feed_url_and_a_calendar_app_reads_it(client_as, anon, db, lucia, world):
    created = task(db, lucia, "Prepare the QBR deck", partner_id=world.partners["abertas"])
    client = client_as("lucia")
    page = client.get("/calendar")
    assert page.status_code == 200 and "Create my calendar URL" in page.text
    made = client.post("/calendar/feed", data={"csrf_token": "csrf-test-token"})
    assert made.status_code == 200 and "Your calendar URL is ready" in made.text
    url = _feed_url_in(made.text)
    response = anon.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "no-store" in response.headers["cache-control"] and "private" in response.headers["cache-control"]
    assert f"task-{created.id}@channelbase" in events_of(response.content)
    assert "a calendar app last fetched it" in client.get("/calendar").text


def test_a_replaced_or_revoked_url_gets_a_plain_404(client_as, anon):
    client = client_as("nathan")
    first = _feed_url_in(client.post("/calendar/feed").text).removeprefix("http://127.0.0.1:8000")
    replaced = client.post("/calendar/feed")
    assert "the old one no longer works" in replaced.text
    second = _feed_url_in(replaced.text).removeprefix("http://127.0.0.1:8000")
    gone = anon.get(first)
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/plain")
    assert "No calendar feed at this address" in gone.text and "<html" not in gone.text
    assert anon.get(second).status_code == 200
    revoked = client.post("/calendar/feed/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/calendar?revoked=1"
    assert "was revoked" in client.get("/calendar?revoked=1").text
    assert anon.get(second).status_code == 404
    assert anon.get("/calendar/made-up-token.ics").status_code == 404


def test_making_a_feed_needs_the_csrf_token(client_as):
    client = client_as("lucia")
    client.headers.pop("X-CSRF-Token")
    assert client.post("/calendar/feed").status_code == 403


def test_the_page_needs_a_signed_in_user(anon):
    response = anon.get("/calendar")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def _feed_url_in(html: str) -> str:
    marker = 'id="feed-url" class="secret" type="text" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
