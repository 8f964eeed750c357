"""Events through the pages: planning with inline messages, who may open what, partners and attendees, pasting
leads with a per-row report, and converting the selected leads in bulk."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from channelbase.deals.models import Registration
from channelbase.events.models import Event, EventAttendee, EventLead

SOON = date.today() + timedelta(days=20)


def _event_form(world, **changes) -> dict:
    return {"name": "Open Source Day Campinas", "kind": "event", "starts_on": SOON.isoformat(),
            "ends_on": SOON.isoformat(), "place": "Campinas", "cost": "2500.00", "currency": "BRL",
            "territory_id": str(world.territories["brazil"]), "owner_id": "", "description": "", **changes}


def test_a_manager_plans_an_event_and_bad_input_is_explained_beside_each_field(client_as, db, world):
    lucia = client_as("lucia")
    refused = lucia.post("/events", data=_event_form(world, name="", ends_on=(SOON - timedelta(days=1)).isoformat(),
                                                     cost="-10", currency="ZZZ"))
    assert refused.status_code == 422
    for message in ("give the event a name", "the event ends before it starts", "the cost cannot be negative",
                    "&#39;ZZZ&#39; is not an ISO 4217 currency code"):
        assert message in refused.text
    created = lucia.post("/events", data=_event_form(world))
    assert created.status_code == 303
    event = db.scalar(select(Event).where(Event.name == "Open Source Day Campinas"))
    assert created.headers["location"] == f"/events/{event.id}?notice=created"
    page = lucia.get(created.headers["location"])
    assert page.status_code == 200 and "Event created." in page.text and "BRL 2,500.00" in page.text
    listing = lucia.get("/events")
    assert "Open Source Day Campinas" in listing.text and "BRL 2,500.00" in listing.text
    assert "Open Source Day Campinas" not in lucia.get("/events?tab=past").text
    bad_filter = lucia.get("/events?kind=party")
    assert bad_filter.status_code == 422 and "clear filters" in bad_filter.text


def test_an_edit_saves_and_a_stale_one_shows_what_was_not_saved(client_as, db, world, summit):
    lucia = client_as("lucia")
    url = f"/events/{summit.id}"
    form = _event_form(world, name="Linux Summit SP", version=str(summit.version))
    assert lucia.post(url, data=form).headers["location"] == f"{url}?notice=saved"
    stale = lucia.post(url, data={**form, "name": "Someone else's name"})
    assert stale.status_code == 409 and "after you opened it" in stale.text and "Someone else&#39;s name" in stale.text


def test_other_regions_managers_get_404_and_partner_users_403(client_as, summit):
    assert client_as("nathan").get(f"/events/{summit.id}").status_code == 404
    assert "Linux Summit" not in client_as("nathan").get("/events").text
    for who in ("ana", "bruno", "dora"):
        assert client_as(who).get("/events").status_code == 403
        assert client_as(who).get(f"/events/{summit.id}").status_code == 403
    assert client_as("admin").get(f"/events/{summit.id}").status_code == 200


def test_partners_and_attendees_through_the_page(client_as, db, world, summit):
    lucia = client_as("lucia")
    url = f"/events/{summit.id}"
    added = lucia.post(f"{url}/partners", data={"partner_id": world.partners["delta"], "role": "sponsor"})
    assert added.status_code == 303
    twice = lucia.post(f"{url}/partners", data={"partner_id": world.partners["delta"], "role": "exhibitor"})
    assert twice.status_code == 409 and "takes part already" in twice.text
    matched = lucia.post(f"{url}/attendees", data={"name": "Ana Souza", "email": "ana@abertas.com.br",
                                                  "attended": "1"})
    assert matched.headers["location"].startswith(f"{url}?notice=matched")
    bad = lucia.post(f"{url}/attendees", data={"name": "", "email": "nope"})
    assert bad.status_code == 422 and "give the person&#39;s name" in bad.text
    page = lucia.get(url).text
    assert "Remove Distribuidora Delta S.A." in page and "Remove Soluções Abertas Ltda." in page and "Sponsor" in page
    attendee = db.scalar(select(EventAttendee).where(EventAttendee.event_id == summit.id))
    assert attendee.attended and attendee.contact_id == world.contacts["ana"]
    removed = lucia.post(f"{url}/partners/{world.partners['delta']}/remove", data={})
    assert removed.status_code == 303 and "Remove Distribuidora Delta S.A." not in lucia.get(url).text


def test_a_paste_with_two_bad_rows_shows_those_rows_and_imports_nothing(client_as, db, summit):
    lucia = client_as("lucia")
    text = ("company,domain,country,contact,email,notes\nBanco Sol S.A.,bancosol.com.br,BR,,,\n"
            "Bad,not a domain!,BR,,,\nNo Country,,,,,\n"
            'Fórmula Ltda.,,BR,,,"=HYPERLINK(""http://evil.example"",""x"")"\n')
    refused = lucia.post(f"/events/{summit.id}/leads/import", data={"text": text})
    assert refused.status_code == 422
    assert "Line 3: domain:" in refused.text and "Line 4: country:" in refused.text
    assert "Line 2" not in refused.text and "Line 5" not in refused.text
    assert "Bad,not a domain!" in refused.text  # the pasted text is kept for correcting
    assert db.scalar(select(EventLead.id).where(EventLead.event_id == summit.id)) is None
    fixed = "\n".join(line for n, line in enumerate(text.splitlines(), 1) if n not in (3, 4))
    imported = lucia.post(f"/events/{summit.id}/leads/import", data={"text": fixed})
    assert imported.headers["location"] == f"/events/{summit.id}?notice=imported&count=2#leads"
    page = lucia.get(f"/events/{summit.id}").text
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)" in page  # shown as text, escaped
    assert 'href="http://evil.example"' not in page


def test_selected_leads_become_accounts_then_registrations_in_bulk(client_as, db, world, summit, add_lead):
    lucia = client_as("lucia")
    sol, known = add_lead("Banco Sol S.A.", domain="bancosol.com.br"), add_lead("Banco Horizonte S.A.")
    db.flush()
    url = f"/events/{summit.id}/leads"
    done = lucia.post(f"{url}/accounts", data={"lead_ids": [str(sol.id), str(known.id)]})
    assert done.status_code == 200 and "Done: 2 converted, 0 skipped." in done.text
    assert "account created" in done.text and "existing account linked" in done.text
    form = {"lead_ids": [str(sol.id), str(known.id)], "partner_id": str(world.partners["abertas"]),
            "amount": "12000.00", "currency": "USD",
            "expected_close_date": (date.today() + timedelta(days=45)).isoformat(), "product_id": "", "quantity": "1"}
    registered = lucia.post(f"{url}/registrations", data=form)
    assert registered.status_code == 200 and "Done: 2 converted" in registered.text
    assert "USD 24,000.00" in registered.text  # the summary's pipeline
    db.expire_all()
    registration = db.get(Registration, db.get(EventLead, sol.id).registration_id)
    assert registration.partner_id == world.partners["abertas"] and registration.account_id == db.get(
        EventLead, sol.id).account_id
    nothing = lucia.post(f"{url}/registrations", data={**form, "lead_ids": []})
    assert nothing.status_code == 422 and "Select at least one lead" in nothing.text


def test_a_failing_lead_is_listed_and_nothing_is_converted(client_as, db, world, summit, add_lead):
    good, hidden = add_lead("Banco Sol S.A."), add_lead("Harbor Health", domain="harborhealth.org", country="US")
    db.flush()
    refused = client_as("lucia").post(f"/events/{summit.id}/leads/accounts",
                                      data={"lead_ids": [str(good.id), str(hidden.id)]})
    assert refused.status_code == 422
    assert "Nothing was converted: 1 of the 2 selected leads failed" in refused.text
    assert f"#{hidden.id} Harbor Health" in refused.text
    db.expire_all()
    assert db.get(EventLead, good.id).status == "new"
