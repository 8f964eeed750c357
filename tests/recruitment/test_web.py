"""Recruitment through the app: the coverage page and its targets, the board, a prospect's page (moving it,
signing it, its fit inputs), the admins' criteria page, and the public application form in three languages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.partners.models import Partner
from channelbase.recruitment import applications
from channelbase.recruitment.models import CoverageTarget, FitCriterion, PartnerApplication, RecruitmentRecord

from tests.conftest import CSRF

SECRET = "x" * 40  # the tests' settings


def test_the_coverage_page_shows_the_matrix_and_managers_set_targets(client_as, db, world):
    lucia = client_as("lucia")
    page = lucia.get("/coverage")
    assert page.status_code == 200 and "Latin America" in page.text and "US East" not in page.text
    saved = lucia.post("/coverage/targets", data={"territory_id": world.territories["brazil"], "partner_type": "var",
                                                   "target": "4"})
    assert saved.status_code == 303
    target = db.scalar(select(CoverageTarget).where(CoverageTarget.territory_id == world.territories["brazil"]))
    assert target.target == 4
    page = lucia.get(f"/coverage?edit={world.territories['brazil']}:var&gaps=1")
    assert "gap 3" in page.text and 'name="version"' in page.text
    refused = lucia.post("/coverage/targets", data={"territory_id": world.territories["brazil"],
                                                     "partner_type": "var", "target": "-2"})
    assert refused.status_code == 422 and "greater than or equal to 0" in refused.text
    elsewhere = lucia.post("/coverage/targets", data={"territory_id": world.territories["us_east"],
                                                       "partner_type": "var", "target": "2"})
    assert elsewhere.status_code == 422 and "not one of yours" in elsewhere.text
    assert client_as("ana").get("/coverage").status_code == 403


def test_a_manager_adds_a_prospect_moves_it_and_signing_starts_onboarding(client_as, db, world):
    lucia = client_as("lucia")
    added = lucia.post("/recruitment/prospects", data={
        "name": "Jacarandá Cloud Ltda.", "type": "var", "territory_id": world.territories["brazil"], "country": "br",
        "website": "jacaranda.cloud", "source": "event", "skills": "linux, kubernetes", "employees": "35"})
    assert added.status_code == 303
    partner = db.scalar(select(Partner).where(Partner.name == "Jacarandá Cloud Ltda."))
    assert added.headers["location"] == f"/recruitment/{partner.id}?notice=added"
    board = lucia.get("/recruitment")
    assert board.status_code == 200 and "Jacarandá Cloud Ltda." in board.text and "Conversion" in board.text
    page = lucia.get(f"/recruitment/{partner.id}")
    assert "Fit score" in page.text and "Has 2 of 3 wanted skills" in page.text
    record = db.scalar(select(RecruitmentRecord).where(RecruitmentRecord.partner_id == partner.id))
    stale = lucia.post(f"/recruitment/{partner.id}/stage", data={"version": record.version + 5, "stage": "contacted"})
    assert stale.status_code == 409 and "changed by" in stale.text
    moved = lucia.post(f"/recruitment/{partner.id}/stage", data={"version": record.version, "stage": "signed"})
    assert moved.status_code == 303
    db.expire_all()
    assert db.get(Partner, partner.id).status == "onboarding"
    assert "is onboarding now" in lucia.get(moved.headers["location"]).text
    record = db.scalar(select(RecruitmentRecord).where(RecruitmentRecord.partner_id == partner.id))
    final = lucia.post(f"/recruitment/{partner.id}/stage", data={"version": record.version, "stage": "qualified"})
    assert final.status_code == 409 and "does not move back" in final.text
    assert client_as("nathan").get(f"/recruitment/{partner.id}").status_code == 404


def test_fit_inputs_are_saved_and_bad_ones_explained(client_as, db, world, add_prospect):
    record = add_prospect("Palmeira Dados Ltda.")
    lucia = client_as("lucia")
    url = f"/recruitment/{record.partner_id}/fit"
    refused = lucia.post(url, data={"version": record.version, "employees": "0"})
    assert refused.status_code == 422 and "greater than or equal to 1" in refused.text
    saved = lucia.post(url, data={"version": record.version, "industries": "Healthcare,  Retail ,",
                                  "vendors": "AWS", "employees": "80", "skills": "", "notes": "Met at AWS Summit"})
    assert saved.status_code == 303
    db.expire_all()
    stored = db.get(RecruitmentRecord, record.id)
    assert (stored.industries, stored.vendors, stored.employees) == ("Healthcare, Retail", "AWS", 80)
    assert "Works with AWS" in lucia.get(f"/recruitment/{record.partner_id}").text


def test_admins_change_the_criteria_with_clear_messages(client_as, db):
    admin = client_as("admin")
    assert client_as("lucia").get("/recruitment/criteria").status_code == 403
    page = admin.get("/recruitment/criteria")
    assert page.status_code == 200 and "Coverage gap" in page.text
    weights = {"weight_coverage_gap": "30", "weight_partner_type": "10", "wanted_partner_type": "VAR, msp",
               "weight_industries": "10", "wanted_industries": "Government", "weight_skills": "30",
               "wanted_skills": "linux", "weight_size": "10", "wanted_size": "15", "weight_vendors": "10",
               "wanted_vendors": "AWS"}
    assert admin.post("/recruitment/criteria", data=weights).status_code == 303
    assert db.scalar(select(FitCriterion.wanted).where(FitCriterion.key == "partner_type")) == "var, msp"
    too_heavy = admin.post("/recruitment/criteria", data=weights | {"weight_size": "150"})
    assert too_heavy.status_code == 422 and "Weights are whole numbers from 0 to 100" in too_heavy.text
    nothing = admin.post("/recruitment/criteria", data={k: ("0" if k.startswith("weight_") else v)
                                                         for k, v in weights.items()})
    assert nothing.status_code == 422 and "At least one criterion needs a weight above 0" in nothing.text


# The public form ----------------------------------------------------------------------------------------

def _valid(**changes) -> dict:
    token = applications.issue_token(SECRET, utcnow() - timedelta(seconds=20))
    return dict(csrf_token=CSRF, token=token, homepage="", company="Ceiba Sistemas S.A.S.", website="ceiba.com.co",
                country="CO", partner_type="var", contact_name="Luisa Gómez", email="luisa@ceiba.com.co",
                industries=["Government", "Energy"], skills=["cloud"], employees="18", consent="1") | changes


def _anon(anon):
    anon.cookies.set("cb_csrf", CSRF)
    return anon


def test_anyone_applies_and_the_applicant_gets_a_thank_you_page(anon, db, world):
    page = anon.get("/apply")
    assert page.status_code == 200 and "Become a partner" in page.text and 'class="sr-only" aria-hidden="true"' in page.text
    sent = _anon(anon).post("/apply", data=_valid())
    assert sent.status_code == 303 and sent.headers["location"] == "/apply/thanks?lang=en"
    assert "Thank you for applying" in anon.get(sent.headers["location"]).text
    partner = db.scalar(select(Partner).where(Partner.domain == "ceiba.com.co"))
    assert partner.status == "prospect" and partner.type == "var"
    record = db.scalar(select(RecruitmentRecord).where(RecruitmentRecord.partner_id == partner.id))
    assert record.source == "application"


def test_applications_show_on_the_board_with_a_badge(anon, client_as, db):
    # Brazil's partners are in Lucía's region (a country without partners would go to the admin's Americas).
    assert _anon(anon).post("/apply", data=_valid(country="BR")).status_code == 303
    assert "application</span>" in client_as("lucia").get("/recruitment").text


def test_the_form_follows_the_browser_language_and_explains_each_field(anon, db):
    spanish = anon.get("/apply", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in spanish.text and "Hazte socio" in spanish.text and "Gobierno" in spanish.text
    portuguese = anon.get("/apply?lang=pt")
    assert "Seja um parceiro" in portuguese.text and "Governo" in portuguese.text
    refused = _anon(anon).post("/apply", data=_valid(email="luisa@", industries=[], consent=""),
                               headers={"Accept-Language": "es"})
    assert refused.status_code == 422
    assert "Revisa los campos marcados abajo." in refused.text
    assert "Escribe un correo electrónico válido" in refused.text
    assert "Elige al menos un sector de la lista." in refused.text
    assert "Marca la casilla para que podamos guardar tus datos" in refused.text
    assert 'value="Ceiba Sistemas S.A.S."' in refused.text  # what was typed stays
    assert db.scalar(select(Partner.id).where(Partner.domain == "ceiba.com.co")) is None


def test_spam_is_refused_on_the_page(anon, db):
    honeypot = _anon(anon).post("/apply", data=_valid(homepage="http://spam.example"))
    assert honeypot.status_code == 422 and "We could not accept this form" in honeypot.text
    too_fast = anon.post("/apply", data=_valid(token=applications.issue_token(SECRET, utcnow())))
    assert too_fast.status_code == 422 and "quicker than a person" in too_fast.text
    forged = anon.post("/apply", data=_valid(token="1700000000.0123456789abcdef0123456789abcdef"))
    assert forged.status_code == 422 and "This form has expired" in forged.text
    assert db.scalar(select(PartnerApplication.id).limit(1)) is None


def test_the_sixth_application_from_one_address_in_an_hour_gets_429(anon, db):
    client = _anon(anon)
    for index in range(5):
        assert client.post("/apply", data=_valid(company=f"Ceiba {index} S.A.S.",
                                                  website=f"ceiba{index}.com.co")).status_code == 303
    sixth = client.post("/apply", data=_valid(company="Ceiba 6 S.A.S.", website="ceiba6.com.co"),
                        headers={"Accept-Language": "pt-BR"})
    assert sixth.status_code == 429 and "Foram enviadas candidaturas demais" in sixth.text
    assert db.scalar(select(Partner.id).where(Partner.domain == "ceiba6.com.co")) is None


def test_a_known_company_gets_a_clear_error_and_nothing_is_made(anon, client_as, db):
    client = _anon(anon)
    assert client.post("/apply", data=_valid()).status_code == 303
    again = client.post("/apply", data=_valid(company="Ceiba Dos S.A.S.", contact_name="Otro"))
    assert again.status_code == 409 and "We already know this company" in again.text
    partner = client.post("/apply", data=_valid(company="Abertas", website="abertas.com.br"))
    assert partner.status_code == 409 and "Soluções" not in partner.text and "/partners/" not in partner.text
    assert len(db.scalars(select(PartnerApplication.id)).all()) == 1
    signed_in = client_as("ana").get("/apply")  # signed in is fine too
    assert signed_in.status_code == 200
