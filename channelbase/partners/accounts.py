"""End-customer accounts: the companies partners sell to."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import InvalidInput
from channelbase.core.names import company_key
from channelbase.core.pagination import Page, keyset_page, paginate
from channelbase.core.validation import domain_from_website
from channelbase.partners.common import (
    check_version, refuse_duplicate, require_territory_in_scope, restore, soft_delete, validated_tax_id,
)
from channelbase.partners.territories import territory_and_below
from channelbase.partners.models import Account, Partner
from channelbase.partners.schemas import AccountCreate, AccountFilter, AccountUpdate

ACCOUNT_SORTS = {"name": (Account.name_key, False), "-name": (Account.name_key, True),
                 "country": (Account.country, False), "-country": (Account.country, True),
                 "updated": (Account.updated_at, True)}


def _refuse_duplicate_account(session, actor, account: Account, exclude_id=None) -> None:
    refuse_duplicate(session, actor, Account, label="Account", url_prefix="/accounts", name_key=account.name_key,
                     tax_id=account.tax_id, domain=account.domain, exclude_id=exclude_id)


def _territory_for_partner_user(session: Session, actor: User) -> int | None:
    return session.scalar(select(Partner.territory_id).where(Partner.id == actor.partner_id))


def create_account(session: Session, actor: User, data: AccountCreate) -> Account:
    """Add an end customer. Partner users' accounts are tied to their partner and its territory."""
    values = data.model_dump(exclude={"website"})
    if actor.is_partner:
        values["partner_id"] = actor.partner_id
        values["territory_id"] = _territory_for_partner_user(session, actor)
    else:
        if data.territory_id is None:
            raise InvalidInput("Pick the account's territory.", field_errors={"territory_id": "required"})
        require_territory_in_scope(session, actor, data.territory_id)
        if data.partner_id is not None:
            get_visible(session, actor, Partner, data.partner_id)
    account = Account(**values, name_key=company_key(data.name), domain=domain_from_website(data.website) or None)
    account.tax_id = validated_tax_id(account.country, account.tax_id)
    _refuse_duplicate_account(session, actor, account)
    session.add(account)
    audit.record(session, actor, "create", account, None)
    return account


def update_account(session: Session, actor: User, account_id: int, data: AccountUpdate) -> Account:
    account = get_visible(session, actor, Account, account_id)
    check_version(session, account, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "territory_id" in changes:
        if actor.is_partner:
            raise InvalidInput("Only your channel manager can move an account to another territory.",
                               field_errors={"territory_id": "not allowed"})
        require_territory_in_scope(session, actor, changes["territory_id"])
    before = audit.snapshot(account)
    website = changes.pop("website", None)
    for key, value in changes.items():
        if value is not None or key == "tax_id":
            setattr(account, key, value)
    if website is not None:
        account.domain = domain_from_website(website) or None
    account.name_key = company_key(account.name)
    account.tax_id = validated_tax_id(account.country, account.tax_id)
    _refuse_duplicate_account(session, actor, account, exclude_id=account.id)
    audit.record(session, actor, "update", account, before)
    return account


def delete_account(session: Session, actor: User, account_id: int) -> Account:
    """Soft-delete an account; it can be restored."""
    return soft_delete(session, actor, get_visible(session, actor, Account, account_id))


def restore_account(session: Session, actor: User, account_id: int) -> Account:
    """Bring back a soft-deleted account, unless a live one now has its name, tax id or domain."""
    account = get_visible(session, actor, Account, account_id, include_deleted=True)
    return restore(session, actor, account, _refuse_duplicate_account)


def get_account(session: Session, actor: User, account_id: int, include_deleted: bool = False) -> Account:
    return get_visible(session, actor, Account, account_id, include_deleted=include_deleted)


def account_query(actor: User, filters: AccountFilter):
    stmt = visible(select(Account), actor)
    stmt = stmt.where(Account.deleted_at.is_not(None) if filters.deleted else Account.deleted_at.is_(None))
    if filters.q:
        key = company_key(filters.q)
        text = filters.q.strip().lower()
        conditions = [Account.domain == text.removeprefix("www."), Account.tax_id == text.upper()]
        if key:
            conditions.append(Account.name_key.contains(key, autoescape=True))
        stmt = stmt.where(or_(*conditions))
    if filters.country:
        stmt = stmt.where(Account.country == filters.country)
    if filters.public_sector is not None:
        stmt = stmt.where(Account.is_public_sector == filters.public_sector)
    if filters.industry:
        stmt = stmt.where(Account.industry == filters.industry)
    if filters.territory_id is not None:
        stmt = stmt.where(Account.territory_id.in_(territory_and_below(filters.territory_id)))
    return stmt


def list_accounts(session: Session, actor: User, filters: AccountFilter, *, sort: str = "name",
                  page: int = 1, per_page: int = 25) -> Page[Account]:
    column, descending = ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["name"])
    stmt = account_query(actor, filters).order_by(column.desc() if descending else column.asc(), Account.id)
    return paginate(session, stmt, page, per_page)


def list_accounts_after(session: Session, actor: User, filters: AccountFilter, *, sort: str = "name",
                        cursor: str | None = None, limit: int = 50):
    column = {"name": Account.name_key, "id": Account.id}.get(sort.lstrip("-"))
    if column is None:
        raise InvalidInput("sort must be one of: name, -name, id, -id")
    return keyset_page(session, account_query(actor, filters), column, Account.id, sort.startswith("-"), cursor, limit)


def partner_accounts(session: Session, actor: User, partner_id: int, limit: int = 100) -> list[Account]:
    """Live accounts the partner brought in, as far as the actor may see them (added with the web pages)."""
    stmt = (visible(select(Account), actor).where(Account.partner_id == partner_id, Account.deleted_at.is_(None))
            .order_by(Account.name_key, Account.id).limit(limit))
    return list(session.scalars(stmt))
