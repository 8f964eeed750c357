"""What a distributor's user (Dora, of Distribuidora Delta) reads, through the pages and the JSON API.

Delta supplies partner A (Soluções Abertas): Dora reads partner A's deals that name Delta, unless a deal is
hidden from it, and nothing else of partner A's (its record, contacts, accounts) nor any deal of partner B
(Nube Bravo, not linked to Delta). The access matrix (tests/test_access_matrix.py) covers the deals Dora reads;
these tests cover the ones she must not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from channelbase.deals import fx, opportunities, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate


def _registration(db, who, **fields) -> int:
    registration = registrations.submit_registration(db, who, RegistrationCreate(
        customer_country="BR", amount="5000.00", currency=fx.reporting_currency(),
        expected_close_date=date.today() + timedelta(days=45), **fields))
    db.flush()
    return registration.id


def _opportunity(db, who, **fields) -> int:
    opportunity = opportunities.create_opportunity(db, who, OpportunityCreate(
        amount="7000.00", currency=fx.reporting_currency(), close_date=date.today() + timedelta(days=45), **fields))
    db.flush()
    return opportunity.id


@pytest.fixture
def unseen(db, actor, world) -> dict[str, int]:
    """Deals Dora must not read: partner A's hidden from Delta, and partner B's (no distributor)."""
    ana, bruno, lucia, delta = actor("ana"), actor("bruno"), actor("lucia"), world.partners["delta"]
    return {
        "hidden_registration": _registration(db, ana, title="Hidden tender", customer_name="Segredo Ltda.",
                                             distributor_id=delta, hidden_from_distributor=True),
        "hidden_opportunity": _opportunity(db, lucia, name="Hidden platform", account_id=world.accounts["brazil"],
                                           partner_id=world.partners["abertas"], distributor_id=delta,
                                           hidden_from_distributor=True),
        "bravo_registration": _registration(db, bruno, title="Bravo refresh", account_id=world.accounts["bravo"]),
        "bravo_opportunity": _opportunity(db, lucia, name="Bravo platform", account_id=world.accounts["bravo"],
                                          partner_id=world.partners["bravo"]),
    }


def test_dora_reads_a_linked_resellers_registration_and_opportunity_through_the_api(api_as, world):
    dora = api_as("dora")
    for kind in ("registrations", "opportunities"):
        response = dora.get(f"/api/v1/{kind}/{getattr(world, kind)['abertas']}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["partner_id"], body["distributor_id"]) == (world.partners["abertas"], world.partners["delta"])


def test_dora_reads_a_linked_resellers_registration_and_opportunity_on_the_pages(client_as, world):
    dora = client_as("dora")
    for kind in ("registrations", "opportunities"):
        page = dora.get(f"/{kind}/{getattr(world, kind)['abertas']}")
        assert page.status_code == 200
        assert "Distribuidora Delta S.A." in page.text and "Soluções Abertas Ltda." in page.text


@pytest.mark.parametrize("key", ["hidden_registration", "hidden_opportunity", "bravo_registration",
                                 "bravo_opportunity"])
def test_dora_cannot_read_a_deal_hidden_from_delta_or_of_an_unlinked_partner(api_as, client_as, unseen, key):
    kind = key.split("_")[1] + "s"
    assert api_as("dora").get(f"/api/v1/{kind}/{unseen[key]}").status_code == 404
    assert client_as("dora").get(f"/{kind}/{unseen[key]}").status_code == 404


def test_dora_lists_only_the_deals_that_name_delta(api_as, client_as, world, unseen):
    api, pages = api_as("dora"), client_as("dora")
    for kind, unseen_titles in (("registrations", ("Hidden tender", "Bravo refresh")),
                                ("opportunities", ("Hidden platform", "Bravo platform"))):
        listed = [item["id"] for item in api.get(f"/api/v1/{kind}").json()["items"]]
        assert listed == [getattr(world, kind)["abertas"]]
        page = pages.get(f"/{kind}")
        assert page.status_code == 200 and not any(title in page.text for title in unseen_titles)


@pytest.mark.parametrize("path", [
    "/partners/{partner_id}", "/api/v1/partners/{partner_id}", "/api/v1/partners/{partner_id}/contacts",
    "/contacts/{contact_id}/edit", "/api/v1/contacts/{contact_id}",
    "/accounts/{account_id}", "/api/v1/accounts/{account_id}",
])
def test_dora_cannot_read_partner_as_record_contacts_or_accounts(api_as, client_as, world, path):
    client = api_as("dora") if path.startswith("/api/") else client_as("dora")
    url = path.format(partner_id=world.partners["abertas"], contact_id=world.contacts["ana"],
                      account_id=world.accounts["abertas"])
    assert client.get(url).status_code == 404


def test_dora_lists_only_delta_and_its_own_contacts(api_as, world):
    dora = api_as("dora")
    assert [p["id"] for p in dora.get("/api/v1/partners").json()["items"]] == [world.partners["delta"]]
    assert [c["id"] for c in dora.get("/api/v1/contacts").json()["items"]] == [world.contacts["dora"]]
