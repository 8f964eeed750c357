"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from channelbase.core.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(50), nullable=False)
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before, after = self.before or {}, self.after or {}
        keys = [k for k in {**before, **after} if k not in ("version", "updated_at")]
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


_SKIPPED = {"created_at", "updated_at", "password_hash"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Column values (dates, decimals, enums) as an audit entry stores them."""
    return {name: _jsonable(value) for name, value in values.items()}


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of a row, ready to store as JSON."""
    return {
        column.key: _jsonable(getattr(obj, column.key))
        for column in obj.__mapper__.column_attrs
        if column.key not in _SKIPPED
    }


def record(session: Session, actor: Any, action: str, obj: Any, before: dict | None) -> AuditEntry:
    """Write one audit entry; call after the change is flushed so the id and after-values exist."""
    session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "label", None) or str(actor),
        action=action,
        entity_type=obj.__tablename__,
        entity_id=obj.id,
        before=before,
        after=None if action == "purge" else snapshot(obj),
    )
    session.add(entry)
    return entry


def history(session: Session, entity_type: str, entity_id: int, limit: int = 50) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def last_change(session: Session, entity_type: str, entity_id: int) -> AuditEntry | None:
    entries = history(session, entity_type, entity_id, limit=1)
    return entries[0] if entries else None
