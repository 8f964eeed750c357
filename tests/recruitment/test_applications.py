"""The public application, as a service: a prospect in the right territory with its contact and record, and
the refusals: the honeypot, a token too fresh, forged or too old, the rate limit, a company we already know,
and fields at fault, each with its own message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Duplicate, InvalidInput
from channelbase.partners.models import Contact, Partner
from channelbase.recruitment import application_texts as texts
from channelbase.recruitment import applications
from channelbase.recruitment.models import PartnerApplication, RecruitmentRecord

SECRET = "s" * 40
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def form(**changes) -> dict:
    token = applications.issue_token(SECRET, NOW - timedelta(seconds=30))
    base = dict(company="Serra Azul Tecnologia Ltda.", website="https://www.serraazul.com.br", country="BR",
                partner_type="msp", contact_name="Marta Reis", email="Marta@SerraAzul.com.br", phone="+55 31 5555 0101",
                industries=["Government", "Healthcare"], skills=["linux", "kubernetes"], employees="45",
                message="We run 300 servers for hospitals.", consent=True, token=token, homepage="")
    return base | changes


def submit(db, data: dict, address: str = "203.0.113.7", now: datetime = NOW):
    partner = applications.submit_application(db, data, secret=SECRET, address=address, language="pt", now=now)
    db.flush()
    return partner


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in
                 (Partner, Contact, RecruitmentRecord, PartnerApplication))


def test_an_application_makes_a_prospect_in_the_busiest_territory_of_its_country(db, world):
    partner = submit(db, form())
    assert (partner.status, partner.type, partner.domain) == ("prospect", "msp", "serraazul.com.br")
    assert partner.territory_id == world.territories["brazil"]  # where Soluções Abertas and Delta are
    assert partner.owner_id == world.users["lucia"]  # Brazil has no owner: Latin America's
    contact = db.scalar(select(Contact).where(Contact.partner_id == partner.id))
    assert (contact.email, contact.is_primary, contact.language) == ("marta@serraazul.com.br", True, "pt")
    record = db.scalar(select(RecruitmentRecord).where(RecruitmentRecord.partner_id == partner.id))
    assert (record.stage, record.source, record.industries, record.skills, record.employees) == (
        "identified", "application", "Government, Healthcare", "linux, kubernetes", 45)
    assert record.notes == "We run 300 servers for hospitals."
    stored = db.scalar(select(PartnerApplication).where(PartnerApplication.partner_id == partner.id))
    assert stored.address_hash == applications.address_hash(SECRET, "203.0.113.7")
    assert "203.0.113.7" not in stored.address_hash and len(stored.address_hash) == 64
    made = {("partners", partner.id), ("contacts", contact.id), ("recruitment_records", record.id),
            ("partner_applications", stored.id)}
    labels = {label for kind, entity, label in db.execute(select(
        AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.actor_label)) if (kind, entity) in made}
    assert labels == {"Channelbase (system) <system@channelbase>"}


def test_a_country_without_partners_goes_to_the_root_territory(db, world):
    partner = submit(db, form(company="Montevideo Cloud S.A.", website="mvdcloud.com.uy", country="UY"))
    assert partner.territory_id == world.territories["americas"]
    assert partner.owner_id == world.users["admin"]


def test_the_honeypot_refuses_the_form_and_nothing_is_made(db):
    before = _counts(db)
    with pytest.raises(InvalidInput) as refused:
        submit(db, form(homepage="https://spam.example"))
    assert refused.value.message == texts.HONEYPOT_FILLED
    assert _counts(db) == before


@pytest.mark.parametrize("token, message", [
    (applications.issue_token(SECRET, NOW - timedelta(seconds=1)), texts.TOO_FAST),
    (applications.issue_token(SECRET, NOW - timedelta(hours=25)), texts.EXPIRED),
    (applications.issue_token("another secret" * 3, NOW - timedelta(seconds=30)), texts.EXPIRED),
    (f"{int((NOW - timedelta(minutes=5)).timestamp())}.forged", texts.EXPIRED),
    ("", texts.EXPIRED),
])
def test_a_token_too_fresh_too_old_or_forged_is_refused(db, token, message):
    before = _counts(db)
    with pytest.raises(InvalidInput) as refused:
        submit(db, form(token=token))
    assert refused.value.message == message and refused.value.field_errors == {}
    assert _counts(db) == before


def test_a_refused_token_also_names_the_fields_to_fix(db):
    with pytest.raises(InvalidInput) as refused:
        submit(db, form(email="marta@", token=applications.issue_token(SECRET, NOW)))
    assert refused.value.message == texts.TOO_FAST
    assert refused.value.field_errors == {"email": texts.FIELD_MESSAGES["email"]}


def test_a_refused_form_keeps_its_genuine_token_so_its_age_keeps_counting():
    fresh = applications.issue_token(SECRET, NOW - timedelta(seconds=1))
    assert applications.reusable_token(SECRET, fresh, NOW) == fresh
    assert applications.reusable_token(SECRET, "1.forged", NOW) is None


def test_the_sixth_application_from_one_address_within_an_hour_is_refused(db):
    for index in range(5):
        submit(db, form(company=f"Empresa {index} Ltda.", website=f"empresa{index}.com.br"),
               now=NOW + timedelta(minutes=index))
    with pytest.raises(applications.TooManyApplications) as refused:
        submit(db, form(company="Empresa 6 Ltda.", website="empresa6.com.br"), now=NOW + timedelta(minutes=10))
    assert refused.value.status == 429 and refused.value.message == texts.TOO_MANY
    # Another address may apply; and an hour after the first, this one may again.
    submit(db, form(company="Outra Rede Ltda.", website="outrarede.com.br"), address="198.51.100.1",
           now=NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=61)
    submit(db, form(company="Depois Ltda.", website="depois.com.br", token=applications.issue_token(SECRET, later -
                    timedelta(minutes=2))), now=later)


def test_a_second_application_of_a_domain_or_a_known_partner_is_refused_revealing_nothing(db):
    submit(db, form())
    before = _counts(db)
    for known in (form(company="Serra Azul Filial Ltda."),  # the same web domain as the first application
                  form(company="Abertas Nova Ltda.", website="abertas.com.br"),  # Soluções Abertas' domain
                  form(company="Soluções Abertas", website="solucoes-abertas.net")):  # its name, normalised
        with pytest.raises(Duplicate) as refused:
            submit(db, known, address="198.51.100.9")
        assert refused.value.message == texts.ALREADY_KNOWN and refused.value.link is None
        assert "Abertas" not in refused.value.message and "#" not in refused.value.message
        assert refused.value.field_errors == {"website": texts.ALREADY_KNOWN}
    assert _counts(db) == before


def test_fields_at_fault_get_one_message_each(db):
    data = form(company="", website="not a site", country="XX", partner_type="reseller", contact_name="",
                email="marta@", phone="call me", industries=[], skills=["cobol"], employees="many",
                message="x" * 2001, consent=False)
    with pytest.raises(InvalidInput) as refused:
        submit(db, data)
    assert refused.value.message == texts.CHECK_FIELDS
    assert refused.value.field_errors == texts.FIELD_MESSAGES
    with pytest.raises(InvalidInput) as missing:
        submit(db, {"token": data["token"], "consent": True})
    assert set(missing.value.field_errors) == {"company", "website", "country", "partner_type", "contact_name",
                                               "email", "industries", "skills", "employees"}
