"""Fiscal calendar, quotas, plan rates (constant currency) and forecast calls."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin
from channelbase.deals.models import RATE_SCALE


class QuotaScope(StrEnum):
    TERRITORY = "territory"
    MANAGER = "manager"
    PARTNER = "partner"


class QuotaMetric(StrEnum):
    BOOKINGS = "bookings"   # closed-won amount
    ARR = "arr"             # annual recurring revenue of closed-won deals (see figures.arr_source)


class ForecastCategory(StrEnum):
    """A deal's forecast call. Open deals default by probability (see standing.default_category); a manager may
    call one differently. Closed-won deals are "closed"; lost ones count nowhere."""

    COMMIT = "commit"
    BEST_CASE = "best_case"
    PIPELINE = "pipeline"
    OMITTED = "omitted"


CATEGORY_LABELS = {ForecastCategory.COMMIT: "Commit", ForecastCategory.BEST_CASE: "Best case",
                   ForecastCategory.PIPELINE: "Pipeline", ForecastCategory.OMITTED: "Omitted"}


class FiscalCalendar(VersionedMixin, Base):
    """One row: the month the fiscal year starts in. FY2027 with start month 3 runs 2026-03-01 to 2027-02-28:
    a fiscal year is named by the calendar year it ends in."""

    __tablename__ = "fiscal_calendar"

    start_month: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class PlanRate(VersionedMixin, Base):
    """Constant currency: the reporting-currency value of one unit of `currency` for a whole fiscal year."""

    __tablename__ = "plan_rates"
    __table_args__ = (UniqueConstraint("fiscal_year", "currency"),)

    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    quote_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, RATE_SCALE), nullable=False)


class Quota(VersionedMixin, Base):
    """An annual quota of one territory, manager or partner, in the reporting currency, split by quarter.

    `target_key` ("territory:5") makes "one quota per target, year and metric" a plain unique constraint
    (NULLs in the three id columns would not collide)."""

    __tablename__ = "quotas"
    __table_args__ = (UniqueConstraint("fiscal_year", "metric", "target_key"),)

    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    metric: Mapped[str] = mapped_column(String(20), nullable=False, default=QuotaMetric.BOOKINGS)
    scope: Mapped[str] = mapped_column(String(12), nullable=False)
    target_key: Mapped[str] = mapped_column(String(40), nullable=False)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    q1_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    q2_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    q3_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    q4_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Set as growth over the prior year's actual: the percentage and the actual it was applied to.
    growth_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    base_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    @property
    def quarters_minor(self) -> tuple[int, int, int, int]:
        return (self.q1_minor, self.q2_minor, self.q3_minor, self.q4_minor)


class ForecastCall(Base):
    """A manager's forecast category for one open deal, overriding the default from its probability."""

    __tablename__ = "forecast_calls"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"),
                                                primary_key=True)
    category: Mapped[str] = mapped_column(String(12), nullable=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
