"""Rules shared by the directory's services: permission to write, duplicates, stale edits."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import condition, managed_territory_ids
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotPermitted, StaleEdit
from channelbase.core.validation import normalize_tax_id
from channelbase.partners.models import Account, Partner, Territory

SoftDeletable = TypeVar("SoftDeletable", Partner, Account)


def require_staff(actor: User, what: str) -> None:
    if not actor.is_staff:
        raise NotPermitted(f"Only channel managers and admins may {what}.")


def require_territory_in_scope(session: Session, actor: User, territory_id: int) -> Territory:
    """The territory, if the actor may put records in it (admins anywhere, managers in their own)."""
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise InvalidInput(f"No territory #{territory_id}.", field_errors={"territory_id": "not found"})
    if actor.role == Role.MANAGER and territory.id not in set(session.scalars(managed_territory_ids(actor))):
        raise InvalidInput(
            f"Territory '{territory.name}' is not one of yours; pick a territory you own or ask an admin.",
            field_errors={"territory_id": "not one of your territories"},
        )
    return territory


def require_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_staff or not owner.is_active:
        raise InvalidInput("The owner must be an active manager or admin.", field_errors={"owner_id": "not a manager"})


def check_version(session: Session, obj, version: int) -> None:
    """Refuse an edit made on an older version than the one stored."""
    if obj.version != version:
        change = audit.last_change(session, obj.__tablename__, obj.id)
        who = change.actor_label if change else "someone"
        when = change.at.strftime("%Y-%m-%d %H:%M UTC") if change else "a moment ago"
        raise StaleEdit(f"This record was changed by {who} at {when} after you opened it. Review and retry.")


def validated_tax_id(country: str, tax_id: str | None) -> str | None:
    if not tax_id:
        return None
    try:
        return normalize_tax_id(country, tax_id)
    except ValueError as exc:
        raise InvalidInput(str(exc), field_errors={"tax_id": str(exc)}) from None


def refuse_duplicate(session: Session, actor: User, model, *, label: str, url_prefix: str,
                     name_key: str, tax_id: str | None, domain: str | None, exclude_id: int | None = None) -> None:
    """Raise Duplicate when a live row shares the tax id, web domain or normalised name."""
    existing = None
    # One exact lookup per key: each uses its own index, where an OR of the three may scan the table.
    for column, value in ((model.tax_id, tax_id), (model.domain, domain), (model.name_key, name_key)):
        if value and existing is None:
            stmt = select(model).where(model.deleted_at.is_(None), column == value)
            if exclude_id is not None:
                stmt = stmt.where(model.id != exclude_id)
            existing = session.scalars(stmt.limit(1)).first()
    if existing is None:
        return
    reason = ("tax id" if tax_id and existing.tax_id == tax_id
              else "web domain" if domain and existing.domain == domain else "name")
    can_see = session.scalar(select(model.id).where(model.id == existing.id, condition(model, actor)))
    if can_see:
        raise Duplicate(
            f"{label} '{existing.name}' (#{existing.id}) already has this {reason}. Open it instead of adding a copy.",
            field_errors={_field_for(reason): "already used"}, link=f"{url_prefix}/{existing.id}",
        )
    raise Duplicate(f"A {label.lower()} with this {reason} already exists. Ask your channel manager to share it.",
                    field_errors={_field_for(reason): "already used"})


def _field_for(reason: str) -> str:
    return {"tax id": "tax_id", "web domain": "website", "name": "name"}[reason]


def soft_delete(session: Session, actor: User, row: SoftDeletable) -> SoftDeletable:
    """Mark a visible row deleted (it leaves lists and can be restored); staff only."""
    require_staff(actor, f"delete {row.__tablename__}")
    before = audit.snapshot(row)
    row.deleted_at = utcnow()
    audit.record(session, actor, "delete", row, before)
    return row


def restore(session: Session, actor: User, row: SoftDeletable, refuse_duplicate_of) -> SoftDeletable:
    """Undo a soft delete, unless a live row has taken its name, tax id or domain meanwhile."""
    require_staff(actor, f"restore {row.__tablename__}")
    if row.deleted_at is None:
        raise Conflict(f"'{row.name}' is not deleted.")
    refuse_duplicate_of(session, actor, row, exclude_id=row.id)
    before = audit.snapshot(row)
    row.deleted_at = None
    audit.record(session, actor, "restore", row, before)
    return row
