"""Access rows of events and webinars (channelbase/events/web.py): staff pages only. The event in the URLs is
in Brazil, planned by Lucía, with partner A taking part and one lead: admins and Lucía act on it, Nathan (North
America) does not see it, and partner users are refused every events page."""

from __future__ import annotations

from datetime import date, timedelta

from tests.access_policies import A_TERRITORY_PAGE, STAFF

AUTO_IDS = True

ROWS = {
    ("GET", "/events"): STAFF,
    ("POST", "/events"): STAFF,  # Nathan may plan events, though not in Brazil (a 422 about the data)
    ("GET", "/events/{event_id}"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/partners"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/partners/{partner_id}/remove"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/attendees"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/leads"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/leads/import"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/leads/accounts"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/leads/registrations"): A_TERRITORY_PAGE,
    ("POST", "/events/{event_id}/leads/discard"): A_TERRITORY_PAGE,
}

# The lead make_ids created for this test (ids are not reused on PostgreSQL: sequences survive rollbacks).
_MADE: dict[str, int] = {}


def _event(world) -> dict[str, str]:
    day = (date.today() + timedelta(days=14)).isoformat()
    return dict(name="Matrix Expo", kind="trade_show", starts_on=day, ends_on=day, place="São Paulo",
                currency="BRL", cost="100.00", territory_id=str(world.territories["brazil"]))


BODIES = {
    ("POST", "/events"): _event,
    ("POST", "/events/{event_id}"): lambda world: {**_event(world), "version": "1"},
    ("POST", "/events/{event_id}/partners"): lambda world: dict(partner_id=str(world.partners["delta"]),
                                                                role="sponsor"),
    ("POST", "/events/{event_id}/attendees"): lambda world: dict(name="Ana Souza", email="ana@abertas.com.br"),
    ("POST", "/events/{event_id}/leads"): lambda world: dict(company="Matrix Lead S.A.", country="BR"),
    ("POST", "/events/{event_id}/leads/import"): lambda world: dict(text="company,country\nMatrix Import Ltda.,BR"),
    ("POST", "/events/{event_id}/leads/accounts"): lambda world: dict(lead_ids=str(_MADE["lead_id"])),
    ("POST", "/events/{event_id}/leads/registrations"): lambda world: dict(
        lead_ids=str(_MADE["lead_id"]), partner_id=str(world.partners["abertas"]), amount="1000.00", currency="USD",
        expected_close_date=(date.today() + timedelta(days=30)).isoformat()),
    ("POST", "/events/{event_id}/leads/discard"): lambda world: dict(lead_ids=str(_MADE["lead_id"])),
}


def make_ids(db, actor) -> dict[str, int]:
    """A trade show in Brazil planned by Lucía, partner A exhibiting, and one new lead."""
    from channelbase.events import leads, participants, service
    from channelbase.events.schemas import EventIn, EventPartnerIn, LeadIn
    from channelbase.partners.models import Partner, Territory
    from sqlalchemy import select
    lucia = actor("lucia")
    brazil = db.scalar(select(Territory.id).where(Territory.name == "Brazil"))
    abertas = db.scalar(select(Partner.id).where(Partner.name == "Soluções Abertas Ltda."))
    day = date.today() + timedelta(days=10)
    event = service.create_event(db, lucia, EventIn(name="Matrix Summit", kind="trade_show", starts_on=day,
                                                    ends_on=day, place="São Paulo", currency="BRL",
                                                    territory_id=brazil))
    participants.add_partner(db, lucia, event.id, EventPartnerIn(partner_id=abertas, role="exhibitor"))
    lead = leads.add_lead(db, lucia, event.id, LeadIn(company="Matrix Cliente Ltda.", domain="matrixcliente.com.br",
                                                      country="BR"))
    db.flush()
    _MADE["lead_id"] = lead.id
    return {"event_id": event.id}
