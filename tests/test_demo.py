"""The demo generator: counts, determinism, valid tax ids, no duplicates the app would refuse.

Each test database is a fresh SQLite file of its own: the shared test database stays small."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from stdnum.mx import rfc

from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.errors import Conflict
from channelbase.core.names import company_key
from channelbase.core.validation import domain_from_website, normalize_tax_id
from channelbase.demo.generator import SCALES, generate
from channelbase.demo.world import PARTNER_USERS, STAFF, demo_logins
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory


def _load(tmp_path_factory, name: str, seed: int = 7):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.db'}")
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        summary = generate(session, scale="small", seed=seed)
    return factory, summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    factory, summary = _load(tmp_path_factory, "demo")
    with factory() as session:
        yield session, summary
    factory.kw["bind"].dispose()


def _partner_rows(factory):
    with factory() as session:
        return session.execute(select(Partner.name, Partner.tax_id, Partner.domain).order_by(Partner.id)).all()


def test_the_totals_match_the_scale(demo):
    session, summary = demo
    scale = SCALES["small"]
    counts = {model: session.scalar(select(func.count()).select_from(model)) for model in (Partner, Contact, Account)}
    assert counts == {Partner: scale.partners, Contact: scale.contacts, Account: scale.accounts}
    assert (summary.partners, summary.contacts, summary.accounts) == (scale.partners, scale.contacts, scale.accounts)
    assert summary.links == session.scalar(select(func.count()).select_from(PartnerLink)) > 0


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not(demo, tmp_path_factory):
    session, _ = demo
    first = session.execute(select(Partner.name, Partner.tax_id, Partner.domain).order_by(Partner.id)).all()
    again, _ = _load(tmp_path_factory, "same_seed")
    other, _ = _load(tmp_path_factory, "other_seed", seed=8)
    assert _partner_rows(again) == first
    assert _partner_rows(other) != first
    with again() as s1, other() as s2:
        accounts = select(Account.name).order_by(Account.id)
        assert s1.scalars(accounts).all() == session.scalars(accounts).all() != s2.scalars(accounts).all()


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


def test_a_second_load_is_refused_unless_reset(tmp_path_factory):
    factory, _ = _load(tmp_path_factory, "reload", seed=9)
    before = _partner_rows(factory)
    with pytest.raises(Conflict, match="--reset"), unit_of_work(factory) as session:
        generate(session, scale="small", seed=9)
    with unit_of_work(factory) as session:
        summary = generate(session, scale="small", seed=9, reset=True)
    assert summary.partners == SCALES["small"].partners
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


def test_the_fx_history_is_the_same_for_the_same_seed(demo, tmp_path_factory):
    from channelbase.deals.models import FxRate
    session, _ = demo
    again, _ = _load(tmp_path_factory, "same_rates")
    rates = select(FxRate.currency, FxRate.effective_date, FxRate.rate).order_by(FxRate.currency, FxRate.effective_date)
    with again() as other:
        assert other.execute(rates).all() == session.execute(rates).all()
