"""The directory's pages: partners, contacts, accounts and territories, through the real app."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import event, func, select

from channelbase.core.audit import AuditEntry
from channelbase.partners import service
from channelbase.partners.models import Account, Contact, Partner
from channelbase.partners.schemas import PartnerCreate

VALID_CNPJ = "11.222.333/0001-81"


def _partner_form(world, **overrides):
    form = {"name": "Nuvem Azul Ltda.", "legal_name": "", "type": "var", "tier": "silver", "status": "prospect",
            "territory_id": str(world.territories["brazil"]), "owner_id": "", "country": "BR", "city": "Recife",
            "currency": "BRL", "website": "", "tax_id": ""}
    return {**form, **overrides}


def _names_in_table(html: str) -> list[str]:
    return re.findall(r'<a href="/partners/\d+">([^<]+)</a>', html.split("<tbody>")[1].split("</tbody>")[0])


def _add_partners(db, actor, world, count: int) -> None:
    for n in range(count):
        service.create_partner(db, actor("admin"), PartnerCreate(
            name=f"Extra Partner {n:02d}", type="var", territory_id=world.territories["brazil"], country="BR"))
    db.flush()


# The partner list ---------------------------------------------------------------------------------

def test_it_finds_a_partner_by_its_name_typed_without_accents(client_as):
    page = client_as("lucia").get("/partners", params={"q": "solucoes"})
    assert page.status_code == 200
    assert _names_in_table(page.text) == ["Soluções Abertas Ltda."]


def test_it_filters_partners_by_type_and_status(client_as):
    client = client_as("admin")
    assert _names_in_table(client.get("/partners?type=distributor&status=active").text) == ["Distribuidora Delta S.A."]
    assert "No partners match these filters" in client.get("/partners?type=distributor&status=prospect").text


def test_it_filters_partners_by_territory_including_sub_territories(client_as, world):
    page = client_as("admin").get(f"/partners?territory_id={world.territories['latam']}")
    assert sorted(_names_in_table(page.text)) == [
        "Distribuidora Delta S.A.", "Nube Bravo S.A. de C.V.", "Soluções Abertas Ltda."]


def test_it_sorts_partners_by_name_descending(client_as):
    names = _names_in_table(client_as("admin").get("/partners?sort=-name").text)
    assert names == sorted(names, key=str.lower, reverse=True) and len(names) == 4


def test_it_links_column_headers_to_toggle_the_sort(client_as):
    page = client_as("admin").get("/partners?sort=name&type=var")
    assert 'href="/partners?sort=-name&amp;type=var"' in page.text


def test_it_paginates_partners(client_as, db, actor, world):
    _add_partners(db, actor, world, 30)
    client = client_as("admin")
    first = client.get("/partners?per_page=25")
    second = client.get("/partners?per_page=25&page=2")
    assert len(_names_in_table(first.text)) == 25 and len(_names_in_table(second.text)) == 9
    assert "26–34 of 34" in second.text
    assert not set(_names_in_table(first.text)) & set(_names_in_table(second.text))


def test_it_caps_the_page_size_at_100(client_as, db, actor, world):
    _add_partners(db, actor, world, 100)
    assert len(_names_in_table(client_as("admin").get("/partners?per_page=500").text)) == 100


def test_it_returns_only_the_table_fragment_to_htmx(client_as):
    page = client_as("admin").get("/partners?q=bravo&type=&tier=&sort=name", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "<html" not in page.text and "Nube Bravo" in page.text
    assert page.headers["HX-Push-Url"] == "/partners?q=bravo&sort=name"  # the address bar skips empty filters


def test_the_list_runs_the_same_number_of_queries_for_4_or_100_rows(client_as, db, actor, world, engine):
    client = client_as("admin")
    few = _count_queries(engine, lambda: client.get("/partners?per_page=100"))
    _add_partners(db, actor, world, 96)
    assert _count_queries(engine, lambda: client.get("/partners?per_page=100")) == few


def _count_queries(engine, action) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_it_returns_the_whole_page_when_htmx_restores_history(client_as):
    page = client_as("admin").get("/partners", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page.text


@pytest.mark.parametrize("query, message", [
    ("type=bogus", "Input should be"), ("country=XX", "'XX' is not an ISO 3166")])
def test_it_explains_invalid_filters_instead_of_failing(client_as, query, message):
    page = client_as("admin").get(f"/partners?{query}")
    assert page.status_code == 422
    assert message in html.unescape(page.text) and "clear filters" in page.text and "Traceback" not in page.text


def test_it_shows_names_of_territory_and_owner_in_the_list(client_as):
    page = client_as("admin").get("/partners?q=northwind")
    assert "US East" in page.text and "Nathan Brooks" in page.text


def test_it_offers_new_partner_only_to_staff(client_as):
    assert "+ New partner" in client_as("lucia").get("/partners").text
    assert "+ New partner" not in client_as("ana").get("/partners").text


# Visibility ---------------------------------------------------------------------------------------

def test_a_partner_user_sees_only_their_own_partner(client_as):
    assert _names_in_table(client_as("ana").get("/partners").text) == ["Soluções Abertas Ltda."]


def test_a_partner_user_gets_404_for_another_partner(client_as, world):
    client = client_as("ana")
    bravo = world.partners["bravo"]
    assert client.get(f"/partners/{bravo}").status_code == 404
    assert client.post(f"/partners/{bravo}", data=_partner_form(world, version="1")).status_code == 404
    assert client.get(f"/partners/{bravo}/edit").status_code == 404


def test_a_partner_user_may_not_edit_their_own_partner(client_as, world):
    assert client_as("ana").get(f"/partners/{world.partners['abertas']}/edit").status_code == 403


def test_a_manager_gets_404_for_partners_outside_their_territories(client_as, world):
    assert client_as("nathan").get(f"/partners/{world.partners['abertas']}").status_code == 404


def test_it_refuses_a_form_post_without_the_csrf_token(client_as, world):
    response = client_as("lucia").post("/partners", data=_partner_form(world), headers={"X-CSRF-Token": ""})
    assert response.status_code == 403 and "form expired" in response.text


def test_partner_users_may_not_open_staff_pages(client_as):
    client = client_as("ana")
    assert client.get("/partners/new").status_code == 403
    assert client.get("/territories").status_code == 403
    assert client.get("/users").status_code == 403


# Creating and editing partners --------------------------------------------------------------------

def test_it_creates_a_partner_from_the_form_and_lists_it(client_as, world):
    client = client_as("lucia")
    response = client.post("/partners", data=_partner_form(world, tax_id=VALID_CNPJ, is_priority="1"))
    assert response.status_code == 303
    detail = client.get(response.headers["location"])
    assert "Nuvem Azul Ltda." in detail.text and "11.222.333/0001-81" in detail.text and "Brazil" in detail.text
    assert "Nuvem Azul Ltda." in _names_in_table(client.get("/partners?q=nuvem").text)


def test_it_shows_the_new_partner_form_with_visible_territories_only(client_as):
    page = client_as("lucia").get("/partners/new")
    assert page.status_code == 200
    assert "Brazil" in page.text and "US East" not in page.text
    assert "CNPJ, RFC, CUIT, RUT, NIT, EIN…" in page.text and 'name="csrf_token"' in page.text


def test_it_shows_an_invalid_tax_id_beside_the_field_and_saves_nothing(client_as, db, world):
    before = db.scalar(select(func.count()).select_from(Partner))
    page = client_as("lucia").post("/partners", data=_partner_form(world, tax_id="11.222.333/0001-00"))
    assert page.status_code == 422
    field = page.text.split('id="f-tax_id"')[1].split("</div>")[0]
    assert 'class="error"' in field and "not a valid CNPJ" in field
    assert 'value="Nuvem Azul Ltda."' in page.text  # the values typed are kept
    assert db.scalar(select(func.count()).select_from(Partner)) == before


def test_it_refuses_a_duplicate_partner_with_a_link_to_the_existing_one(client_as, world):
    page = client_as("lucia").post("/partners", data=_partner_form(world, name="SOLUCOES ABERTAS S.A."))
    assert page.status_code == 409
    assert "already has this name" in page.text
    assert f'href="/partners/{world.partners["abertas"]}"' in page.text


def test_it_refuses_an_oversized_name(client_as, world):
    page = client_as("lucia").post("/partners", data=_partner_form(world, name="x" * 201))
    assert page.status_code == 422
    assert "at most 200 characters" in page.text


def test_it_asks_for_a_missing_territory(client_as, world):
    page = client_as("lucia").post("/partners", data=_partner_form(world, territory_id=""))
    assert page.status_code == 422
    assert 'id="f-territory_id"' in page.text and "Field required" in page.text


def test_it_updates_a_partner_and_records_it_in_the_history(client_as, world):
    client = client_as("lucia")
    abertas = world.partners["abertas"]
    form = _partner_form(world, name="Soluções Abertas Ltda.", type="var", tier="platinum", status="active",
                         city="Campinas", version="1")
    assert client.post(f"/partners/{abertas}", data=form).status_code == 303
    detail = client.get(f"/partners/{abertas}").text
    assert "Platinum" in detail
    history = detail.split("<h2>History</h2>")[1]
    assert "update" in history and "Campinas" in history and "Lucía Fernández" in history


def test_it_refuses_a_stale_edit_and_shows_the_stored_values(client_as, world):
    client = client_as("lucia")
    abertas = world.partners["abertas"]
    first = _partner_form(world, name="Soluções Abertas Ltda.", city="Campinas", version="1")
    assert client.post(f"/partners/{abertas}", data=first).status_code == 303
    stale = _partner_form(world, name="Soluções Abertas Ltda.", city="Santos", version="1")
    page = client.post(f"/partners/{abertas}", data=stale)
    assert page.status_code == 409
    assert "changed by Lucía Fernández" in page.text and "Review and retry" in page.text
    assert 'name="version" value="2"' in page.text and 'value="Campinas"' in page.text
    assert "Santos" in page.text.split("not saved")[1]  # what the user typed, to re-apply


def test_it_soft_deletes_and_restores_a_partner(client_as, world):
    client = client_as("admin")
    bravo = world.partners["bravo"]
    assert client.post(f"/partners/{bravo}/delete").status_code == 303
    assert "Nube Bravo" not in client.get("/partners").text
    detail = client.get(f"/partners/{bravo}")
    assert detail.status_code == 200 and "was deleted" in detail.text and "Restore" in detail.text
    assert "Nube Bravo" in client.get("/partners?deleted=1").text
    assert client.post(f"/partners/{bravo}/restore").status_code == 303
    assert "Nube Bravo" in client.get("/partners").text


def test_a_partner_user_cannot_see_their_deleted_partner(client_as, world):
    client_as("admin").post(f"/partners/{world.partners['abertas']}/delete")
    assert client_as("ana").get(f"/partners/{world.partners['abertas']}").status_code == 404


def test_it_rolls_back_a_refused_update(client_as, db, world):
    # Renaming Bravo to Abertas's name is a duplicate; the service has already changed the row by then.
    form = _partner_form(world, name="Soluções Abertas", type="msp", territory_id=str(world.territories["mexico"]),
                         country="MX", currency="MXN", version="1")
    assert client_as("admin").post(f"/partners/{world.partners['bravo']}", data=form).status_code == 409
    db.expire_all()
    assert db.get(Partner, world.partners["bravo"]).name == "Nube Bravo S.A. de C.V."


# The partner page ---------------------------------------------------------------------------------

def test_the_partner_page_shows_territory_contacts_links_and_accounts(client_as, world):
    page = client_as("lucia").get(f"/partners/{world.partners['abertas']}").text
    assert "Americas</a> › <a" in page and "Brazil" in page
    assert "ana@abertas.com.br" in page
    assert "Distribuidora Delta S.A." in page  # its distributor
    assert "Prefeitura de Campinas" in page
    assert "11.444.777/0001-61" in page


def test_staff_link_a_reseller_to_a_distributor(client_as, world):
    client = client_as("admin")
    delta = world.partners["delta"]
    response = client.post(f"/partners/{delta}/links",
                           data={"distributor_id": str(delta), "reseller_id": str(world.partners["bravo"])})
    assert response.status_code == 303
    assert "Nube Bravo" in client.get(f"/partners/{delta}").text.split('id="links"')[1].split("</section>")[0]


def test_it_explains_a_refused_link(client_as, world):
    abertas = world.partners["abertas"]
    page = client_as("admin").post(f"/partners/{abertas}/links",
                                   data={"distributor_id": str(world.partners["delta"]), "reseller_id": str(abertas)})
    assert page.status_code == 409 and "already linked" in page.text


# Contacts -----------------------------------------------------------------------------------------

def test_it_adds_a_contact_inline_with_htmx(client_as, db, world):
    abertas = world.partners["abertas"]
    page = client_as("lucia").post("/contacts", headers={"HX-Request": "true"}, data={
        "partner_id": str(abertas), "name": "Carla Dias", "email": "Carla@Abertas.com.br", "phone": "+55 11 5555-0000",
        "role": "presales", "language": "pt"})
    assert page.status_code == 200
    assert "<html" not in page.text and "carla@abertas.com.br" in page.text and "Contact Carla Dias added" in page.text
    assert db.scalar(select(Contact.id).where(Contact.email == "carla@abertas.com.br")) is not None


def test_it_shows_contact_errors_in_the_inline_form(client_as, world):
    page = client_as("lucia").post("/contacts", headers={"HX-Request": "true"}, data={
        "partner_id": str(world.partners["abertas"]), "name": "Carla", "email": "not-an-email", "role": "sales",
        "language": "pt"})
    assert page.status_code == 200  # htmx swaps only 2xx responses
    assert 'id="e-email"' in page.text and 'value="Carla"' in page.text


def test_a_partner_user_adds_a_contact_to_their_own_partner(client_as, world):
    response = client_as("ana").post("/contacts", data={
        "partner_id": str(world.partners["abertas"]), "name": "Paulo Reis", "email": "paulo@abertas.com.br",
        "role": "technical", "language": "pt"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/partners/{world.partners['abertas']}#contacts"


def test_a_partner_user_cannot_add_contacts_to_another_partner(client_as, world):
    response = client_as("ana").post("/contacts", data={
        "partner_id": str(world.partners["bravo"]), "name": "X", "email": "x@nubebravo.mx", "role": "sales",
        "language": "es"})
    assert response.status_code == 404


def test_it_edits_a_contact(client_as, db, world):
    client = client_as("ana")
    contact_id = world.contacts["ana"]
    form = client.get(f"/contacts/{contact_id}/edit")
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    response = client.post(f"/contacts/{contact_id}", data={
        "version": "1", "name": "Ana Souza", "email": "ana@abertas.com.br", "phone": "+55 11 4000-1000",
        "role": "executive", "language": "pt", "is_primary": "1"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Contact, contact_id).role == "executive"


def test_it_refuses_a_stale_contact_edit(client_as, world):
    client = client_as("ana")
    contact_id = world.contacts["ana"]
    form = {"name": "Ana Souza", "email": "ana@abertas.com.br", "role": "sales", "language": "pt", "is_primary": "1"}
    assert client.post(f"/contacts/{contact_id}", data={**form, "version": "1", "phone": "1"}).status_code == 303
    page = client.post(f"/contacts/{contact_id}", data={**form, "version": "1", "phone": "2"})
    assert page.status_code == 409 and "changed by" in page.text


def test_it_deletes_a_contact(client_as, db, world):
    contact_id = world.contacts["northwind"]
    assert client_as("nathan").post(f"/contacts/{contact_id}/delete").status_code == 303
    assert db.get(Contact, contact_id) is None


def test_the_contact_list_searches_and_names_the_partner(client_as):
    page = client_as("admin").get("/contacts?q=grace")
    assert "Grace Miller" in page.text and "Northwind Systems Inc." in page.text and "Ana Souza" not in page.text


# Accounts -----------------------------------------------------------------------------------------

def test_a_partner_user_creates_an_account_in_their_partners_territory(client_as, db, world):
    client = client_as("ana")
    form = client.get("/accounts/new")
    assert 'name="territory_id"' not in form.text
    response = client.post("/accounts", data={"name": "Hospital Santa Clara", "website": "santaclara.org.br",
                                              "country": "BR", "industry": "Healthcare", "tax_id": ""})
    assert response.status_code == 303
    account = db.get(Account, int(response.headers["location"].rsplit("/", 1)[1]))
    assert account.partner_id == world.partners["abertas"] and account.territory_id == world.territories["brazil"]
    assert "Soluções Abertas" in client.get(response.headers["location"]).text


def test_staff_must_pick_a_territory_for_an_account(client_as):
    page = client_as("lucia").post("/accounts", data={"name": "Acme", "country": "BR", "territory_id": ""})
    assert page.status_code == 422 and "Pick the account's territory" in html.unescape(page.text)


def test_the_account_list_filters_and_returns_a_fragment_to_htmx(client_as):
    client = client_as("admin")
    page = client.get("/accounts?public_sector=1")
    assert "Prefeitura de Campinas" in page.text and "Harbor Health" not in page.text
    fragment = client.get("/accounts?country=US", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Harbor Health" in fragment.text
    assert client.get("/accounts?country=ZZ").status_code == 422


def test_the_account_page_shows_its_history_and_edits_keep_it(client_as, world):
    client = client_as("lucia")
    account_id = world.accounts["brazil"]
    response = client.post(f"/accounts/{account_id}", data={
        "version": "1", "name": "Banco Horizonte S.A.", "website": "bancohorizonte.com.br", "country": "BR",
        "industry": "Banking", "tax_id": "", "territory_id": str(world.territories["brazil"])})
    assert response.status_code == 303
    page = client.get(f"/accounts/{account_id}").text
    assert "Banking" in page and "Financial services" in page.split("<h2>History</h2>")[1]


def test_staff_soft_delete_and_restore_an_account(client_as, world):
    client = client_as("admin")
    account_id = world.accounts["us"]
    assert client.post(f"/accounts/{account_id}/delete").status_code == 303
    assert "Harbor Health" not in client.get("/accounts").text
    assert client.post(f"/accounts/{account_id}/restore").status_code == 303
    assert "Harbor Health" in client.get("/accounts").text


def test_a_partner_user_gets_404_for_another_partners_account(client_as, world):
    assert client_as("ana").get(f"/accounts/{world.accounts['bravo']}").status_code == 404


# Territories --------------------------------------------------------------------------------------

def test_the_territory_tree_shows_owners_and_partner_counts(client_as, world):
    page = client_as("admin").get("/territories")
    assert page.status_code == 200
    latam_row = page.text.split(f'href="/territories/{world.territories["latam"]}"')[1].split("</tr>")[0]
    assert "Lucía Fernández" in latam_row and ">3</a>" in latam_row


def test_a_manager_sees_only_their_part_of_the_tree(client_as):
    page = client_as("nathan").get("/territories").text
    assert "US East" in page and "Brazil" not in page and "Add a territory" not in page


def test_the_territory_page_lists_children_and_partners(client_as, world):
    page = client_as("lucia").get(f"/territories/{world.territories['brazil']}").text
    assert "Soluções Abertas Ltda." in page and "Distribuidora Delta S.A." in page
    assert f'/partners?territory_id={world.territories["brazil"]}' in page


def test_an_admin_creates_and_edits_a_territory(client_as, db, world):
    client = client_as("admin")
    response = client.post("/territories", data={"name": "Uruguay", "parent_id": str(world.territories["latam"]),
                                                  "owner_id": str(world.users["lucia"]), "currency": "UYU"})
    assert response.status_code == 303
    url = response.headers["location"]
    assert "Latin America" in client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', client.get(f"{url}/edit").text).group(1)
    edit = client.post(f"{url}/edit", data={"version": version, "name": "Uruguay", "owner_id": "", "currency": "USD"})
    assert edit.status_code == 303
    stale = client.post(f"{url}/edit", data={"version": version, "name": "Uruguai", "owner_id": "", "currency": "USD"})
    assert stale.status_code == 409 and "changed by" in stale.text


def test_a_manager_may_not_create_territories(client_as):
    response = client_as("lucia").post("/territories", data={"name": "X", "currency": "USD"})
    assert response.status_code == 403


def test_every_page_write_is_audited_once(client_as, db, world):
    client_as("lucia").post("/partners", data=_partner_form(world))
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "partners",
                                                  AuditEntry.action == "create")).all()
    assert len(entries) == 5  # four demo partners and this one


def _validate(client, world, **fields):
    form = {"name": "", "type": "", "territory_id": "", "country": "", "currency": "", "tax_id": "", **fields}
    return client.post("/partners/validate", data=form, headers={"HX-Request": "true"})


def test_live_validation_reports_a_bad_tax_id_before_the_form_is_sent(client_as, world, db):
    from sqlalchemy import func, select

    from channelbase.partners.models import Partner
    before = db.scalar(select(func.count()).select_from(Partner))
    response = _validate(client_as("lucia"), world, name="Pampa Datos", type="var", currency="ARS",
                         territory_id=str(world.territories["argentina"]), country="AR", tax_id="20-26756539-4")
    assert response.status_code == 200
    slot = response.text.split('id="e-tax_id"')[1].split("</small>")[0]
    assert "not a valid CUIT" in slot and 'hx-swap-oob="true"' in slot
    assert db.scalar(select(func.count()).select_from(Partner)) == before


def test_live_validation_stays_quiet_about_fields_not_filled_yet(client_as, world):
    response = _validate(client_as("lucia"), world, country="ZZ")
    slots = dict(part.split('"', 1)[0:1] + [part] for part in response.text.split('id="e-')[1:])
    assert "ISO 3166" in slots["country"]
    assert "required" not in slots["name"].split("</small>")[0].lower()


def test_live_validation_points_to_an_existing_partner_with_the_same_name(client_as, world):
    response = _validate(client_as("lucia"), world, name="SOLUCOES ABERTAS SA", type="var", currency="BRL",
                         territory_id=str(world.territories["brazil"]), country="BR")
    problem = response.text.split('id="form-problem"')[1]
    assert "already" in problem and f'href="/partners/{world.partners["abertas"]}"' in problem
