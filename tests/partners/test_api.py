"""The partner directory's JSON API under /api/v1."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channelbase.auth import service as auth_service
from channelbase.auth.models import ApiToken, User
from channelbase.partners import service
from channelbase.partners.models import Partner
from channelbase.partners.schemas import PartnerCreate

API = "/api/v1"
NEW_PARTNER = {"name": "Andes Cloud SpA", "type": "msp", "territory_id": 0, "country": "CL",
               "website": "https://andescloud.cl", "tax_id": "76.086.428-5"}


def _new_partner(world, **changes) -> dict:
    return {**NEW_PARTNER, "territory_id": world.territories["chile"], **changes}


def _partner_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Partner))


def _add_partners(db, world, names: list[str]) -> None:
    admin = db.get(User, world.users["admin"])
    for name in names:
        service.create_partner(db, admin, PartnerCreate(name=name, type="var", country="MX",
                                                        territory_id=world.territories["mexico"]))
    db.flush()


def _names(response) -> list[str]:
    return [p["name"] for p in response.json()["items"]]


# Listing ------------------------------------------------------------------------------------------

def test_it_lists_partners_with_filters(api_as, world):
    response = api_as("admin").get(f"{API}/partners", params={"country": "br", "type": "var"})
    assert response.status_code == 200
    assert _names(response) == ["Soluções Abertas Ltda."]
    assert response.json()["next_cursor"] is None


def test_it_filters_by_territory_subtree_and_priority(api_as, world):
    client = api_as("admin")
    latam = client.get(f"{API}/partners", params={"territory_id": world.territories["latam"], "priority": "true"})
    assert sorted(_names(latam)) == ["Distribuidora Delta S.A.", "Soluções Abertas Ltda."]


def test_it_pages_through_partners_with_a_cursor(api_as, db, world):
    _add_partners(db, world, [f"Paginada {i:02d}" for i in range(7)])
    client = api_as("admin")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": "paginada", "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{API}/partners", params=params).json()
        seen += [p["name"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"Paginada {i:02d}" for i in range(7)]


def test_it_pages_backwards_by_id(api_as, db, world):
    _add_partners(db, world, ["Reverso Uno", "Reverso Dos", "Reverso Tres"])
    client = api_as("admin")
    first = client.get(f"{API}/partners", params={"q": "reverso", "sort": "-id", "limit": 2}).json()
    second = client.get(f"{API}/partners", params={"q": "reverso", "sort": "-id", "limit": 2,
                                                   "cursor": first["next_cursor"]}).json()
    ids = [p["id"] for p in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert second["next_cursor"] is None


@pytest.mark.parametrize("params, field", [
    ({"type": "reseller"}, "type"),
    ({"country": "XX"}, "country"),
    ({"limit": 500}, "limit"),
    ({"sort": "city"}, "sort"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"stauts": "active"}, "stauts"),
])
def test_it_rejects_invalid_list_parameters_with_a_clear_message(api_as, params, field):
    response = api_as("admin").get(f"{API}/partners", params=params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_it_rejects_a_cursor_from_another_sort_order(api_as, db, world):
    _add_partners(db, world, ["Cursor Uno", "Cursor Dos"])
    client = api_as("admin")
    cursor = client.get(f"{API}/partners", params={"q": "cursor", "limit": 1}).json()["next_cursor"]
    response = client.get(f"{API}/partners", params={"q": "cursor", "sort": "id", "cursor": cursor})
    assert response.status_code == 422
    assert "another sort order" in response.json()["detail"]


# Creating -----------------------------------------------------------------------------------------

def test_it_creates_a_partner_and_points_at_it(api_as, world):
    client = api_as("admin")
    response = client.post(f"{API}/partners", json=_new_partner(world))
    assert response.status_code == 201
    body = response.json()
    assert body["tax_id"] == "760864285" and body["domain"] == "andescloud.cl" and body["version"] == 1
    assert response.headers["location"] == f"{API}/partners/{body['id']}"
    assert client.get(response.headers["location"]).json()["name"] == "Andes Cloud SpA"


def test_it_rejects_an_invalid_tax_id_and_writes_nothing(api_as, db, world):
    before = _partner_count(db)
    response = api_as("admin").post(f"{API}/partners", json=_new_partner(world, tax_id="76.086.428-0"))
    assert response.status_code == 422
    assert "not a valid RUT for Chile" in response.json()["errors"]["tax_id"]
    assert _partner_count(db) == before


def test_it_refuses_a_duplicate_and_links_to_the_existing_partner(api_as, world):
    response = api_as("admin").post(f"{API}/partners", json=_new_partner(world, name="Solucoes Abertas"))
    assert response.status_code == 409
    body = response.json()
    assert f"#{world.partners['abertas']}" in body["detail"]
    assert body["link"] == f"/partners/{world.partners['abertas']}"
    assert body["errors"] == {"name": "already used"}


def test_it_answers_malformed_json_with_422(api_as):
    response = api_as("admin").post(f"{API}/partners", content=b'{"name": "Broken",',
                                    headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "malformed JSON" in response.json()["errors"]["body"]


@pytest.mark.parametrize("changes, message", [
    ({"country": "XX"}, "'XX' is not an ISO 3166 country code"),
    ({"name": "N" * 201}, "name: String should have at most 200 characters"),
    ({"nickname": "Andes"}, "nickname: Extra inputs are not permitted"),
    ({"type": "reseller"}, "type: Input should be"),
])
def test_it_rejects_invalid_fields_with_422(api_as, db, world, changes, message):
    before = _partner_count(db)
    response = api_as("admin").post(f"{API}/partners", json=_new_partner(world, **changes))
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert _partner_count(db) == before


# Updating, deleting, restoring --------------------------------------------------------------------

def test_it_updates_only_the_fields_given(api_as, world):
    url = f"{API}/partners/{world.partners['bravo']}"
    response = api_as("lucia").patch(url, json={"version": 1, "tier": "gold"})
    assert response.status_code == 200
    assert response.json()["tier"] == "gold" and response.json()["city"] == "Monterrey"
    assert response.json()["version"] == 2


def test_it_refuses_a_stale_edit_naming_who_changed_it(api_as, world):
    url = f"{API}/partners/{world.partners['bravo']}"
    assert api_as("lucia").patch(url, json={"version": 1, "city": "Guadalajara"}).status_code == 200
    response = api_as("admin").patch(url, json={"version": 1, "city": "Puebla"})
    assert response.status_code == 409
    assert "changed by Lucía Fernández <lucia@channelbase.demo> at" in response.json()["detail"]


def test_it_requires_the_version_on_update(api_as, world):
    response = api_as("admin").patch(f"{API}/partners/{world.partners['bravo']}", json={"city": "Puebla"})
    assert response.status_code == 422
    assert response.json()["errors"]["version"] == "Field required"


def test_it_checks_a_new_tax_id_against_the_stored_country(api_as, world):
    response = api_as("admin").patch(f"{API}/partners/{world.partners['bravo']}",
                                     json={"version": 1, "tax_id": "11.444.777/0001-61"})
    assert response.status_code == 422
    assert "RFC" in response.json()["errors"]["tax_id"]


def test_it_soft_deletes_and_restores_a_partner(api_as, world):
    client = api_as("admin")
    url = f"{API}/partners/{world.partners['northwind']}"
    deleted = client.delete(url)
    assert deleted.status_code == 200 and deleted.json()["deleted_at"] is not None
    assert client.get(url).status_code == 404
    assert client.get(url, params={"include_deleted": True}).status_code == 200
    listed = client.get(f"{API}/partners", params={"deleted": True})
    assert _names(listed) == ["Northwind Systems Inc."]
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert client.get(url).status_code == 200


# Visibility and permissions -----------------------------------------------------------------------

def test_a_partner_user_sees_only_their_partner(api_as, world):
    client = api_as("bruno")
    assert _names(client.get(f"{API}/partners")) == ["Nube Bravo S.A. de C.V."]
    response = client.get(f"{API}/partners/{world.partners['abertas']}")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No partner #")


def test_a_manager_cannot_see_partners_outside_their_territories(api_as, world):
    client = api_as("nathan")
    assert client.get(f"{API}/partners/{world.partners['abertas']}").status_code == 404
    assert client.get(f"{API}/partners/{world.partners['delta']}/contacts").status_code == 404
    assert _names(client.get(f"{API}/partners")) == ["Northwind Systems Inc."]


def test_a_partner_user_may_not_add_partners(api_as, db, world):
    before = _partner_count(db)
    response = api_as("ana").post(f"{API}/partners", json=_new_partner(world))
    assert response.status_code == 403
    assert "Only channel managers and admins" in response.json()["detail"]
    assert _partner_count(db) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cb_wrong"}, {"Authorization": "Basic abc"}])
def test_it_refuses_a_missing_or_invalid_token(anon, headers):
    response = anon.get(f"{API}/partners", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]


def test_it_refuses_a_revoked_token(anon, session_factory, world):
    with session_factory.begin() as session:
        user = session.get(User, world.users["lucia"])
        token, secret = auth_service.create_api_token(session, user, "revoked")
        session.flush()
        auth_service.revoke_api_token(session, user, token.id)
    response = anon.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_it_ignores_session_cookies(client_as):
    assert client_as("admin").get(f"{API}/me").status_code == 401


def test_me_describes_the_token_owner(api_as, world):
    response = api_as("ana").get(f"{API}/me")
    assert response.json() == {"id": world.users["ana"], "email": "ana@abertas.com.br", "name": "Ana Souza",
                               "role": "partner", "partner_id": world.partners["abertas"]}


# Contacts and links -------------------------------------------------------------------------------

def test_it_lists_a_partners_contacts(api_as, world):
    response = api_as("lucia").get(f"{API}/partners/{world.partners['abertas']}/contacts")
    body = response.json()
    assert [c["email"] for c in body["items"]] == ["ana@abertas.com.br"]
    assert body["total"] == 1 and body["next_page"] is None


def test_a_partner_user_manages_their_own_contacts(api_as, world):
    client = api_as("ana")
    created = client.post(f"{API}/contacts", json={"partner_id": world.partners["abertas"], "name": "Rui Costa",
                                                   "email": "Rui@Abertas.com.br", "role": "technical"})
    assert created.status_code == 201 and created.json()["email"] == "rui@abertas.com.br"
    url = created.headers["location"]
    updated = client.patch(url, json={"version": 1, "phone": "+55 11 5555-0000"})
    assert updated.json()["phone"] == "+55 11 5555-0000"
    assert [c["name"] for c in client.get(f"{API}/contacts", params={"q": "rui"}).json()["items"]] == ["Rui Costa"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_a_partner_user_cannot_add_contacts_to_another_partner(api_as, world):
    response = api_as("ana").post(f"{API}/contacts", json={"partner_id": world.partners["bravo"], "name": "X",
                                                           "email": "x@example.com"})
    assert response.status_code == 404


def test_it_rejects_an_invalid_contact_email(api_as, world):
    response = api_as("admin").post(f"{API}/contacts", json={"partner_id": world.partners["bravo"], "name": "X",
                                                             "email": "not-an-email"})
    assert response.status_code == 422
    assert "email" in response.json()["errors"]


def test_contacts_paginate_by_page_number(api_as, world):
    body = api_as("admin").get(f"{API}/contacts", params={"limit": 2}).json()
    assert len(body["items"]) == 2 and body["total"] == 4 and body["next_page"] == 2


def test_it_shows_links_from_both_sides(api_as, world):
    client = api_as("admin")
    delta = client.get(f"{API}/partners/{world.partners['delta']}/links").json()
    assert [r["partner"]["name"] for r in delta["resellers"]] == ["Soluções Abertas Ltda."]
    abertas = client.get(f"{API}/partners/{world.partners['abertas']}/links").json()
    assert abertas["distributors"][0]["link_id"] == world.links["delta_abertas"]
    assert abertas["resellers"] == []


def test_it_links_and_unlinks_a_reseller(api_as, world):
    client = api_as("lucia")
    created = client.post(f"{API}/links", json={"distributor_id": world.partners["delta"],
                                                "reseller_id": world.partners["bravo"]})
    assert created.status_code == 201
    again = client.post(f"{API}/links", json={"distributor_id": world.partners["delta"],
                                              "reseller_id": world.partners["bravo"]})
    assert again.status_code == 409
    assert client.delete(f"{API}/links/{created.json()['id']}").status_code == 204


def test_it_refuses_a_link_to_a_non_distributor(api_as, world):
    response = api_as("admin").post(f"{API}/links", json={"distributor_id": world.partners["bravo"],
                                                          "reseller_id": world.partners["abertas"]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"distributor_id": "not a distributor"}


# Accounts and territories -------------------------------------------------------------------------

def test_a_partner_user_sees_and_adds_only_their_accounts(api_as, world):
    client = api_as("bruno")
    assert _names(client.get(f"{API}/accounts")) == ["Cervecería Regia S.A. de C.V."]
    assert client.get(f"{API}/accounts/{world.accounts['brazil']}").status_code == 404
    created = client.post(f"{API}/accounts", json={"name": "Aceros del Norte", "country": "MX"})
    assert created.status_code == 201
    assert created.json()["partner_id"] == world.partners["bravo"]
    assert created.json()["territory_id"] == world.territories["mexico"]


def test_it_filters_pages_and_soft_deletes_accounts(api_as, world):
    client = api_as("admin")
    first = client.get(f"{API}/accounts", params={"country": "BR", "limit": 1}).json()
    second = client.get(f"{API}/accounts", params={"country": "BR", "limit": 1, "cursor": first["next_cursor"]}).json()
    assert _names_of(first) + _names_of(second) == ["Banco Horizonte S.A.", "Prefeitura de Campinas"]
    url = f"{API}/accounts/{world.accounts['us']}"
    assert client.delete(url).json()["deleted_at"] is not None
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/restore").json()["deleted_at"] is None


def _names_of(body: dict) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_it_rejects_an_account_tax_id_that_does_not_fit_the_country(api_as, world):
    response = api_as("admin").post(f"{API}/accounts", json={"name": "Acme", "country": "US", "tax_id": "12",
                                                             "territory_id": world.territories["us_east"]})
    assert response.status_code == 422
    assert "EIN" in response.json()["errors"]["tax_id"]


def test_it_updates_an_account_with_the_current_version(api_as, world):
    response = api_as("admin").patch(f"{API}/accounts/{world.accounts['us']}",
                                     json={"version": 1, "industry": "Hospitals"})
    assert response.status_code == 200 and response.json()["industry"] == "Hospitals"


def test_it_lists_territories_in_tree_order_for_the_actor(api_as, world):
    names = [t["name"] for t in api_as("nathan").get(f"{API}/territories").json()]
    assert names == ["North America", "Canada", "US East", "US West"]


def test_only_admins_add_or_change_territories(api_as, world):
    data = {"name": "Uruguay", "parent_id": world.territories["latam"], "currency": "UYU"}
    assert api_as("lucia").post(f"{API}/territories", json=data).status_code == 403
    created = api_as("admin").post(f"{API}/territories", json=data)
    assert created.status_code == 201 and created.json()["depth"] == 2
    assert created.headers["location"] == f"{API}/territories/{created.json()['id']}"
    edit = {"version": created.json()["version"], "name": "Uruguay (ROU)"}
    assert api_as("lucia").patch(created.headers["location"], json=edit).status_code == 403
    assert api_as("admin").patch(created.headers["location"], json=edit).json()["name"] == "Uruguay (ROU)"


# Documentation ------------------------------------------------------------------------------------

def test_openapi_lists_the_directory_endpoints(anon):
    schema = anon.get(f"{API}/openapi.json").json()
    for path in ("/api/v1/partners", "/api/v1/partners/{partner_id}", "/api/v1/partners/{partner_id}/restore",
                 "/api/v1/partners/{partner_id}/links", "/api/v1/links", "/api/v1/contacts", "/api/v1/accounts",
                 "/api/v1/territories", "/api/v1/me"):
        assert path in schema["paths"], path
    assert schema["paths"]["/api/v1/partners"]["post"]["summary"]
    assert "Add a partner" in schema["paths"]["/api/v1/partners"]["post"]["description"]


def test_token_use_is_recorded(api_as, db, world):
    api_as("nathan").get(f"{API}/me")
    token = db.scalars(select(ApiToken).where(ApiToken.user_id == world.users["nathan"])).first()
    assert token.last_used_at is not None
