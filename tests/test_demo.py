"""The demo generator: counts, determinism, valid tax ids, no duplicates the app would refuse, and a
deal pipeline that follows the deal rules.

The demo databases come from tests/demo_databases.py (a SQLite file each, or a PostgreSQL database when
CHANNELBASE_TEST_DB is set), apart from the shared test database; loads only read are shared with
tests/engagement/test_demo.py."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from stdnum.mx import rfc

from channelbase.auth.models import User
from channelbase.core.db import unit_of_work
from channelbase.core.errors import Conflict
from channelbase.auth.visibility import condition
from channelbase.core.base import utcnow
from channelbase.core.names import company_key
from channelbase.deals import opportunities, pipeline, rollup
from channelbase.deals.conflicts import Customer, find_conflicts
from channelbase.deals.deal_schemas import OpportunityCreate, OpportunityFilter
from channelbase.deals.demo_pipeline import FIRST_RATE_DATE
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, Stage, StageChange
from channelbase.deals.opportunities import is_stalled
from channelbase.core.validation import domain_from_website, normalize_tax_id
from channelbase.demo.generator import SCALES, generate
from channelbase.demo.world import PARTNER_USERS, STAFF, demo_logins
from channelbase.events.models import EventLead
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory
from channelbase.recruitment.models import RecruitmentRecord




@pytest.fixture(scope="module")
def demo(demo_databases):
    factory, summary = demo_databases.load("demo")
    with factory() as session:
        yield session, summary


def _partner_rows(factory):
    with factory() as session:
        return session.execute(select(Partner.name, Partner.tax_id, Partner.domain).order_by(Partner.id)).all()


def _named_extras(session) -> dict:
    """Rows the named loaders add after the bulk data: the recruitment demo's prospects (each with its first
    contact), and the accounts and registrations its events' leads turned into."""
    prospects = session.scalar(select(func.count()).select_from(RecruitmentRecord))
    leads = session.execute(select(func.count().filter(EventLead.account_source == "created"),
                                   func.count(EventLead.registration_id))).one()
    return {Partner: prospects, Contact: prospects, Account: leads[0], Registration: leads[1], Opportunity: 0}


def test_the_totals_match_the_scale(demo):
    session, summary = demo
    scale = SCALES["small"]
    models = (Partner, Contact, Account, Registration, Opportunity)
    counts = {model: session.scalar(select(func.count()).select_from(model)) for model in models}
    extras = _named_extras(session)
    assert extras[Partner] == summary.added["prospects"] > 0 and extras[Registration] > 0
    assert {model: counts[model] - extras[model] for model in models} == {
        Partner: scale.partners, Contact: scale.contacts, Account: scale.accounts,
        Registration: scale.registrations, Opportunity: scale.opportunities}
    assert (summary.partners, summary.contacts, summary.accounts, summary.registrations, summary.opportunities) == (
        counts[Partner], counts[Contact], counts[Account], counts[Registration], counts[Opportunity])
    assert f"{counts[Registration]} deal registrations, 200 opportunities" in summary.describe()
    assert summary.links == session.scalar(select(func.count()).select_from(PartnerLink)) > 0


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not(demo, demo_databases):
    session, _ = demo
    first = session.execute(select(Partner.name, Partner.tax_id, Partner.domain).order_by(Partner.id)).all()
    # Another time of day (dates follow the clock): who sells what to whom must not.
    again, _ = demo_databases.load("same_seed", hours_later=9)
    other, _ = demo_databases.load("other_seed", seed=8, hours_later=9)
    assert _partner_rows(again) == first
    assert _partner_rows(other) != first
    with again() as s1, other() as s2:
        accounts = select(Account.name).order_by(Account.id)
        assert s1.scalars(accounts).all() == session.scalars(accounts).all() != s2.scalars(accounts).all()
        for deals in (select(Registration.partner_id, Registration.customer_name, Registration.status,
                             Registration.title).order_by(Registration.id),
                      select(Opportunity.partner_id, Opportunity.account_id, Opportunity.name,
                             Opportunity.registration_id).order_by(Opportunity.id)):
            assert s1.execute(deals).all() == session.execute(deals).all() != s2.execute(deals).all()


def test_every_tax_id_is_valid_for_its_country_and_stored_compact(demo):
    session, _ = demo
    partners = session.execute(select(Partner.country, Partner.tax_id).where(Partner.tax_id.is_not(None))).all()
    accounts = session.execute(select(Account.country, Account.tax_id).where(Account.tax_id.is_not(None))
                               .order_by(Account.id).limit(600)).all()
    assert {country for country, _ in partners} == {"BR", "MX", "AR", "CL", "CO", "PE", "US", "CA"}
    for country, tax_id in partners + accounts:
        assert normalize_tax_id(country, tax_id) == tax_id
        if country == "MX":  # RFCs carry a real check digit too (the app accepts RFCs without one)
            rfc.validate(tax_id, validate_check_digits=True)


def test_names_domains_and_tax_ids_are_unique_the_way_the_services_key_them(demo):
    session, _ = demo
    for model in (Partner, Account):
        rows = session.execute(select(model.name, model.name_key, model.domain, model.tax_id)).all()
        assert all(row.name_key == company_key(row.name) for row in rows)
        for column in ("name_key", "domain", "tax_id"):
            values = [getattr(row, column) for row in rows if getattr(row, column)]
            assert len(values) == len(set(values)), f"duplicate {model.__name__}.{column}"
    for website, domain in session.execute(select(Partner.website, Partner.domain)):
        assert domain_from_website(website) == domain


def test_partners_are_spread_over_types_countries_and_owned_by_their_territory_manager(demo):
    session, _ = demo
    types = Counter(session.scalars(select(Partner.type)))
    assert set(types) == {"distributor", "dmr", "var", "lvar", "msp", "si", "public_sector"}
    assert types["var"] == max(types.values())
    owners = dict(session.execute(select(User.email, User.id)).all())
    for country, owner_id in session.execute(select(Partner.country, Partner.owner_id)):
        expected = "nathan@channelbase.demo" if country in ("US", "CA") else "lucia@channelbase.demo"
        assert owner_id == owners[expected]
    leaves = set(session.scalars(select(Territory.id).where(Territory.depth == 2)))
    assert set(session.scalars(select(Partner.territory_id))) <= leaves


def test_each_partner_has_exactly_one_primary_contact_with_an_email_at_its_domain(demo):
    session, _ = demo
    primaries = Counter(session.scalars(select(Contact.partner_id).where(Contact.is_primary)))
    assert set(primaries.values()) == {1}
    assert len(primaries) == session.scalar(select(func.count()).select_from(Partner))
    rows = session.execute(select(Contact.email, Partner.domain).join(Partner, Partner.id == Contact.partner_id)
                           .where(Contact.id > 10)).all()
    assert all(email.endswith("@" + domain) for email, domain in rows)
    assert len({email for email, _ in rows}) == len(rows)


def test_links_connect_distributors_to_other_partners(demo):
    session, _ = demo
    types = dict(session.execute(select(Partner.id, Partner.type)).all())
    links = session.execute(select(PartnerLink.distributor_id, PartnerLink.reseller_id)).all()
    assert links and len(links) == len(set(links))
    assert all(types[d] == "distributor" and types[r] != "distributor" for d, r in links)


def test_accounts_include_public_sector_and_partner_sourced_ones_in_the_partners_country(demo):
    session, _ = demo
    total = session.scalar(select(func.count()).select_from(Account))
    public = session.scalar(select(func.count()).where(Account.is_public_sector))
    assert 0.08 < public / total < 0.16
    pairs = session.execute(select(Account.country, Partner.country)
                            .join(Partner, Partner.id == Account.partner_id)).all()
    assert 0.15 < len(pairs) / total < 0.25
    assert all(account == partner for account, partner in pairs)


def test_the_world_personas_exist_and_the_summary_names_them(demo):
    session, summary = demo
    emails = set(session.scalars(select(User.email)))
    assert {email for _key, email, *_ in STAFF + PARTNER_USERS} <= emails
    text = summary.describe()
    assert all(email in text for _role, email, _what in demo_logins())
    assert "channelbase-demo" in text and "http://127.0.0.1:8000" in text


def test_a_second_load_is_refused_unless_reset(demo_databases):
    factory, _ = demo_databases.load("reload", seed=9, fresh=True)
    before = _partner_rows(factory)
    with pytest.raises(Conflict, match="--reset"), unit_of_work(factory) as session:
        generate(session, scale="small", seed=9)
    with unit_of_work(factory) as session:
        summary = generate(session, scale="small", seed=9, reset=True)
    assert summary.partners == SCALES["small"].partners + summary.added["prospects"]
    assert _partner_rows(factory) == before


def test_the_demo_has_a_priced_catalogue_and_two_years_of_monthly_fx_rates(demo):
    from datetime import date
    from decimal import Decimal

    from channelbase.core.money import Money
    from channelbase.deals import fx
    from channelbase.deals.models import FxRate, Product, ProductPrice
    session, summary = demo
    families = set(session.scalars(select(Product.family)))
    assert families == {"OS", "Cloud", "Automation", "Services"} and summary.added["products"] >= 15
    currencies = Counter(session.scalars(select(ProductPrice.currency)))
    assert set(currencies) == {"USD", "BRL", "MXN", "CAD"} and len(set(currencies.values())) == 1
    rates = Counter(session.scalars(select(FxRate.currency)))
    assert rates == {code: 24 for code in ("BRL", "MXN", "ARS", "CLP", "COP", "PEN", "CAD", "EUR")}
    ars = session.scalars(select(FxRate.rate).where(FxRate.currency == "ARS").order_by(FxRate.effective_date)).all()
    assert ars[-1] < ars[0] * Decimal("0.7")  # the peso's devaluation
    conversion = fx.convert(session, Money("1000", "BRL"), date(2026, 11, 15))
    assert conversion.rate_date == date(2026, 11, 1) and conversion.source == "demo"


def test_the_fx_history_is_the_same_for_the_same_seed(demo, demo_databases):
    from channelbase.deals.models import FxRate
    session, _ = demo
    again, _ = demo_databases.load("same_rates")
    rates = select(FxRate.currency, FxRate.effective_date, FxRate.rate).order_by(FxRate.currency, FxRate.effective_date)
    with again() as other:
        assert other.execute(rates).all() == session.execute(rates).all()


# Deal registrations and opportunities ----------------------------------------------------------------------

def _generated(model):
    """The bulk deals, without the one registration and one opportunity the named world adds, nor the
    registrations the demo events' leads became (in the reporting currency)."""
    from_events = select(EventLead.registration_id).where(EventLead.registration_id.is_not(None))
    return select(model).where(model.id > 1, model.id.not_in(from_events)).order_by(model.id)


def test_only_active_and_onboarding_partners_sell_in_their_currency_and_territory(demo):
    session, _ = demo
    partners = {p.id: p for p in session.scalars(select(Partner))}
    for model in (Registration, Opportunity):
        for deal in session.scalars(_generated(model)):
            partner = partners[deal.partner_id]
            assert partner.status in ("active", "onboarding") and partner.type != "distributor"
            assert (deal.currency, deal.territory_id) == (partner.currency, partner.territory_id)
            assert deal.amount_minor > 0
            if deal.distributor_id is not None:
                assert partners[deal.distributor_id].type == "distributor"
            assert not deal.hidden_from_distributor or deal.distributor_id is not None
    clp = session.scalars(select(Opportunity.amount_minor).where(Opportunity.currency == "CLP")).all()
    assert all(amount % 1000 == 0 for amount in clp)  # whole pesos, rounded as people quote them


def test_registrations_are_in_every_status_with_the_dates_their_status_implies(demo):
    session, _ = demo
    now = utcnow()
    registrations = session.scalars(_generated(Registration)).all()
    assert Counter(r.status for r in registrations).keys() == {s.value for s in RegistrationStatus}
    for registration in registrations:
        assert registration.decision_due_at == registration.submitted_at + timedelta(hours=48)
        assert (registration.decided_at is None) == (registration.status == RegistrationStatus.SUBMITTED)
        assert registration.expected_close_date >= registration.submitted_at.date()
        if registration.status == RegistrationStatus.REJECTED:
            assert registration.decision_reason
        if registration.status == RegistrationStatus.APPROVED:
            assert registration.expires_on >= now.date()
        if registration.status == RegistrationStatus.EXPIRED:
            assert registration.expires_on < now.date()
    submitted = [r for r in registrations if r.status == RegistrationStatus.SUBMITTED]
    assert any(r.decision_due_at < now for r in submitted) and any(r.decision_due_at > now for r in submitted)
    converted = {r.id for r in registrations if r.status == RegistrationStatus.CONVERTED}
    linked = set(session.scalars(select(Opportunity.registration_id).where(Opportunity.registration_id.is_not(None))))
    assert converted and converted == linked


def test_opportunities_are_in_every_outcome_with_a_consistent_stage_history(demo):
    session, _ = demo
    now = utcnow()
    stages = {stage.id: stage for stage in session.scalars(select(Stage))}
    history: dict[int, list[StageChange]] = {}
    for change in session.scalars(select(StageChange).order_by(StageChange.opportunity_id, StageChange.at)):
        history.setdefault(change.opportunity_id, []).append(change)
    opportunities = session.scalars(_generated(Opportunity)).all()
    assert set(Counter(o.outcome for o in opportunities)) == {"open", "won", "lost"}
    for opportunity in opportunities:
        stage = stages[opportunity.stage_id]
        assert (opportunity.outcome, opportunity.probability) == (stage.outcome, stage.probability)
        moves = history[opportunity.id]
        assert 1 <= len(moves) <= 4 and moves[0].from_stage_id is None and moves[0].at == opportunity.created_at
        assert all(a.to_stage_id == b.from_stage_id for a, b in zip(moves, moves[1:], strict=False))
        assert (moves[-1].to_stage_id, moves[-1].at) == (opportunity.stage_id, opportunity.stage_changed_at)
        if opportunity.is_open:
            assert now.date() - timedelta(days=30) <= opportunity.close_date <= now.date() + timedelta(days=365)
        else:
            assert FIRST_RATE_DATE <= opportunity.close_date < now.date()
    assert any(is_stalled(o, now) for o in opportunities) and any(len(history[o.id]) == 4 for o in opportunities)


def test_the_pipeline_totals_convert_every_demo_deal(demo):
    session, _ = demo
    admin = session.scalar(select(User).where(User.email == STAFF[0][1]))
    assert rollup.drift(session) == []  # the bulk rows bypassed its listeners: the load rebuilt it
    totals = pipeline.pipeline_totals(session, admin, OpportunityFilter())
    assert totals.count == SCALES["small"].opportunities and totals.amount.amount > 0
    assert {rate.currency for rate in totals.rates} >= {"BRL", "MXN"}


def test_a_second_partner_registers_a_customer_under_another_spelling_and_the_check_agrees(demo):
    session, _ = demo
    conflicting = session.scalars(select(Registration).where(Registration.conflict_count > 0)).all()
    assert conflicting
    for registration in conflicting:
        found = find_conflicts(session, Customer(registration.customer_name, registration.customer_domain,
                                                 registration.customer_country, registration.customer_tax_id,
                                                 registration.account_id), utcnow().date(),
                               exclude_registration_id=registration.id)
        assert registration.conflict_count == len(found)
        assert registration.conflict_score == round(max(c.score for c in found))
        others = [c for c in found if c.kind == "registration" and c.partner_id != registration.partner_id]
        assert any(c.name != registration.customer_name for c in others)  # spelt differently


def test_the_named_partners_have_deals_their_users_see(demo):
    session, _ = demo
    for email in ("ana@abertas.com.br", "bruno@nubebravo.mx", "dora@deltadistribuidora.com.br"):
        user = session.scalar(select(User).where(User.email == email))
        assert session.scalar(select(func.count()).select_from(Registration).where(condition(Registration, user)))
        assert session.scalar(select(func.count()).select_from(Opportunity).where(condition(Opportunity, user)))


def test_the_app_adds_deals_after_the_load(demo_databases):
    """Bulk rows carry explicit ids: the next row the app inserts must not collide (PostgreSQL sequences)."""
    factory, _ = demo_databases.load("after_load", seed=10, fresh=True)
    with unit_of_work(factory) as session:
        lucia = session.scalar(select(User).where(User.email == STAFF[1][1]))
        partner = session.scalars(select(Partner).where(Partner.country == "BR", Partner.status == "active",
                                                        Partner.type == "var").order_by(Partner.id)).first()
        account = session.scalars(select(Account).where(Account.country == "BR").order_by(Account.id)).first()
        created = opportunities.create_opportunity(session, lucia, OpportunityCreate(
            name="After the demo", account_id=account.id, partner_id=partner.id, amount="1000", currency="BRL",
            close_date=utcnow().date() + timedelta(days=30)))
        assert created.id > SCALES["small"].opportunities
