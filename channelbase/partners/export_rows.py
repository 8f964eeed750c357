"""Rows of the directory's exports (partners, contacts, accounts): the list pages' own queries, filters and
sort, every matching row, with the names the pages show instead of ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.batches import Enricher, RowSource, query_source
from channelbase.partners import service, territories
from channelbase.partners.accounts import ACCOUNT_SORTS, account_query
from channelbase.partners.models import Account, Contact, Partner
from channelbase.partners.schemas import AccountFilter, PartnerFilter
from channelbase.partners.service import PARTNER_SORTS, partner_query


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    territory: str | None
    owner: str | None


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    partner: str | None


@dataclass(frozen=True)
class AccountRow:
    account: Account
    territory: str | None
    partner: str | None


def territory_names(session: Session, actor: User) -> dict[int, str]:
    """Names of the territories the actor sees (a few hundred at most: read once per export)."""
    return {t.id: t.name for t in territories.list_territories(session, actor)}


def partners(actor: User, filters: PartnerFilter, sort: str) -> RowSource:
    """The partners of the list page with these filters, in its order (`list_partners`)."""
    column, descending = PARTNER_SORTS.get(sort, PARTNER_SORTS["name"])
    stmt = partner_query(actor, filters).order_by(column.desc() if descending else column.asc(), Partner.id)

    def enricher(session: Session) -> Enricher:
        names = territory_names(session, actor)

        def rows(batch: Sequence[Partner]) -> Iterator[PartnerRow]:
            owners = service.staff_names(session, (p.owner_id for p in batch))
            return (PartnerRow(p, names.get(p.territory_id), owners.get(p.owner_id)) for p in batch)
        return rows

    return query_source(stmt, enricher)


def contact_query(actor: User, q: str = ""):
    """The contacts list's select (`service.list_contacts`), ordered as the page orders it."""
    stmt = visible(select(Contact), actor)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Contact.name).like(like), Contact.email.like(like)))
    return stmt.order_by(Contact.is_primary.desc(), Contact.name, Contact.id)


def contacts(actor: User, q: str = "") -> RowSource:
    def enricher(session: Session) -> Enricher:
        def rows(batch: Sequence[Contact]) -> Iterator[ContactRow]:
            names = service.partner_names(session, actor, (c.partner_id for c in batch))
            return (ContactRow(c, names.get(c.partner_id)) for c in batch)
        return rows

    return query_source(contact_query(actor, q), enricher)


def accounts(actor: User, filters: AccountFilter, sort: str) -> RowSource:
    """The accounts of the list page with these filters, in its order (`accounts.list_accounts`)."""
    column, descending = ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["name"])
    stmt = account_query(actor, filters).order_by(column.desc() if descending else column.asc(), Account.id)

    def enricher(session: Session) -> Enricher:
        names = territory_names(session, actor)

        def rows(batch: Sequence[Account]) -> Iterator[AccountRow]:
            brought_by = service.partner_names(session, actor, (a.partner_id for a in batch))
            return (AccountRow(a, names.get(a.territory_id), brought_by.get(a.partner_id)) for a in batch)
        return rows

    return query_source(stmt, enricher)

