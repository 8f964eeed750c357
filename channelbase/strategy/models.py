"""Tables of strategy: one channel strategy per territory and fiscal year."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, VersionedMixin


class TerritoryStrategy(VersionedMixin, Base):
    """What a territory's manager means to build in a fiscal year: how many partners of each type, the
    industries and products to focus on, and the goals in their own words. Saving again edits this row."""

    __tablename__ = "territory_strategies"
    __table_args__ = (
        UniqueConstraint("territory_id", "fiscal_year"),
        CheckConstraint("fiscal_year >= 2000 AND fiscal_year <= 2100", name="fiscal_year_in_range"),
    )

    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), nullable=False)
    # Named like growth's fiscal years: by the calendar year the fiscal year ends in.
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    # {partner type: how many partners of that type the territory should have}; types without a target are absent.
    partner_mix: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    industries: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Product SKUs, or product family names, as resolved against the catalogue when saved.
    products: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    goals: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
