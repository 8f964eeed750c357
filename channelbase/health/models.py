"""Tables of health: the weights an admin gives each component, and one stored score per partner per day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, VersionedMixin


class HealthWeight(VersionedMixin, Base):
    """How much one component counts in the score (0–100; all of them add up to 100)."""

    __tablename__ = "health_weights"
    __table_args__ = (CheckConstraint("weight >= 0 AND weight <= 100", name="weight_in_range"),)

    component: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)


class HealthSnapshot(TimestampedMixin, Base):
    """A partner's score on one day with the components behind it, kept for its history."""

    __tablename__ = "health_snapshots"
    __table_args__ = (
        UniqueConstraint("partner_id", "day"),
        Index("ix_health_snapshots_day", "day"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    # None: no component applied (nothing known about the partner yet).
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1), nullable=True)
    # [{"key", "score", "weight", "explanation", "evidence"}, ...] as computed that day.
    components: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
