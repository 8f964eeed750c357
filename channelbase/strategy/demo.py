"""The demo's channel strategies: Brazil, Mexico and US East for the current fiscal year, each written by the
territory's manager. Brazil's and Mexico's target mixes differ from their coverage targets on a type or two,
so the strategy page has differences to flag; US East's matches."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core.errors import InvalidInput
from channelbase.growth import fiscal
from channelbase.partners.models import Territory
from channelbase.recruitment.applications import owner_for
from channelbase.strategy import service
from channelbase.strategy.schemas import StrategyIn

# territory name -> (target mix, focus industries, focus products (SKUs or families), goals)
STRATEGIES: dict[str, tuple[dict[str, int], list[str], list[str], str]] = {
    "Brazil": (
        {"distributor": 2, "var": 16, "msp": 6, "si": 4, "public_sector": 3},
        ["Government", "Financial services", "Healthcare"],
        ["ELS-PRM-1Y", "KPP-1Y", "Automation"],
        "Grow through the two distributors and sixteen VARs, with public-sector resellers ready for the state "
        "tenders (licitações) of the second half.\nCertify two pre-sales engineers at every Gold VAR by Q2.\n"
        "Move the banks from Linux subscriptions to the Kubernetes platform with the SIs.",
    ),
    "Mexico": (
        {"distributor": 2, "dmr": 1, "var": 10, "msp": 6, "si": 2},
        ["Manufacturing", "Retail"],
        ["Cloud", "ELS-STD-1Y"],
        "Recruit MSPs in Monterrey and Guadalajara for the manufacturers moving to hybrid cloud.\n"
        "Add one DMR for the web-store buyers of Linux subscriptions.\nA QBR with every priority partner each quarter.",
    ),
    "US East": (
        {"var": 15, "lvar": 8, "msp": 6},
        ["Healthcare", "Financial services", "Education"],
        ["KPP-1Y", "AUT-STD-1Y", "SVC-TAM-1Y"],
        "Hold the LVARs' renewals, and grow the Kubernetes and automation attach rate in healthcare and banks.\n"
        "Two new MSPs in the Boston–New York corridor by mid-year.",
    ),
}


def load_strategy(session: Session, today: date) -> dict[str, int]:
    """This fiscal year's strategies of the demo's Brazil, Mexico and US East (those the world has)."""
    admin = auth_service.first_admin(session)
    if admin is None:
        return {}
    year = fiscal.current_year(session, today).year
    territories = {t.name: t for t in session.scalars(select(Territory).where(Territory.name.in_(STRATEGIES)))}
    written = 0
    for name, (mix, industries, products, goals) in STRATEGIES.items():
        territory = territories.get(name)
        if territory is None:
            continue
        author = _author(session, territory, admin)
        stored = service.get_strategy(session, author, territory.id, year)
        service.save_strategy(session, author, territory.id, StrategyIn(
            fiscal_year=year, partner_mix=mix, industries=industries, products=_known(session, products),
            goals=goals, version=stored.version if stored else None))
        written += 1
    session.flush()
    return {"territory_strategies": written}


def _author(session: Session, territory: Territory, admin: User) -> User:
    owner_id = owner_for(session, territory)
    owner = session.get(User, owner_id) if owner_id is not None else None
    return owner or admin


def _known(session: Session, products: list[str]) -> list[str]:
    """The focus products the catalogue has (a world without the demo catalogue gets none)."""
    known = []
    for product in products:
        try:
            known += service.resolve_products(session, [product])
        except InvalidInput:
            continue
    return known
