"""What an import looks values up in: territories, partners and staff, loaded once per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import visible
from channelbase.core.names import company_key
from channelbase.core.validation import country_name
from channelbase.imports.mapping import header_key
from channelbase.imports.models import ExternalId
from channelbase.imports.values import CellError
from channelbase.partners.models import Partner, Territory


@dataclass
class Lookups:
    actor: User
    territories: dict[str, int] = field(default_factory=dict)   # header_key(name) or id -> id
    territory_ids: set[int] = field(default_factory=set)         # the ones the actor may put rows in
    territory_names: dict[int, str] = field(default_factory=dict)
    partners: dict[str, int] = field(default_factory=dict)      # external id, company key or id -> id
    partner_territory: dict[int, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)         # e-mail -> user id
    country_territory: dict[str, int] = field(default_factory=dict)  # where most of a country's partners are
    by_country: dict[str, int] = field(default_factory=dict)  # the answers so far
    extra: dict[str, Any] = field(default_factory=dict)       # what one kind of row looks up (accounts, stages)

    def territory(self, text: str, country_code: str | None) -> int:
        """By name or id; blank: the territory named after the row's country (Brazil, Mexico...)."""
        if text:
            found = self.territories.get(text) or self.territories.get(header_key(text))
            if found is None:
                raise CellError(f"no territory '{text}' that you manage (yours: {self._some_territories()})")
            return found
        if country_code:
            found = self.by_country.get(country_code)
            if found is None:
                found = (self.territories.get(header_key(country_name(country_code)))
                         or self.country_territory.get(country_code))
                if found is not None:
                    self.by_country[country_code] = found
            if found is not None:
                return found
            raise CellError(f"no territory of yours named after {country_name(country_code)} or holding partners "
                            "there: add a territory column")
        raise CellError("required: a territory, or a country with a territory of its name")

    def partner(self, text: str) -> int:
        """By external id, id or name (legal forms and accents ignored)."""
        found = self.partners.get(text) or self.partners.get(company_key(text) or text)
        if found is None:
            raise CellError(f"no partner '{text}' that you can see (use its name, its id or its external id)")
        return found

    def owner(self, text: str) -> int | None:
        if not text:
            return None
        found = self.staff.get(text.strip().lower())
        if found is None:
            raise CellError(f"no manager or admin with the e-mail '{text}'")
        return found

    def _some_territories(self) -> str:
        names = sorted(self.territory_names[i] for i in self.territory_ids)
        return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def external_ids(session: Session, table_name: str) -> list[tuple[int, str]]:
    """(row id, external id) of a table's imported rows."""
    stmt = select(ExternalId.row_id, ExternalId.external_id).where(ExternalId.entity_type == table_name)
    return [(row_id, external_id) for row_id, external_id in session.execute(stmt)]


def load_lookups(session: Session, actor: User) -> Lookups:
    lookups = Lookups(actor)
    for territory in session.scalars(visible(select(Territory), actor, Territory)):
        lookups.territories[str(territory.id)] = territory.id
        lookups.territories.setdefault(header_key(territory.name), territory.id)
        lookups.territory_ids.add(territory.id)
        lookups.territory_names[territory.id] = territory.name
    rows = session.execute(visible(select(Partner.id, Partner.name_key, Partner.territory_id)
                                   .where(Partner.deleted_at.is_(None)), actor, Partner))
    for partner_id, name_key, territory_id in rows:
        lookups.partners[str(partner_id)] = partner_id
        lookups.partners.setdefault(name_key, partner_id)
        lookups.partner_territory[partner_id] = territory_id
    for partner_id, external_id in external_ids(session, "partners"):
        if partner_id in lookups.partner_territory:
            lookups.partners[external_id] = partner_id
    counts = session.execute(visible(select(Partner.country, Partner.territory_id, func.count())
                                     .where(Partner.deleted_at.is_(None))
                                     .group_by(Partner.country, Partner.territory_id)
                                     .order_by(func.count().desc(), Partner.territory_id), actor, Partner))
    for country, territory_id, _count in counts:
        if territory_id in lookups.territory_ids:
            lookups.country_territory.setdefault(country, territory_id)
    staff = session.execute(select(User.email, User.id).where(User.role.in_([Role.ADMIN, Role.MANAGER]),
                                                              User.is_active.is_(True)))
    lookups.staff = {email.lower(): user_id for email, user_id in staff}
    return lookups
