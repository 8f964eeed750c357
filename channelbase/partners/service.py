"""Partners, their contacts and distributor links: the rules every adapter calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import Conflict, InvalidInput, NotPermitted
from channelbase.core.names import company_key
from channelbase.core.pagination import Page, keyset_page, paginate
from channelbase.core.validation import domain_from_website
from channelbase.deals.models import Program
from channelbase.partners.common import (
    check_version, refuse_duplicate, require_owner, require_staff, require_territory_in_scope, restore, soft_delete,
    validated_tax_id,
)
from channelbase.partners.territories import territory_and_below
from channelbase.partners.models import Contact, Partner, PartnerLink, PartnerType, Territory
from channelbase.partners.schemas import (
    ContactCreate, ContactUpdate, LinkCreate, PartnerCreate, PartnerFilter, PartnerUpdate,
)
from channelbase.webhooks import events as webhook_events

PARTNER_SORTS = {
    "name": (Partner.name_key, False), "-name": (Partner.name_key, True),
    "country": (Partner.country, False), "-country": (Partner.country, True),
    "type": (Partner.type, False), "-type": (Partner.type, True),
    "status": (Partner.status, False), "-status": (Partner.status, True),
    "tier": (Partner.tier, False), "-tier": (Partner.tier, True),
    "updated": (Partner.updated_at, True), "-updated": (Partner.updated_at, False),
}


def _refuse_duplicate_partner(session, actor, partner: Partner, exclude_id=None) -> None:
    refuse_duplicate(session, actor, Partner, label="Partner", url_prefix="/partners", name_key=partner.name_key,
                     tax_id=partner.tax_id, domain=partner.domain, exclude_id=exclude_id)


def require_program(session: Session, program_id: int | None) -> None:
    """A partner's program must exist (None: the default program applies)."""
    if program_id is not None and session.get(Program, program_id) is None:
        raise InvalidInput(f"No partner program #{program_id}: pick one listed on the Programs page.",
                           field_errors={"program_id": "no such program"})


def check_new_partner(session: Session, actor: User, data: PartnerCreate) -> Partner:
    """Every check of create_partner, without saving: the partner it would add, or the error."""
    require_staff(actor, "add partners")
    require_territory_in_scope(session, actor, data.territory_id)
    require_owner(session, data.owner_id)
    require_program(session, data.program_id)
    partner = Partner(**data.model_dump(exclude={"tax_id"}), name_key=company_key(data.name),
                      domain=domain_from_website(data.website) or None,
                      tax_id=validated_tax_id(data.country, data.tax_id))
    _refuse_duplicate_partner(session, actor, partner)
    return partner


def create_partner(session: Session, actor: User, data: PartnerCreate) -> Partner:
    """Add a partner after checking territory, owner and duplicates."""
    partner = check_new_partner(session, actor, data)
    session.add(partner)
    audit.record(session, actor, "create", partner, None)
    webhook_events.partner_created(session, partner)
    return partner


def update_partner(session: Session, actor: User, partner_id: int, data: PartnerUpdate) -> Partner:
    """Change the fields given, refusing stale edits and duplicates."""
    partner = get_visible(session, actor, Partner, partner_id)
    require_staff(actor, "edit partners")
    check_version(session, partner, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "territory_id" in changes:
        require_territory_in_scope(session, actor, changes["territory_id"])
    if "owner_id" in changes:
        require_owner(session, changes["owner_id"])
    if "program_id" in changes:
        require_program(session, changes["program_id"])
    before = audit.snapshot(partner)
    nullable = ("owner_id", "tax_id", "program_id")
    for key, value in changes.items():
        setattr(partner, key, value if value is not None or key in nullable else getattr(partner, key))
    partner.name_key = company_key(partner.name)
    partner.domain = domain_from_website(partner.website) or None
    partner.tax_id = validated_tax_id(partner.country, partner.tax_id)
    _refuse_duplicate_partner(session, actor, partner, exclude_id=partner.id)
    audit.record(session, actor, "update", partner, before)
    return partner


def delete_partner(session: Session, actor: User, partner_id: int) -> Partner:
    """Soft-delete: the partner disappears from lists and can be restored."""
    return soft_delete(session, actor, get_visible(session, actor, Partner, partner_id))


def restore_partner(session: Session, actor: User, partner_id: int) -> Partner:
    """Bring back a soft-deleted partner, unless a live one now has its name, tax id or domain."""
    partner = get_visible(session, actor, Partner, partner_id, include_deleted=True)
    return restore(session, actor, partner, _refuse_duplicate_partner)


def get_partner(session: Session, actor: User, partner_id: int, include_deleted: bool = False) -> Partner:
    return get_visible(session, actor, Partner, partner_id, include_deleted=include_deleted)


def partner_query(actor: User, filters: PartnerFilter):
    """The visible partners matching the filters, unordered."""
    stmt = visible(select(Partner), actor)
    stmt = stmt.where(Partner.deleted_at.is_not(None) if filters.deleted else Partner.deleted_at.is_(None))
    if filters.q:
        stmt = stmt.where(_search_condition(filters.q))
    for column, value in ((Partner.type, filters.type), (Partner.tier, filters.tier),
                          (Partner.status, filters.status), (Partner.country, filters.country),
                          (Partner.is_priority, filters.priority), (Partner.owner_id, filters.owner_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.territory_id is not None:
        stmt = stmt.where(Partner.territory_id.in_(territory_and_below(filters.territory_id)))
    return stmt


def _search_condition(q: str):
    key = company_key(q)
    text = q.strip().lower()
    conditions = [Partner.tax_id == text.replace(".", "").replace("-", "").replace("/", "").upper(),
                  Partner.domain == text.removeprefix("www.")]
    if key:
        conditions.append(Partner.name_key.contains(key, autoescape=True))
    conditions.append(func.lower(Partner.city) == text)
    return or_(*conditions)


def list_partners(session: Session, actor: User, filters: PartnerFilter, *, sort: str = "name",
                  page: int = 1, per_page: int = 25) -> Page[Partner]:
    column, descending = PARTNER_SORTS.get(sort, PARTNER_SORTS["name"])
    stmt = partner_query(actor, filters).order_by(column.desc() if descending else column.asc(), Partner.id)
    return paginate(session, stmt, page, per_page)


def list_partners_after(session: Session, actor: User, filters: PartnerFilter, *, sort: str = "name",
                        cursor: str | None = None, limit: int = 50) -> tuple[list[Partner], str | None]:
    """Keyset pagination for the API: stable under inserts, fast at any depth."""
    column = {"name": Partner.name_key, "id": Partner.id}.get(sort.lstrip("-"))
    if column is None:
        raise InvalidInput("sort must be one of: name, -name, id, -id")
    return keyset_page(session, partner_query(actor, filters), column, Partner.id, sort.startswith("-"), cursor, limit)


# Contacts ----------------------------------------------------------------------------------------

def _require_contact_writer(session: Session, actor: User, partner_id: int) -> Partner:
    """Staff edit contacts of partners they see; partner users edit their own partner's contacts."""
    return get_visible(session, actor, Partner, partner_id)


def _unset_other_primaries(session: Session, contact: Contact) -> None:
    if contact.is_primary:
        for other in session.scalars(select(Contact).where(Contact.partner_id == contact.partner_id,
                                                             Contact.id != contact.id, Contact.is_primary)):
            other.is_primary = False


def create_contact(session: Session, actor: User, data: ContactCreate) -> Contact:
    """Add a contact to a partner; one primary contact per partner."""
    _require_contact_writer(session, actor, data.partner_id)
    email = str(data.email).lower()
    if session.scalar(select(Contact.id).where(Contact.partner_id == data.partner_id, Contact.email == email)):
        raise Conflict(f"This partner already has a contact with e-mail {email}.", field_errors={"email": "already used"})
    contact = Contact(**data.model_dump(exclude={"email"}), email=email)
    session.add(contact)
    session.flush()
    _unset_other_primaries(session, contact)
    audit.record(session, actor, "create", contact, None)
    return contact


def update_contact(session: Session, actor: User, contact_id: int, data: ContactUpdate) -> Contact:
    contact = get_visible(session, actor, Contact, contact_id)
    check_version(session, contact, data.version)
    before = audit.snapshot(contact)
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        if value is not None:
            setattr(contact, key, str(value).lower() if key == "email" else value)
    _unset_other_primaries(session, contact)
    audit.record(session, actor, "update", contact, before)
    return contact


def delete_contact(session: Session, actor: User, contact_id: int) -> None:
    contact = get_visible(session, actor, Contact, contact_id)
    audit.record(session, actor, "delete", contact, audit.snapshot(contact))
    session.delete(contact)


def list_contacts(session: Session, actor: User, *, partner_id: int | None = None, q: str = "",
                  page: int = 1, per_page: int = 25) -> Page[Contact]:
    stmt = visible(select(Contact), actor)
    if partner_id is not None:
        stmt = stmt.where(Contact.partner_id == partner_id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Contact.name).like(like), Contact.email.like(like)))
    return paginate(session, stmt.order_by(Contact.is_primary.desc(), Contact.name, Contact.id), page, per_page)


def get_contact(session: Session, actor: User, contact_id: int) -> Contact:
    return get_visible(session, actor, Contact, contact_id)


# Distributor -> reseller links ------------------------------------------------------------------

def link_reseller(session: Session, actor: User, data: LinkCreate) -> PartnerLink:
    """Record that a distributor supplies a reseller."""
    distributor = get_visible(session, actor, Partner, data.distributor_id)
    reseller = get_visible(session, actor, Partner, data.reseller_id)
    require_staff(actor, "link distributors and resellers")
    if distributor.type != PartnerType.DISTRIBUTOR:
        raise InvalidInput(f"'{distributor.name}' is not a distributor.", field_errors={"distributor_id": "not a distributor"})
    if reseller.id == distributor.id or reseller.type == PartnerType.DISTRIBUTOR:
        raise InvalidInput("A reseller must be a partner other than a distributor.", field_errors={"reseller_id": "not a reseller"})
    exists = session.scalar(select(PartnerLink.id).where(PartnerLink.distributor_id == distributor.id,
                                                         PartnerLink.reseller_id == reseller.id))
    if exists:
        raise Conflict(f"'{reseller.name}' is already linked to '{distributor.name}'.")
    link = PartnerLink(distributor_id=distributor.id, reseller_id=reseller.id)
    session.add(link)
    audit.record(session, actor, "create", link, None)
    return link


def unlink_reseller(session: Session, actor: User, link_id: int) -> None:
    link = get_visible(session, actor, PartnerLink, link_id)
    require_staff(actor, "unlink distributors and resellers")
    audit.record(session, actor, "delete", link, audit.snapshot(link))
    session.delete(link)


def partner_links(session: Session, actor: User, partner_id: int) -> dict[str, list[tuple[PartnerLink, Partner]]]:
    """The partner's distributors and resellers that the actor may see."""
    result: dict[str, list] = {"distributors": [], "resellers": []}
    for side, mine, other in (("distributors", PartnerLink.reseller_id, PartnerLink.distributor_id),
                              ("resellers", PartnerLink.distributor_id, PartnerLink.reseller_id)):
        stmt = visible(select(PartnerLink, Partner).join(Partner, Partner.id == other).where(mine == partner_id), actor, Partner)
        result[side] = [(row.PartnerLink, row.Partner) for row in session.execute(stmt.order_by(Partner.name))]
    return result


def partner_stats(session: Session, actor: User) -> dict[str, Any]:
    """Live partners counted by status, type and top-level-but-one territory (for the home page)."""
    base = visible(select(Partner), actor).where(Partner.deleted_at.is_(None)).subquery()
    stats: dict[str, Any] = {}
    for name, column in (("status", base.c.status), ("type", base.c.type), ("country", base.c.country)):
        rows = session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc()))
        stats[name] = [(str(value), count) for value, count in rows]
    rows = session.execute(
        select(Territory.id, Territory.name, func.count()).join(base, base.c.territory_id == Territory.id)
        .group_by(Territory.id, Territory.name).order_by(func.count().desc())
    )
    stats["territory"], stats["territory_names"] = [], {}
    for territory_id, name, count in rows:
        stats["territory"].append((territory_id, count))
        stats["territory_names"][territory_id] = name
    return stats


def owners(session: Session) -> list[User]:
    """Active staff who can own partners and territories."""
    return list(session.scalars(select(User).where(User.role.in_(["admin", "manager"]), User.is_active).order_by(User.name)))


# Read helpers for pages (added with the web pages) ------------------------------------------------

def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    """Names of the given users, for owner columns of rows the actor already sees."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def partner_names(session: Session, actor: User, ids: Iterable[int | None]) -> dict[int | None, str]:
    """Names of the partners among `ids` that the actor may see (deleted ones included)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = visible(select(Partner.id, Partner.name), actor, Partner).where(Partner.id.in_(wanted))
    return dict(session.execute(stmt).all())


def partner_counts_by_territory(session: Session, actor: User) -> dict[int, int]:
    """Live visible partners per visible territory, each territory counting its whole subtree."""
    direct_stmt = (visible(select(Partner.territory_id, func.count()), actor, Partner)
                   .where(Partner.deleted_at.is_(None)).group_by(Partner.territory_id))
    direct = dict(session.execute(direct_stmt).all())
    paths = dict(session.execute(visible(select(Territory.id, Territory.path), actor, Territory)).all())
    # Visible partners sit in visible territories, so their paths are all in `paths`.
    return {tid: sum(n for other, n in direct.items() if paths.get(other, "").startswith(path))
            for tid, path in paths.items()}


__all__ = ["NotPermitted"]
