"""The portal's pages through the app: my status, one-page registration (a distributor's on behalf of a
reseller too), my deals and the updates a partner may make, viewing as a partner, languages."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from channelbase.auth.models import User
from channelbase.core import i18n
from channelbase.core.audit import AuditEntry
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import ApproveIn, RegistrationCreate
from channelbase.deals.models import Opportunity, Registration
from channelbase.portal import labels

CLOSE = (date.today() + timedelta(days=45)).isoformat()


def _register(client, **fields):
    body = {**dict(title="Portal deal", customer_name="Clínica Aurora Ltda.", customer_country="BR",
                   amount="12000.00", currency="USD", expected_close_date=CLOSE), **fields}
    return client.post("/portal/register", data=body)


def test_partner_users_land_on_their_portal_and_staff_are_kept_out(client_as):
    assert client_as("ana").get("/").headers["location"] == "/portal"
    page = client_as("ana").get("/portal")
    assert page.status_code == 200 and "Soluções Abertas Ltda." in page.text
    assert client_as("lucia").get("/portal").status_code == 403


def test_a_partner_registers_a_deal_on_one_page(client_as, db, world):
    created = _register(client_as("ana"))
    assert created.status_code == 303
    registration = db.get(Registration, int(created.headers["location"].split("/")[-1].split("?")[0]))
    assert registration.partner_id == world.partners["abertas"] and registration.distributor_id is None
    page = client_as("ana").get(created.headers["location"])
    assert registration.reference in page.text and "Clínica Aurora Ltda." in page.text


def test_a_bad_registration_keeps_what_was_typed_and_marks_the_fields(client_as, db):
    before = db.scalar(select(func.count()).select_from(Registration))
    refused = _register(client_as("bruno"), **{"expected_close_date": "2020-01-01", "customer_country": "ZZ"})
    assert refused.status_code == 422
    assert 'value="Clínica Aurora Ltda."' in refused.text and 'aria-invalid="true"' in refused.text
    with i18n.language("es"):  # Bruno reads Spanish: the field says what it needs in Spanish
        assert i18n.gettext(labels.FIELD_HINTS["customer_country"]) in refused.text
        assert i18n.gettext("Please correct the fields marked below.") in refused.text
    assert "Usa el código de dos letras del país" in refused.text
    assert db.scalar(select(func.count()).select_from(Registration)) == before


def test_a_distributor_registers_for_a_reseller_and_both_see_it_but_nobody_else(client_as, db, world):
    dora = client_as("dora")
    form = dora.get("/portal/register").text
    assert "Soluções Abertas Ltda." in form  # Delta's linked reseller is offered
    created = _register(dora, partner_id=world.partners["abertas"])
    assert created.status_code == 303, created.text
    registration = db.get(Registration, int(created.headers["location"].split("/")[-1].split("?")[0]))
    assert registration.partner_id == world.partners["abertas"]
    assert registration.distributor_id == world.partners["delta"] and not registration.hidden_from_distributor
    url = f"/portal/registrations/{registration.id}"
    assert client_as("ana").get(url).status_code == 200
    assert client_as("dora").get(url).status_code == 200
    assert client_as("bruno").get(url).status_code == 404
    assert client_as("bruno").get(f"/registrations/{registration.id}").status_code == 404
    assert client_as("bruno").get(f"/api/v1/registrations/{registration.id}").status_code in (401, 404)


def test_a_partner_cannot_register_for_a_partner_it_does_not_supply(client_as, world):
    assert _register(client_as("ana"), partner_id=world.partners["bravo"]).status_code == 404
    assert _register(client_as("bruno"), partner_id=world.partners["abertas"]).status_code == 404


def test_a_conflict_says_needs_review_and_reveals_nothing_of_the_other_deal(client_as, db, actor, world):
    bruno = actor("bruno")
    registrations.submit_registration(db, bruno, RegistrationCreate(
        title="Bravo's secret deal", customer_name="Hospital Santa Luzia", customer_country="BR",
        customer_website="santaluzia.org.br", amount="99999.00", currency="USD",
        expected_close_date=date.today() + timedelta(days=30)))
    db.flush()
    created = _register(client_as("ana"), customer_name="Hospital Santa Luzia S.A.",
                        customer_website="https://santaluzia.org.br")
    registration = db.get(Registration, int(created.headers["location"].split("/")[-1].split("?")[0]))
    assert registration.conflict_count >= 1  # the check did find Bravo's deal
    page = client_as("ana").get(created.headers["location"])
    assert 'class="alert alert-warn needs-review"' in page.text
    for secret in ("Bravo", "Nube", "99", "secret deal", "Bruno"):
        assert secret not in page.text.split("<main")[1], secret


def test_my_status_shows_tier_progress_pipeline_and_expiry(client_as, db, actor, world):
    registration = registrations.get_registration(db, actor("lucia"), world.registrations["abertas"])
    registrations.approve(db, actor("lucia"), registration.id, ApproveIn(version=registration.version))
    db.flush()
    page = client_as("bruno").get("/portal")  # Nube Bravo: silver, next is gold
    assert page.status_code == 200
    home = client_as("ana").get("/portal").text  # Soluções Abertas: gold, next is platinum
    assert registration.reference in home
    assert registration.expires_on.isoformat() in home  # the machine-readable expiry date
    assert "<progress" in home


def test_a_partner_updates_stage_amount_close_date_and_next_step(client_as, db, world):
    opportunity = db.get(Opportunity, world.opportunities["abertas"])
    saved = client_as("ana").post(f"/portal/opportunities/{opportunity.id}", data={
        "version": opportunity.version, "stage": "propose", "amount": "90000.00", "close_date": CLOSE,
        "next_step": "Demo for the CIO"})
    assert saved.status_code == 303, saved.text
    db.expire_all()
    opportunity = db.get(Opportunity, world.opportunities["abertas"])
    assert opportunity.next_step == "Demo for the CIO" and opportunity.amount_minor == 9_000_000
    assert opportunity.close_date.isoformat() == CLOSE
    stale = client_as("ana").post(f"/portal/opportunities/{opportunity.id}", data={
        "version": opportunity.version - 1, "next_step": "Overwrite"})
    assert stale.status_code == 409  # optimistic locking: an old form does not overwrite
    assert client_as("dora").post(f"/portal/opportunities/{opportunity.id}", data={
        "version": opportunity.version, "next_step": "Distributor edit"}).status_code == 403


def test_an_approved_registration_asks_for_an_extension(client_as, db, actor, world):
    registration = registrations.get_registration(db, actor("lucia"), world.registrations["abertas"])
    registrations.approve(db, actor("lucia"), registration.id, ApproveIn(version=registration.version))
    db.flush()
    empty = client_as("ana").post(f"/portal/registrations/{registration.id}/extension",
                                  data={"version": registration.version, "reason": ""})
    assert empty.status_code == 422
    asked = client_as("ana").post(f"/portal/registrations/{registration.id}/extension",
                                  data={"version": registration.version, "reason": "Tender delayed"})
    assert asked.status_code == 303
    db.expire_all()
    assert db.get(Registration, registration.id).extension_request_reason == "Tender delayed"


def test_an_admin_views_the_portal_as_a_partner_user_read_only_and_it_is_audited(client_as, db, world):
    admin = client_as("admin")
    assert admin.get("/portal").status_code == 403
    started = admin.post(f"/portal/view-as/{world.users['ana']}")
    assert started.status_code == 303
    admin.cookies.set("cb_view_as", started.cookies["cb_view_as"])
    page = admin.get("/portal")
    assert page.status_code == 200 and "Soluções Abertas Ltda." in page.text and "view-as" in page.text
    assert 'lang="pt"' in page.text  # exactly as Ana sees it, in her language
    before = db.scalar(select(func.count()).select_from(Registration))
    assert _register(admin).status_code == 403
    assert db.scalar(select(func.count()).select_from(Registration)) == before
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "view_as", AuditEntry.entity_id == world.users["ana"])) == 1
    # The cookie is bound to this admin: another user presenting it gets nothing.
    lucia = client_as("lucia")
    lucia.cookies.set("cb_view_as", started.cookies["cb_view_as"])
    assert lucia.get("/portal").status_code == 403
    forged = client_as("admin")
    forged.cookies.set("cb_view_as", f"{world.users['bruno']}.{'0' * 32}")
    assert forged.get("/portal").status_code == 403
    assert client_as("lucia").post(f"/portal/view-as/{world.users['ana']}").status_code == 403


def test_language_comes_from_the_profile_then_the_browser(client_as, anon, db, world):
    assert 'lang="es"' in client_as("bruno").get("/portal").text  # Bruno's profile says Spanish
    assert 'lang="pt"' in anon.get("/login", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}).text
    assert 'lang="es"' in anon.get("/login", headers={"Accept-Language": "fr-FR, es-MX;q=0.8"}).text
    assert 'lang="en"' in anon.get("/login", headers={"Accept-Language": "de-DE"}).text
    ana = client_as("ana")
    assert ana.post("/portal/language", data={"language": "es"}).status_code == 303
    db.expire_all()
    assert db.get(User, world.users["ana"]).language == "es"
    assert 'lang="es"' in ana.get("/portal").text
    assert ana.post("/portal/language", data={"language": "fr"}).status_code == 422


def test_announcements_reach_partners_in_their_language_and_bad_dates_are_refused(client_as, db):
    lucia = client_as("lucia")
    today = date.today().isoformat()
    assert lucia.post("/announcements", data={"title": "Nueva promoción", "body": "Descuento", "language": "es",
                                              "published_on": today}).status_code == 303
    assert "Nueva promoción" in client_as("bruno").get("/portal").text  # Spanish
    assert "Nueva promoción" not in client_as("ana").get("/portal").text  # Portuguese
    refused = lucia.post("/announcements", data={"title": "Bad", "published_on": today,
                                                 "expires_on": (date.today() - timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "before the publication date" in refused.text
    assert client_as("ana").post("/announcements", data={"title": "X", "published_on": today}).status_code == 403
