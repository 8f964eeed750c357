"""A small, named channel that the demo, the tests and the benchmarks all start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.deals import fx, opportunities, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate
from channelbase.partners import accounts, service, territories
from channelbase.partners.schemas import AccountCreate, ContactCreate, LinkCreate, PartnerCreate, TerritoryCreate

DEMO_PASSWORD = "channelbase-demo"

# key: (name, parent key, currency, owner key)
TERRITORIES = [
    ("americas", "Americas", None, "USD", "admin"),
    ("north_america", "North America", "americas", "USD", "nathan"),
    ("us_east", "US East", "north_america", "USD", None),
    ("us_west", "US West", "north_america", "USD", None),
    ("canada", "Canada", "north_america", "CAD", None),
    ("latam", "Latin America", "americas", "USD", "lucia"),
    ("brazil", "Brazil", "latam", "BRL", None),
    ("mexico", "Mexico", "latam", "MXN", None),
    ("argentina", "Argentina", "latam", "ARS", None),
    ("chile", "Chile", "latam", "CLP", None),
    ("colombia", "Colombia", "latam", "COP", None),
    ("peru", "Peru", "latam", "PEN", None),
]

STAFF = [
    ("admin", "admin@channelbase.demo", "Ada Admin", Role.ADMIN, "en"),
    ("lucia", "lucia@channelbase.demo", "Lucía Fernández", Role.MANAGER, "es"),
    ("nathan", "nathan@channelbase.demo", "Nathan Brooks", Role.MANAGER, "en"),
]

# key: territory, fields
PARTNERS: list[tuple[str, str, dict[str, Any]]] = [
    ("abertas", "brazil", dict(name="Soluções Abertas Ltda.", legal_name="Soluções Abertas Tecnologia Ltda.",
                               type="var", tier="gold", status="active", is_priority=True, country="BR",
                               city="São Paulo", currency="BRL", website="https://abertas.com.br",
                               tax_id="11.444.777/0001-61")),
    ("bravo", "mexico", dict(name="Nube Bravo S.A. de C.V.", legal_name="Nube Bravo S.A. de C.V.", type="msp",
                             tier="silver", status="active", country="MX", city="Monterrey", currency="MXN",
                             website="https://nubebravo.mx", tax_id="NBR180215AB0")),
    ("delta", "brazil", dict(name="Distribuidora Delta S.A.", legal_name="Distribuidora Delta de Software S.A.",
                             type="distributor", tier="platinum", status="active", is_priority=True, country="BR",
                             city="Rio de Janeiro", currency="BRL", website="https://deltadistribuidora.com.br")),
    ("northwind", "us_east", dict(name="Northwind Systems Inc.", legal_name="Northwind Systems, Inc.",
                                  type="lvar", tier="gold", status="active", country="US", city="Boston",
                                  currency="USD", website="https://northwind-systems.com", tax_id="04-2103594")),
]

PARTNER_USERS = [
    ("ana", "ana@abertas.com.br", "Ana Souza", "abertas", "pt"),
    ("bruno", "bruno@nubebravo.mx", "Bruno Castillo", "bravo", "es"),
    ("dora", "dora@deltadistribuidora.com.br", "Dora Lima", "delta", "pt"),
]


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    territories: dict[str, int] = field(default_factory=dict)
    partners: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    registrations: dict[str, int] = field(default_factory=dict)
    opportunities: dict[str, int] = field(default_factory=dict)


def seed_world(session: Session, password: str = DEMO_PASSWORD) -> World:
    """Create the named personas and records through the services (so they are validated and audited)."""
    world = World()
    admin = auth_service.create_user(session, None, email=STAFF[0][1], name=STAFF[0][2], role=STAFF[0][3],
                                     password=password)
    world.users["admin"] = admin.id
    for key, email, name, role, language in STAFF[1:]:
        world.users[key] = auth_service.create_user(session, admin, email=email, name=name, role=role,
                                                    password=password, language=language).id
    for key, name, parent, currency, owner in TERRITORIES:
        territory = territories.create_territory(session, admin, TerritoryCreate(
            name=name, parent_id=world.territories.get(parent) if parent else None, currency=currency,
            owner_id=world.users.get(owner) if owner else None))
        world.territories[key] = territory.id
    owner_of = {"brazil": "lucia", "mexico": "lucia", "us_east": "nathan"}
    for key, territory_key, fields in PARTNERS:
        partner = service.create_partner(session, admin, PartnerCreate(
            **fields, territory_id=world.territories[territory_key], owner_id=world.users[owner_of[territory_key]]))
        world.partners[key] = partner.id
    world.links["delta_abertas"] = service.link_reseller(session, admin, LinkCreate(
        distributor_id=world.partners["delta"], reseller_id=world.partners["abertas"])).id
    for key, email, name, partner_key, language in PARTNER_USERS:
        world.users[key] = auth_service.create_user(session, admin, email=email, name=name, role=Role.PARTNER,
                                                    password=password, partner_id=world.partners[partner_key],
                                                    language=language).id
        world.contacts[key] = service.create_contact(session, admin, ContactCreate(
            partner_id=world.partners[partner_key], name=name, email=email, role="sales", is_primary=True,
            language=language)).id
    world.contacts["northwind"] = service.create_contact(session, admin, ContactCreate(
        partner_id=world.partners["northwind"], name="Grace Miller", email="grace@northwind-systems.com",
        role="executive", is_primary=True)).id
    ana = session.get_one(User, world.users["ana"])
    bruno = session.get_one(User, world.users["bruno"])
    world.accounts["abertas"] = accounts.create_account(session, ana, AccountCreate(
        name="Prefeitura de Campinas", website="campinas.sp.gov.br", country="BR", industry="Government",
        is_public_sector=True)).id
    world.accounts["bravo"] = accounts.create_account(session, bruno, AccountCreate(
        name="Cervecería Regia S.A. de C.V.", website="cerveceriaregia.mx", country="MX",
        industry="Manufacturing")).id
    world.accounts["brazil"] = accounts.create_account(session, admin, AccountCreate(
        name="Banco Horizonte S.A.", website="bancohorizonte.com.br", country="BR", industry="Financial services",
        territory_id=world.territories["brazil"])).id
    world.accounts["us"] = accounts.create_account(session, admin, AccountCreate(
        name="Harbor Health LLC", website="harborhealth.org", country="US", industry="Healthcare",
        territory_id=world.territories["us_east"])).id
    _seed_deals(session, world)
    session.flush()
    return world


def _seed_deals(session: Session, world: World) -> None:
    """One registration and one opportunity of Soluções Abertas, supplied by Distribuidora Delta."""
    currency = fx.reporting_currency()  # the personas need no FX rates: tests add the rates they need
    ana = session.get_one(User, world.users["ana"])
    lucia = session.get_one(User, world.users["lucia"])
    close = date.today() + timedelta(days=60)
    world.registrations["abertas"] = registrations.submit_registration(session, ana, RegistrationCreate(
        title="Campinas — server refresh", account_id=world.accounts["abertas"], amount="24000.00",
        currency=currency, expected_close_date=close, distributor_id=world.partners["delta"],
        notes="Public tender expected in the first quarter.")).id
    world.opportunities["abertas"] = opportunities.create_opportunity(session, lucia, OpportunityCreate(
        name="Banco Horizonte — Kubernetes platform", account_id=world.accounts["brazil"],
        partner_id=world.partners["abertas"], distributor_id=world.partners["delta"], amount="85000.00",
        currency=currency, close_date=close, source="co_sell", next_step="Architecture workshop")).id


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, e-mail, what they see) for the demo's sign-in help."""
    return [
        ("admin", STAFF[0][1], "everything"),
        ("manager", STAFF[1][1], "Latin America"),
        ("manager", STAFF[2][1], "North America"),
        ("partner", PARTNER_USERS[0][1], "Soluções Abertas (VAR, Brazil)"),
        ("partner", PARTNER_USERS[1][1], "Nube Bravo (MSP, Mexico)"),
    ]
