"""Onboarding through the app: the manager's list, the partner page's panel (start, tick, untick, a stale
tick explained in place), and the admins' templates with their validation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from channelbase.onboarding import journeys
from channelbase.onboarding.models import JourneyTemplate, PartnerJourney

HTMX = {"HX-Request": "true"}


def test_the_list_shows_journeys_to_their_manager_and_refuses_partner_users(client_as, db, actor, new_partner):
    journeys.start_journey(db, actor("lucia"), new_partner("Lista Ltda.").id, agreement_signed_on=date(2026, 11, 2))
    page = client_as("lucia").get("/onboarding")
    assert page.status_code == 200 and "Lista Ltda." in page.text and "1/6" in page.text
    assert "Portal users invited" in page.text  # the next open step
    fragment = client_as("lucia").get("/onboarding?state=completed&sort=-progress", headers=HTMX)
    assert "<html" not in fragment.text and "No onboarding journeys match these filters" in fragment.text
    assert "Lista Ltda." not in client_as("nathan").get("/onboarding").text
    assert client_as("ana").get("/onboarding").status_code == 403


def test_the_panel_starts_a_journey_and_ticks_and_unticks_in_place(client_as, db, new_partner):
    partner = new_partner()
    lucia = client_as("lucia")
    empty = lucia.get(f"/partners/{partner.id}/onboarding", headers=HTMX)
    assert "<html" not in empty.text and "Start onboarding journey" in empty.text
    started = lucia.post(f"/partners/{partner.id}/onboarding/start", data={"agreement_signed_on": "2026-11-02"},
                         headers=HTMX)
    assert started.status_code == 200 and "Agreement signed 2026-11-02" in started.text
    journey = db.scalar(select(PartnerJourney).where(PartnerJourney.partner_id == partner.id))
    step = journeys.steps_of(db, [journey.id])[journey.id][1]
    ticked = lucia.post(f"/onboarding/steps/{step.id}/done", data={"version": step.version, "evidence": "Sent"},
                        headers=HTMX)
    assert ticked.status_code == 200 and "by Lucía Fernández" in ticked.text
    stale = lucia.post(f"/onboarding/steps/{step.id}/undone", data={"version": step.version}, headers=HTMX)
    assert stale.status_code == 200 and "changed by" in stale.text  # htmx swaps only 2xx: the error is inside
    db.refresh(step)
    undone = lucia.post(f"/onboarding/steps/{step.id}/undone", data={"version": step.version})
    assert undone.status_code == 303 and undone.headers["location"] == f"/partners/{partner.id}/onboarding"
    db.refresh(step)
    assert step.done_at is None
    full = lucia.get(f"/partners/{partner.id}/onboarding")
    assert "<html" in full.text and "All onboarding journeys" in full.text


def test_partner_users_and_other_regions_do_not_reach_the_panel(client_as, new_partner):
    partner = new_partner()
    assert client_as("ana").get(f"/partners/{partner.id}/onboarding").status_code == 403
    assert client_as("nathan").get(f"/partners/{partner.id}/onboarding").status_code == 404
    assert client_as("nathan").post(f"/partners/{partner.id}/onboarding/start", data={}).status_code == 404


def test_a_future_signing_date_is_refused_beside_the_form(client_as, new_partner):
    partner = new_partner()
    refused = client_as("lucia").post(f"/partners/{partner.id}/onboarding/start",
                                      data={"agreement_signed_on": "2999-01-01"})
    assert refused.status_code == 422 and "cannot be signed in the future" in refused.text


def test_admins_write_templates_and_mistakes_are_explained(client_as, db):
    admin = client_as("admin")
    assert admin.get("/onboarding/templates").status_code == 200
    created = admin.post("/onboarding/templates", data={
        "name": "Distributor onboarding", "partner_type": "distributor", "active": "1",
        "steps": "Agreement | agreement_signed\nCredit line approved\nFirst deal | First Registration"})
    assert created.status_code == 303
    template = db.scalar(select(JourneyTemplate).where(JourneyTemplate.name == "Distributor onboarding"))
    page = admin.get("/onboarding/templates").text
    assert "Credit line approved" in page and "first_registration" in page
    cases = [
        ({"name": "", "steps": "One"}, "name"),
        ({"name": "No steps", "steps": "  \n "}, "give at least one step"),
        ({"name": "Twice", "steps": "Kick-off\nkick off"}, "listed twice"),
        ({"name": "Odd", "steps": "Party | first_party"}, "unknown rule “first_party”"),
        ({"name": "Second", "partner_type": "distributor", "active": "1", "steps": "One"},
         "already the active template for Distributor"),
    ]
    for data, message in cases:
        refused = admin.post("/onboarding/templates", data=data)
        assert refused.status_code in (409, 422) and message in refused.text, message
    edited = admin.post(f"/onboarding/templates/{template.id}", data={
        "version": template.version, "name": "Distributor onboarding", "partner_type": "distributor",
        "steps": "Agreement | agreement_signed"})
    assert edited.status_code == 303
    db.refresh(template)
    stale = admin.post(f"/onboarding/templates/{template.id}", data={
        "version": template.version - 1, "name": "X", "steps": "Y"})
    assert stale.status_code == 409 and "changed by" in stale.text
    assert client_as("lucia").get("/onboarding/templates").status_code == 403
