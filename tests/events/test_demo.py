"""The demo's events load on the named world: past and upcoming events with partners, matched attendees and
leads, some of them turned into accounts and registrations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from channelbase.events import summary
from channelbase.events.demo import load_events
from channelbase.events.models import Event, EventAttendee, EventLead
from channelbase.events.schemas import EventFilter


def test_the_demo_has_past_and_upcoming_events_with_converted_leads(db, actor):
    counts = load_events(db, date.today())
    assert counts == {"events": 4, "event_partners": 4, "event_attendees": 5, "event_leads": 8,
                      "event_leads_converted": 5}
    statuses = dict(db.execute(select(EventLead.status, func.count()).group_by(EventLead.status)).all())
    assert statuses == {"registered": 2, "account": 3, "new": 2, "discarded": 1}
    matched = db.scalar(select(func.count()).select_from(EventAttendee).where(EventAttendee.contact_id.is_not(None)))
    assert matched == 4  # Ana, Dora, Bruno and Grace; the banker is not a partner's contact
    lucia = actor("lucia")
    past = summary.list_totals(db, lucia, EventFilter(tab="past"))
    assert (past.events, past.leads, past.converted) == (2, 8, 5)
    summit = db.scalar(select(Event).where(Event.name == "Linux Summit São Paulo"))
    numbers = summary.event_summary(db, lucia, summit)
    assert (numbers.registrations, numbers.accounts_linked) == (2, 1)
    assert str(numbers.cost_per_lead) == "BRL 8,000.00"
    assert summary.list_totals(db, actor("nathan"), EventFilter(tab="upcoming")).events == 1
