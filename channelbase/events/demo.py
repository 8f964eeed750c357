"""The demo's events: a trade show in São Paulo last month (partners exhibiting and sponsoring, attendees matched
to partner contacts, leads turned into accounts and registrations, one discarded), a past webinar in Mexico,
and two coming up (an event in Boston and a Latin American webinar). Made through the services, so the demo
data is validated and audited like anyone's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.deals import fx
from channelbase.events import conversion, leads, participants, service
from channelbase.events.schemas import AttendeeIn, EventIn, EventPartnerIn, LeadIn, RegistrationTerms
from channelbase.partners.models import Partner, Territory


@dataclass(frozen=True)
class DemoEvent:
    name: str
    kind: str
    territory: str
    owner: str  # e-mail of the manager who runs it
    days_from_today: int
    length_days: int
    place: str = ""
    url: str = ""
    cost: str = "0"
    currency: str = "USD"
    partners: tuple[tuple[str, str], ...] = ()  # (partner name, role)
    attendees: tuple[tuple[str, str, str], ...] = ()  # (name, e-mail, company)
    leads: tuple[tuple[str, str, str, str], ...] = ()  # (company, domain, country, contact)
    registered: tuple[str, ...] = ()  # lead companies registered for the first partner
    accounts: tuple[str, ...] = ()  # lead companies given an account only
    discarded: tuple[str, ...] = ()


ABERTAS, DELTA, BRAVO, NORTHWIND = ("Soluções Abertas Ltda.", "Distribuidora Delta S.A.", "Nube Bravo S.A. de C.V.",
                                    "Northwind Systems Inc.")
EVENTS = (
    DemoEvent("Linux Summit São Paulo", "trade_show", "Brazil", "lucia@channelbase.demo", -45, 2,
              place="Expo Center Norte, São Paulo", cost="48000.00", currency="BRL",
              partners=((ABERTAS, "exhibitor"), (DELTA, "sponsor")),
              attendees=(("Ana Souza", "ana@abertas.com.br", "Soluções Abertas"),
                         ("Dora Lima", "dora@deltadistribuidora.com.br", "Distribuidora Delta"),
                         ("Marcos Pereira", "marcos@bancosol.com.br", "Banco Sol")),
              leads=(("Banco Sol S.A.", "bancosol.com.br", "BR", "Marta Reis"),
                     ("Prefeitura de Santos", "santos.sp.gov.br", "BR", "Paulo Lima"),
                     ("Hospital Vida Ltda.", "hospitalvida.com.br", "BR", "Renata Alves"),
                     ("Banco Horizonte S.A.", "bancohorizonte.com.br", "BR", "Júlia Costa"),
                     ("Rede Varejo Norte", "redevarejonorte.com.br", "BR", ""),
                     ("Transportes Rápidos ME", "", "BR", "")),
              registered=("Banco Sol S.A.", "Prefeitura de Santos"),
              accounts=("Hospital Vida Ltda.", "Banco Horizonte S.A."), discarded=("Transportes Rápidos ME",)),
    DemoEvent("Nube híbrida para MSPs", "webinar", "Mexico", "lucia@channelbase.demo", -12, 1,
              url="https://meet.example.com/nube-hibrida", currency="MXN",
              attendees=(("Bruno Castillo", "bruno@nubebravo.mx", "Nube Bravo"),),
              leads=(("Cervecería Regia S.A. de C.V.", "cerveceriaregia.mx", "MX", "Sofía Garza"),
                     ("Grupo Logístico del Norte", "logisticodelnorte.mx", "MX", "Andrés Treviño")),
              accounts=("Cervecería Regia S.A. de C.V.",)),
    DemoEvent("Open Source Day Boston", "event", "US East", "nathan@channelbase.demo", 21, 2,
              place="Hynes Convention Center, Boston", cost="12000.00", partners=((NORTHWIND, "exhibitor"),),
              attendees=(("Grace Miller", "grace@northwind-systems.com", "Northwind Systems"),)),
    DemoEvent("Kubernetes para partners de LatAm", "webinar", "Latin America", "lucia@channelbase.demo", 9, 1,
              url="https://meet.example.com/k8s-latam", cost="500.00"),
)


def load_events(session: Session, today: date) -> dict[str, int]:
    admin = auth_service.first_admin(session)
    if admin is None:
        return {}
    counts = {"events": 0, "event_partners": 0, "event_attendees": 0, "event_leads": 0, "event_leads_converted": 0}
    for demo in EVENTS:
        territory_id = session.scalar(select(Territory.id).where(Territory.name == demo.territory))
        if territory_id is None:
            continue
        _load_one(session, admin, demo, territory_id, today, counts)
    return counts


def _partner_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Partner.id).where(Partner.name == name, Partner.deleted_at.is_(None)))


def _load_one(session: Session, admin: User, demo: DemoEvent, territory_id: int, today: date,
              counts: dict[str, int]) -> None:
    starts = today + timedelta(days=demo.days_from_today)
    owner_id = session.scalar(select(User.id).where(User.email == demo.owner))
    event = service.create_event(session, admin, EventIn(
        name=demo.name, kind=demo.kind, starts_on=starts, ends_on=starts + timedelta(days=demo.length_days - 1),
        place=demo.place, url=demo.url, cost=demo.cost, currency=demo.currency, territory_id=territory_id,
        owner_id=owner_id))
    counts["events"] += 1
    for name, role in demo.partners:
        if (partner_id := _partner_id(session, name)) is not None:
            participants.add_partner(session, admin, event.id, EventPartnerIn(partner_id=partner_id, role=role))
    for person, email, company in demo.attendees:
        participants.add_attendee(session, admin, event.id, AttendeeIn(name=person, email=email, company=company,
                                                                       attended=demo.days_from_today < 0))
        counts["event_attendees"] += 1
    counts["event_partners"] += len(participants.partners_of(session, admin, event.id))
    by_company = {company: leads.add_lead(session, admin, event.id, LeadIn(
        company=company, domain=domain, country=country, contact_name=contact)).id
        for company, domain, country, contact in demo.leads}
    counts["event_leads"] += len(by_company)
    counts["event_leads_converted"] += _convert(session, admin, demo, event.id, by_company, today)


def _convert(session: Session, admin: User, demo: DemoEvent, event_id: int, by_company: dict[str, int],
             today: date) -> int:
    """Accounts and registrations for some of the event's leads; the count of leads converted."""
    partner_id = _partner_id(session, demo.partners[0][0]) if demo.partners else None
    converted = 0
    if demo.accounts:
        converted += len(conversion.leads_to_accounts(session, admin, event_id,
                                                      [by_company[c] for c in demo.accounts]))
    if demo.registered and partner_id is not None:
        terms = RegistrationTerms(lead_ids=[by_company[c] for c in demo.registered], partner_id=partner_id,
                                  amount="18000.00", currency=fx.reporting_currency(),
                                  expected_close_date=today + timedelta(days=75))
        converted += len(conversion.leads_to_registrations(session, admin, event_id, terms))
    if demo.discarded:
        leads.discard_leads(session, admin, event_id, [by_company[c] for c in demo.discarded])
    return converted

