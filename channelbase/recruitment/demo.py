"""The demo's recruitment: coverage targets for its territories, the default fit criteria stored, and eleven
prospects across the funnel with their stage history (one from the public form, two signed and onboarding, two
declined), moved by their territories' managers on dates before `today`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.core.names import company_key
from channelbase.core.validation import domain_from_website
from channelbase.partners import service as partners
from channelbase.partners.models import Partner, Territory
from channelbase.partners.schemas import ContactCreate
from channelbase.recruitment import coverage, fit, funnel
from channelbase.recruitment.applications import owner_for
from channelbase.recruitment.models import Source
from channelbase.recruitment.schemas import CriterionIn, ProspectIn, StageMoveIn, TargetIn

# territory name -> {partner type: target}
TARGETS: dict[str, dict[str, int]] = {
    "Brazil": {"var": 14, "msp": 6, "distributor": 2, "si": 4, "public_sector": 3},
    "Mexico": {"var": 10, "msp": 5, "distributor": 2, "si": 2},
    "Argentina": {"var": 6, "msp": 3}, "Chile": {"var": 5, "msp": 2}, "Colombia": {"var": 5, "msp": 2},
    "Peru": {"var": 4, "public_sector": 2}, "Latin America": {"dmr": 2},
    "US East": {"var": 15, "lvar": 8, "msp": 6}, "US West": {"var": 12, "msp": 5}, "Canada": {"var": 6, "msp": 3},
    "North America": {"dmr": 3, "distributor": 3},
}

# name, type, territory, country, website, source, (industries, skills, vendors, employees), [(stage, days ago)]
PROSPECTS = [
    ("Serra Verde Nuvem Ltda.", "msp", "Brazil", "BR", "serraverde-nuvem.com.br", Source.APPLICATION,
     ("Healthcare, Government", "linux, cloud, kubernetes", "", 60), [("identified", 3)]),
    ("Ipiranga Integradores Ltda.", "si", "Brazil", "BR", "ipiranga-integradores.com.br", Source.EVENT,
     ("Financial services", "linux, automation", "SAP", 220), [("identified", 30), ("contacted", 24), ("qualified", 15)]),
    ("Tlaloc Cloud S.A. de C.V.", "var", "Mexico", "MX", "tlaloc-cloud.mx", Source.MANUAL,
     ("Retail", "cloud", "AWS", 35), [("identified", 20), ("contacted", 12)]),
    ("Maya Sistemas S.A. de C.V.", "msp", "Mexico", "MX", "mayasistemas.com.mx", Source.MANUAL,
     ("Manufacturing, Retail", "linux, kubernetes, security", "Microsoft", 80),
     [("identified", 45), ("contacted", 40), ("qualified", 30), ("agreement_sent", 8)]),
    ("Patagonia Datos S.A.", "var", "Argentina", "AR", "patagonia-datos.com.ar", Source.MANUAL,
     ("Energy", "databases", "", 12), [("identified", 60), ("contacted", 50), ("declined", 35)]),
    ("Cordillera TI SpA", "var", "Chile", "CL", "cordillera-ti.cl", Source.EVENT,
     ("Government, Education", "linux, cloud", "AWS, Google Cloud", 40),
     [("identified", 70), ("contacted", 62), ("qualified", 50), ("agreement_sent", 40), ("signed", 33)]),
    ("Café Digital S.A.S.", "var", "Colombia", "CO", "cafedigital.com.co", Source.EVENT,
     ("Retail", "cloud, containers", "", 25), [("identified", 10)]),
    ("Inca Redes S.A.C.", "public_sector", "Peru", "PE", "incaredes.com.pe", Source.MANUAL,
     ("Government", "linux, networking", "Microsoft", 55), [("identified", 25), ("contacted", 18)]),
    ("Harborline Cloud LLC", "var", "US East", "US", "harborline-cloud.com", Source.MANUAL,
     ("Healthcare, Financial services", "linux, cloud, kubernetes", "AWS, Microsoft", 150),
     [("identified", 35), ("contacted", 28), ("qualified", 21), ("agreement_sent", 14)]),
    ("Maple Stack Inc.", "msp", "Canada", "CA", "maplestack.ca", Source.MANUAL,
     ("Technology", "virtualization", "", 9), [("identified", 15), ("declined", 5)]),
    ("Golden Gate Ops LLC", "msp", "US West", "US", "goldengate-ops.com", Source.MANUAL,
     ("Technology, Media", "kubernetes, cloud, automation", "Google Cloud", 70),
     [("identified", 90), ("contacted", 84), ("qualified", 70), ("agreement_sent", 60), ("signed", 50)]),
]

# Each prospect's first contact: the person the manager talks to (the application's sender for Serra Verde).
CONTACT_BY_COUNTRY = {"BR": ("Marina Duarte", "pt"), "MX": ("Alejandro Ruiz", "es"), "AR": ("Lucas Giménez", "es"),
                      "CL": ("Camila Rojas", "es"), "CO": ("Andrés Ospina", "es"), "PE": ("Rosa Quispe", "es"),
                      "US": ("Megan Clark", "en"), "CA": ("Olivier Tremblay", "en")}


def _moment(today: date, days_ago: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(14), timezone.utc)


def _admin(session: Session) -> User:
    return session.scalars(select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id)).one()


def _manager_of(session: Session, territory: Territory, fallback: User) -> User:
    owner_id = owner_for(session, territory)
    owner = session.get(User, owner_id) if owner_id is not None else None
    return owner or fallback


def _exists(session: Session, name: str, website: str) -> bool:
    return (session.scalar(select(func.count()).select_from(Partner).where(or_(
        Partner.name_key == company_key(name), Partner.domain == domain_from_website(website)))) or 0) > 0


def _load_targets(session: Session, admin: User, territories: dict[str, Territory]) -> int:
    count = 0
    for name, kinds in TARGETS.items():
        if name in territories:
            for kind, target in kinds.items():
                coverage.set_target(session, admin, TargetIn(territory_id=territories[name].id, partner_type=kind,
                                                             target=target))
                count += 1
    return count


def _load_prospect(session: Session, admin: User, territory: Territory, today: date, entry) -> int:
    """One prospect and its moves; the number of stage changes made."""
    name, kind, _territory, country, website, source, (industries, skills, vendors, employees), moves = entry
    manager = _manager_of(session, territory, admin)
    record = funnel.add_prospect(session, manager, ProspectIn(
        name=name, type=kind, territory_id=territory.id, country=country, website=website, source=source,
        industries=industries, skills=skills, vendors=vendors, employees=employees,
        owner_id=manager.id), now=_moment(today, moves[0][1]))
    person, language = CONTACT_BY_COUNTRY[country]
    partners.create_contact(session, manager, ContactCreate(
        partner_id=record.partner_id, name=person, email=f"{person.split()[0].lower()}@{website}", is_primary=True,
        role="executive", language=language))
    for stage, days_ago in moves[1:]:
        session.flush()
        funnel.move_stage(session, manager, record.partner_id, StageMoveIn(version=record.version, stage=stage),
                          now=_moment(today, days_ago))
    return len(moves)


def load_recruitment(session: Session, today: date) -> dict[str, int]:
    """Coverage targets, the stored default fit criteria, and prospects across the funnel."""
    admin = _admin(session)
    territories = {t.name: t for t in session.scalars(select(Territory))}
    targets = _load_targets(session, admin, territories)
    fit.save_criteria(session, admin, [CriterionIn(key=key, weight=weight, wanted=wanted)
                                       for key, (weight, wanted) in fit.DEFAULTS.items()])
    prospects = changes = 0
    for entry in PROSPECTS:
        territory = territories.get(entry[2])
        if territory is None or _exists(session, entry[0], entry[4]):
            continue  # a world without this territory, or a bulk partner took the name: leave it out
        changes += _load_prospect(session, admin, territory, today, entry)
        prospects += 1
    session.flush()
    return {"coverage_targets": targets, "fit_criteria": len(fit.KEYS), "prospects": prospects,
            "recruitment_stage_changes": changes}
