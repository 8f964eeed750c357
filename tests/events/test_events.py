"""Events: planning and editing with a clear message for each bad input, optimistic locking, who sees which
event, the upcoming and past lists, and the partners and attendees taking part."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from channelbase.core.errors import Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.events import participants, service
from channelbase.events.models import EventAttendee, EventPartner
from channelbase.events.schemas import AttendeeIn, EventFilter, EventIn, EventPartnerIn, EventUpdate
from channelbase.web.forms import parse

TODAY = date.today()


def _form(world, **changes) -> dict:
    values = dict(name="Cloud Day Rio", kind="event", starts_on=str(TODAY + timedelta(days=5)),
                  ends_on=str(TODAY + timedelta(days=5)), place="Rio de Janeiro", currency="BRL", cost="1500.00",
                  territory_id=world.territories["brazil"])
    return {**values, **changes}


def test_every_bad_input_gets_its_own_message_in_one_go(world):
    with pytest.raises(InvalidInput) as refused:
        parse(EventIn, _form(world, name="  ", kind="webinar", ends_on=str(TODAY + timedelta(days=4)), cost="-5",
                             currency="XYZ"))
    errors = refused.value.field_errors
    assert errors["name"] == "give the event a name"
    assert errors["ends_on"].startswith("the event ends before it starts")
    assert errors["url"] == "a webinar needs its link (https://…)"
    assert "'XYZ' is not an ISO 4217 currency code" in errors["currency"]
    assert errors["cost"] == "the cost cannot be negative: enter 0 for a free event"
    assert set(errors) == {"name", "ends_on", "url", "currency", "cost"}


def test_an_in_person_event_needs_a_place_and_a_webinar_a_web_link(world):
    with pytest.raises(InvalidInput) as refused:
        parse(EventIn, _form(world, kind="trade_show", place=""))
    assert refused.value.field_errors == {"place": "an in-person event needs a place (venue and city)"}
    with pytest.raises(InvalidInput) as refused:
        parse(EventIn, _form(world, kind="webinar", place="", url="ftp://files.example.com"))
    assert refused.value.field_errors == {"url": "the link must start with https://"}
    webinar = parse(EventIn, _form(world, kind="webinar", place="", url="https://meet.example.com/x"))
    assert webinar.url == "https://meet.example.com/x"


def test_costs_are_exact_in_the_currencys_minor_units(world):
    with pytest.raises(InvalidInput) as refused:
        parse(EventIn, _form(world, currency="CLP", cost="100.50"))
    assert refused.value.field_errors == {"cost": "CLP amounts have no decimals (got 100.50)"}
    with pytest.raises(InvalidInput) as refused:
        parse(EventIn, _form(world, starts_on=""))
    assert refused.value.field_errors == {"starts_on": "pick a date (YYYY-MM-DD)"}
    assert parse(EventIn, _form(world, cost="")).cost_money().to_minor() == 0


def test_a_manager_plans_events_only_in_their_own_territories(db, actor, world):
    lucia = actor("lucia")
    event = service.create_event(db, lucia, parse(EventIn, _form(world)))
    assert (event.owner_id, event.cost_minor, event.currency) == (world.users["lucia"], 150000, "BRL")
    with pytest.raises(InvalidInput) as refused:
        service.create_event(db, actor("nathan"), parse(EventIn, _form(world)))
    assert refused.value.field_errors == {"territory_id": "not one of your territories"}
    with pytest.raises(NotPermitted):
        service.create_event(db, actor("ana"), parse(EventIn, _form(world)))


def test_an_edit_on_an_old_version_is_refused(db, actor, world, summit):
    lucia = actor("lucia")
    data = {**_form(world, name="Linux Summit SP"), "version": summit.version}
    edited = service.update_event(db, lucia, summit.id, parse(EventUpdate, data))
    db.flush()
    assert edited.name == "Linux Summit SP" and edited.version == 2
    with pytest.raises(StaleEdit, match="changed by Lucía"):
        service.update_event(db, lucia, summit.id, parse(EventUpdate, {**data, "name": "Stale", "version": 1}))


def test_events_are_seen_in_their_territory_and_below(db, actor, world, summit):
    assert service.get_event(db, actor("lucia"), summit.id).id == summit.id
    assert service.get_event(db, actor("admin"), summit.id).id == summit.id
    with pytest.raises(NotFound):  # Nathan manages North America, not Brazil
        service.get_event(db, actor("nathan"), summit.id)
    with pytest.raises(NotPermitted):
        service.get_event(db, actor("ana"), summit.id)
    upcoming = EventFilter(tab="upcoming")
    assert [e.id for e in service.list_events(db, actor("lucia"), upcoming).items] == [summit.id]
    assert service.list_events(db, actor("nathan"), upcoming).items == []
    latam = EventFilter(tab="upcoming", territory_id=world.territories["latam"])
    assert [e.id for e in service.list_events(db, actor("admin"), latam).items] == [summit.id]


def test_the_past_tab_holds_events_that_have_ended(db, actor, world, summit):
    lucia = actor("lucia")
    old = service.create_event(db, lucia, parse(EventIn, _form(
        world, name="Webinar: Linux for MSPs", kind="webinar", place="", url="https://meet.example.com/msp",
        starts_on=str(TODAY - timedelta(days=20)), ends_on=str(TODAY - timedelta(days=20)))))
    older = service.create_event(db, lucia, parse(EventIn, _form(
        world, name="Partner kick-off", starts_on=str(TODAY - timedelta(days=90)),
        ends_on=str(TODAY - timedelta(days=89)))))
    past = service.list_events(db, lucia, EventFilter(tab="past"))
    assert [e.id for e in past.items] == [old.id, older.id]  # latest first
    by_name = service.list_events(db, lucia, EventFilter(tab="past"), sort="name")
    assert [e.name for e in by_name.items] == ["Partner kick-off", "Webinar: Linux for MSPs"]
    webinars = service.list_events(db, lucia, EventFilter(tab="past", kind="webinar"))
    assert [e.id for e in webinars.items] == [old.id]


def test_partners_take_part_once_each_and_can_be_removed(db, actor, world, summit):
    lucia = actor("lucia")
    participants.add_partner(db, lucia, summit.id, EventPartnerIn(partner_id=world.partners["abertas"],
                                                                  role="exhibitor"))
    with pytest.raises(Duplicate, match="takes part already"):
        participants.add_partner(db, lucia, summit.id, EventPartnerIn(partner_id=world.partners["abertas"],
                                                                      role="sponsor"))
    with pytest.raises(NotFound):  # Northwind is in Nathan's region: Lucía does not see it
        participants.add_partner(db, lucia, summit.id, EventPartnerIn(partner_id=world.partners["northwind"]))
    lines = participants.partners_of(db, lucia, summit.id)
    assert [(line.partner.id, line.link.role) for line in lines] == [(world.partners["abertas"], "exhibitor")]
    participants.remove_partner(db, lucia, summit.id, world.partners["abertas"])
    assert participants.partners_of(db, lucia, summit.id) == []


def test_an_attendee_is_matched_to_a_visible_partners_contact_by_e_mail(db, actor, world, summit):
    lucia = actor("lucia")
    ana = participants.add_attendee(db, lucia, summit.id, AttendeeIn(name="Ana Souza", email="ANA@abertas.com.br",
                                                                     attended=True))
    assert (ana.contact_id, ana.partner_id, ana.email) == (world.contacts["ana"], world.partners["abertas"],
                                                           "ana@abertas.com.br")
    # Her partner now takes part, as an attendee.
    link = db.scalar(select(EventPartner).where(EventPartner.event_id == summit.id))
    assert (link.partner_id, link.role) == (world.partners["abertas"], "attendee")
    # Grace works for Northwind, which Lucía does not see: listed, but not matched.
    grace = participants.add_attendee(db, lucia, summit.id, AttendeeIn(name="Grace Miller",
                                                                       email="grace@northwind-systems.com"))
    assert grace.contact_id is None and grace.partner_id is None
    stranger = participants.add_attendee(db, lucia, summit.id, AttendeeIn(name="Rui", email="rui@example.org"))
    assert stranger.contact_id is None
    with pytest.raises(Duplicate, match="attendee list already"):
        participants.add_attendee(db, lucia, summit.id, AttendeeIn(name="Ana again", email="ana@abertas.com.br"))
    assert [a.name for a in participants.attendees_of(db, lucia, summit.id)] == ["Ana Souza", "Grace Miller", "Rui"]
    with pytest.raises(NotFound):
        participants.add_attendee(db, actor("nathan"), summit.id, AttendeeIn(name="N", email="n@example.org"))
    assert db.scalar(select(EventAttendee.id).where(EventAttendee.name == "N")) is None
