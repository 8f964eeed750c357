"""One primary contact per partner after an import: the contacts a file makes primary take the place of the
ones that were, each change audited and versioned like an edit on the contact's page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.imports import bulk
from channelbase.imports.creates import AUDIT_COLUMNS, AUDIT_TABLE
from channelbase.partners.models import Contact

CHUNK = 500  # ids per IN list: well under SQLite's bound-variable limit


def unset_other_primaries(session: Session, actor_id: int, chosen: list[int], now: datetime) -> int:
    """Other primary contacts of the partners of `chosen` contacts become not primary; how many did."""
    chosen_ids = set(chosen)
    partners: set[int] = set()
    for start in range(0, len(chosen), CHUNK):
        partners.update(session.scalars(select(Contact.partner_id).where(Contact.id.in_(chosen[start:start + CHUNK]))))
    others: list[tuple[int, int]] = []
    ordered = sorted(partners)
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(select(Contact.id, Contact.version)
                               .where(Contact.partner_id.in_(ordered[start:start + CHUNK]), Contact.is_primary))
        others += [(contact_id, version) for contact_id, version in rows if contact_id not in chosen_ids]
    if not others:
        return 0
    for start in range(0, len(others), CHUNK):
        ids = [contact_id for contact_id, _version in others[start:start + CHUNK]]
        session.execute(update(Contact).where(Contact.id.in_(ids))
                        .values(is_primary=False, version=Contact.version + 1, updated_at=now)
                        .execution_options(synchronize_session=False))
    actor = session.get_one(User, actor_id)
    bulk.insert_rows(session, AUDIT_TABLE, AUDIT_COLUMNS,
                     [("update", contact_id, {"is_primary": True, "version": version},
                       {"is_primary": False, "version": version + 1}) for contact_id, version in others],
                     {"at": now, "actor_id": actor.id, "actor_label": actor.label, "entity_type": "contacts"})
    return len(others)
