"""Leads: pasted CSV imported all or nothing with a report of exactly the bad rows, formula-looking cells kept
as text, and bulk conversion into accounts (existing ones linked, not duplicated) and deal registrations, where
one failing lead undoes the whole batch. And the event's summary numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money
from channelbase.deals.models import Registration
from channelbase.events import conversion, leads, summary
from channelbase.events.models import EventLead
from channelbase.events.schemas import EventFilter, RegistrationTerms
from channelbase.partners.models import Account

FORMULA = '=HYPERLINK("http://evil.example/x","Click me")'
PASTED = f"""company,domain,country,contact,email,notes
Banco Sol S.A.,bancosol.com.br,BR,Marta Reis,marta@bancosol.com.br,Wants a demo in March
Bad Domain Ltda.,not a domain!,BR,,,
Cerveza Fría S.A. de C.V.,cervezafria.mx,MX,Luis,,"{FORMULA.replace('"', '""')}"
No Country Corp,,,Joe,joe@example.org,
Telecom Norte S.A.,telecomnorte.com.br,BR,,not-an-email,
"""


def _leads(db, event_id) -> list[EventLead]:
    return list(db.scalars(select(EventLead).where(EventLead.event_id == event_id).order_by(EventLead.id)))


def test_a_paste_with_bad_rows_imports_nothing_and_reports_exactly_those_rows(db, actor, summit):
    with pytest.raises(leads.LeadImportRefused) as refused:
        leads.import_leads(db, actor("lucia"), summit.id, PASTED)
    problems = refused.value.problems
    assert [p.line for p in problems] == [3, 5, 6]
    assert "domain: 'not a domain!' is not a valid web address or domain" in problems[0].message
    assert problems[1].message == "country: give the country (two letters, e.g. BR, MX, US)"
    assert problems[2].message.startswith("email: value is not a valid email address")
    assert "Nothing was imported: 3 of 5 rows need fixing" in refused.value.message
    assert _leads(db, summit.id) == []


def test_a_clean_paste_imports_every_row_and_keeps_formulas_as_plain_text(db, actor, summit):
    good = "\n".join(line for number, line in enumerate(PASTED.splitlines(), 1) if number not in (3, 5, 6))
    imported = leads.import_leads(db, actor("lucia"), summit.id, good)
    assert [lead.company for lead in imported] == ["Banco Sol S.A.", "Cerveza Fría S.A. de C.V."]
    stored = _leads(db, summit.id)
    assert stored[1].notes == FORMULA  # kept exactly as typed, never evaluated
    assert (stored[0].contact_name, stored[0].email, stored[0].domain) == ("Marta Reis", "marta@bancosol.com.br",
                                                                          "bancosol.com.br")


def test_the_header_is_optional_may_reorder_columns_and_semicolons_work(db, actor, summit):
    lucia = actor("lucia")
    assert len(leads.import_leads(db, lucia, summit.id, "Alfa Ltda.,alfa.com.br,BR\nBeta S.A.,,BR,Bia\n")) == 2
    assert len(leads.import_leads(db, lucia, summit.id, "country;company;notes\nMX;Gama S.A.;\n")) == 1
    with pytest.raises(InvalidInput, match="Unknown column 'fax'"):
        leads.import_leads(db, lucia, summit.id, "company,fax\nDelta,1\n")
    with pytest.raises(InvalidInput, match="Nothing to import"):
        leads.import_leads(db, lucia, summit.id, "company,country\n\n")
    assert [lead.company for lead in _leads(db, summit.id)] == ["Alfa Ltda.", "Beta S.A.", "Gama S.A."]


def test_an_import_is_limited_to_a_few_thousand_rows(db, actor, summit):
    text = "\n".join(f"Company {n},,BR" for n in range(leads.MAX_IMPORT_ROWS + 1))
    with pytest.raises(InvalidInput, match="import at most 5,000 at a time"):
        leads.import_leads(db, actor("lucia"), summit.id, text)


def test_bulk_accounts_create_new_ones_and_link_existing_ones(db, actor, world, summit, add_lead):
    new = add_lead("Banco Sol S.A.", domain="bancosol.com.br")
    known = add_lead("BANCO HORIZONTE", domain="bancohorizonte.com.br")  # the world's account in Brazil
    outcomes = conversion.leads_to_accounts(db, actor("lucia"), summit.id, [new.id, known.id])
    assert [(o.lead_id, o.action) for o in outcomes] == [(new.id, "created"), (known.id, "linked")]
    created = db.scalar(select(Account).where(Account.domain == "bancosol.com.br"))
    assert (created.name, created.territory_id, created.country) == ("Banco Sol S.A.", world.territories["brazil"],
                                                                     "BR")
    assert (new.status, new.account_id, new.account_source) == ("account", created.id, "created")
    assert (known.status, known.account_id, known.account_source) == ("account", world.accounts["brazil"], "linked")
    assert db.scalar(select(func.count()).select_from(Account)
                     .where(Account.domain == "bancohorizonte.com.br")) == 1  # not duplicated
    again = conversion.leads_to_accounts(db, actor("lucia"), summit.id, [new.id])
    assert [(o.action, o.note) for o in again] == [("skipped", "skipped: has an account already (created)")]


def _terms(world, lead_ids, **changes) -> RegistrationTerms:
    values = dict(lead_ids=lead_ids, partner_id=world.partners["abertas"], amount="15000.00", currency="USD",
                  expected_close_date=date.today() + timedelta(days=60))
    return RegistrationTerms(**{**values, **changes})


def test_bulk_registrations_register_each_lead_for_the_partner_on_the_leads_account(db, actor, world, summit,
                                                                                   add_lead):
    lucia = actor("lucia")
    sol = add_lead("Banco Sol S.A.", domain="bancosol.com.br", contact_name="Marta", email="marta@bancosol.com.br")
    known = add_lead("Banco Horizonte S.A.")  # matched by its normalised name
    conversion.leads_to_accounts(db, lucia, summit.id, [known.id])
    outcomes = conversion.leads_to_registrations(db, lucia, summit.id, _terms(world, [sol.id, known.id]))
    assert [o.action for o in outcomes] == ["registered", "registered"]
    for lead in (sol, known):
        registration = db.get(Registration, lead.registration_id)
        assert (registration.partner_id, registration.account_id) == (world.partners["abertas"], lead.account_id)
        assert (registration.amount_minor, registration.currency, registration.status) == (1500000, "USD",
                                                                                           "submitted")
        assert lead.status == "registered" and lead.partner_id == world.partners["abertas"]
    assert db.get(Registration, known.registration_id).account_id == world.accounts["brazil"]
    assert "Marta <marta@bancosol.com.br>" in db.get(Registration, sol.registration_id).notes
    again = conversion.leads_to_registrations(db, lucia, summit.id, _terms(world, [sol.id]))
    assert again[0].action == "skipped" and again[0].note.startswith("skipped: registered already (REG-")


def test_one_failing_lead_rolls_the_whole_batch_back_and_is_reported(db, actor, world, summit, add_lead):
    good = add_lead("Banco Sol S.A.", domain="bancosol.com.br")
    # Harbor Health is the world's account in US East: Lucía does not see it, so it can be neither linked nor
    # created again.
    hidden = add_lead("Harbor Health", domain="harborhealth.org", country="US")
    before = db.scalar(select(func.count()).select_from(Registration))
    with pytest.raises(conversion.BatchRefused) as refused:
        conversion.leads_to_registrations(db, actor("lucia"), summit.id, _terms(world, [good.id, hidden.id]))
    problems = refused.value.problems
    assert [(p.lead_id, p.company) for p in problems] == [(hidden.id, "Harbor Health")]
    assert "already exists" in problems[0].reason
    assert "1 of the 2 selected leads failed" in refused.value.message
    db.expire_all()
    assert db.get(EventLead, good.id).status == "new" and db.get(EventLead, good.id).account_id is None
    assert db.scalar(select(Account.id).where(Account.domain == "bancosol.com.br")) is None
    assert db.scalar(select(func.count()).select_from(Registration)) == before


def test_terms_shared_by_every_lead_are_checked_once_as_form_errors(db, actor, world, summit, add_lead):
    lead = add_lead("Banco Sol S.A.")
    lucia = actor("lucia")
    with pytest.raises(InvalidInput) as refused:
        conversion.leads_to_registrations(db, lucia, summit.id, _terms(world, [lead.id], amount="-1"))
    assert refused.value.field_errors == {"amount": "must be more than 0"}
    with pytest.raises(InvalidInput) as refused:
        conversion.leads_to_registrations(db, lucia, summit.id, _terms(
            world, [lead.id], expected_close_date=date.today() - timedelta(days=1)))
    assert refused.value.field_errors == {"expected_close_date": "must be today or later"}
    with pytest.raises(InvalidInput, match="Select at least one lead"):
        conversion.leads_to_accounts(db, lucia, summit.id, [])
    with pytest.raises(InvalidInput, match="not one of this event's leads"):
        conversion.leads_to_accounts(db, lucia, summit.id, [lead.id + 1000])


def test_discarded_leads_are_skipped_by_conversions(db, actor, summit, add_lead):
    lucia = actor("lucia")
    lead = add_lead("Nobody Inc.")
    assert leads.discard_leads(db, lucia, summit.id, [lead.id]) == 1
    assert conversion.leads_to_accounts(db, lucia, summit.id, [lead.id])[0].note == "skipped: the lead was discarded"


def test_the_summary_counts_leads_accounts_registrations_pipeline_and_cost_per_lead(db, actor, world, summit,
                                                                                   add_lead):
    lucia = actor("lucia")
    sol, known, third, _fourth = (add_lead("Banco Sol S.A.", domain="bancosol.com.br"), add_lead("Banco Horizonte"),
                                  add_lead("Telecom Norte S.A."), add_lead("Quarta Ltda."))
    conversion.leads_to_accounts(db, lucia, summit.id, [sol.id, known.id])
    conversion.leads_to_registrations(db, lucia, summit.id, _terms(world, [sol.id, third.id]))
    numbers = summary.event_summary(db, lucia, summit)
    assert (numbers.leads, numbers.converted, numbers.accounts_created, numbers.accounts_linked,
            numbers.registrations) == (4, 3, 2, 1, 2)
    assert numbers.pipeline == [Money(Decimal("30000.00"), "USD")]
    assert numbers.cost_per_lead == Money(Decimal("7500.00"), "BRL")  # BRL 30,000 over 4 leads
    totals = summary.list_totals(db, lucia, EventFilter(tab="upcoming"))
    assert (totals.events, totals.cost, totals.leads, totals.converted) == (
        1, [Money(Decimal("30000.00"), "BRL")], 4, 3)
    assert summary.list_totals(db, actor("nathan"), EventFilter(tab="upcoming")).leads == 0
