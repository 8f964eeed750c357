"""The weight of each health component: set by an admin (whole numbers adding up to 100), the defaults while
none is stored; saved as a whole table, audited, and refused when someone saved it after the editor loaded it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import StaleEdit
from channelbase.deals.fx import require_admin, require_staff
from channelbase.health import access  # noqa: F401  (registers the visibility rules of health rows)
from channelbase.health.components import COMPONENT_KEYS, DEFAULT_WEIGHTS
from channelbase.health.models import HealthWeight
from channelbase.health.schemas import HealthWeightsIn


@dataclass(frozen=True)
class Weights:
    values: dict[str, int]  # every component's weight
    defaulted: bool  # nothing stored: the defaults
    stamp: str  # changes whenever a stored row does: the form's optimistic lock


def _stamp(rows: list[HealthWeight]) -> str:
    text = ";".join(f"{row.id}:{row.version}" for row in sorted(rows, key=lambda r: r.id))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored(session: Session, actor: User) -> list[HealthWeight]:
    return list(session.scalars(visible(select(HealthWeight), actor).order_by(HealthWeight.id)))


def _weights(rows: list[HealthWeight]) -> Weights:
    stored = {row.component: row.weight for row in rows if row.component in COMPONENT_KEYS}
    if not stored:
        return Weights(dict(DEFAULT_WEIGHTS), True, _stamp(rows))
    # A component added after the admin saved counts for nothing until they give it a weight.
    return Weights({key: stored.get(key, 0) for key in COMPONENT_KEYS}, False, _stamp(rows))


def current_weights(session: Session, actor: User) -> Weights:
    """The weights in force (staff read them)."""
    require_staff(actor, "read the health weights")
    return _weights(_stored(session, actor))


def weights_in_force(session: Session) -> dict[str, int]:
    """The weights the daily snapshot uses (no actor: the job scores every partner)."""
    return _weights(list(session.scalars(select(HealthWeight)))).values


def _stale(session: Session) -> StaleEdit:
    change = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == HealthWeight.__tablename__)
                             .order_by(AuditEntry.id.desc()).limit(1)).first()
    who = change.actor_label if change else "someone"
    when = change.at.strftime("%Y-%m-%d %H:%M UTC") if change else "a moment ago"
    return StaleEdit(f"The health weights were changed by {who} at {when} after you opened them. "
                     "Review the weights shown now and save again.")


def _write(session: Session, actor: User, rows: list[HealthWeight], weights: dict[str, int]) -> int:
    by_key = {row.component: row for row in rows}
    changed = 0
    for key in COMPONENT_KEYS:
        row = by_key.get(key)
        if row is None:
            row = HealthWeight(component=key, weight=weights[key])
            session.add(row)
            session.flush()
            audit.record(session, actor, "create", row, None)
        elif row.weight != weights[key]:
            before = audit.snapshot(row)
            row.weight = weights[key]
            audit.record(session, actor, "update", row, before)
        else:
            continue
        changed += 1
    return changed


def save_weights(session: Session, actor: User, data: HealthWeightsIn) -> int:
    """Store every component's weight (admins only); returns how many changed."""
    require_admin(actor, "change the health weights")
    rows = _stored(session, actor)
    if _stamp(rows) != data.stamp:
        raise _stale(session)
    try:
        return _write(session, actor, rows, data.weights)
    except (IntegrityError, StaleDataError):
        # Another admin saved between our read and our write.
        session.rollback()
        raise _stale(session) from None
