"""The product catalogue with list prices per currency, and the FX-rate table roll-ups convert with."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, UTCDateTime, VersionedMixin
from channelbase.core.money import Money

RATE_SCALE = 12  # weak currencies (ARS at 0.00056 USD) still keep 8+ significant digits


class ProductTerm(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    TWO_YEAR = "2-year"
    THREE_YEAR = "3-year"
    FIVE_YEAR = "5-year"
    PERPETUAL = "perpetual"
    ONE_TIME = "one-time"


# Contract months of a term (ACV/TCV need them); None: no contract length.
TERM_MONTHS = {ProductTerm.MONTHLY: 1, ProductTerm.ANNUAL: 12, ProductTerm.TWO_YEAR: 24, ProductTerm.THREE_YEAR: 36,
               ProductTerm.FIVE_YEAR: 60, ProductTerm.PERPETUAL: None, ProductTerm.ONE_TIME: None}


class Product(VersionedMixin, Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    family: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    term: Mapped[str] = mapped_column(String(20), nullable=False)
    is_subscription: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def term_months(self) -> int | None:
        return TERM_MONTHS.get(ProductTerm(self.term))


class ProductPrice(TimestampedMixin, Base):
    """A product's list price in one currency, in integer minor units (never a float)."""

    __tablename__ = "product_prices"
    __table_args__ = (UniqueConstraint("product_id", "currency"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    list_price_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)

    @property
    def list_price(self) -> Money:
        return Money.from_minor(self.list_price_minor, self.currency)


class FxRate(TimestampedMixin, Base):
    """`rate` units of `quote_currency` (the reporting currency when it was entered) buy 1 unit of
    `currency`, from `effective_date` until the next rate of the currency.

    The quote currency is stored so that changing CHANNELBASE_REPORTING_CURRENCY makes old rates
    missing (a clear error) instead of silently wrong."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("currency", "quote_currency", "effective_date"),)

    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    quote_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(24, RATE_SCALE), nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="admin")


# Programs, stages, registrations and opportunities ------------------------------------------------

class Program(VersionedMixin, Base):
    """A partner program's deal-registration terms. Partners without one follow the default program."""

    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    registration_days: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    max_extensions: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    decision_sla_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=48)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class StageOutcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Stage(VersionedMixin, Base):
    """A pipeline stage: its place on the board and the default probability of its deals."""

    __tablename__ = "stages"

    key: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    probability: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(4), nullable=False, default=StageOutcome.OPEN)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def is_open(self) -> bool:
        return self.outcome == StageOutcome.OPEN


class RegistrationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONVERTED = "converted"
    EXPIRED = "expired"


class Registration(VersionedMixin, Base):
    """A partner's claim on a deal: the customer, what and how much, and the vendor's decision."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_territory_status", "territory_id", "status", "id"),
        Index("ix_registrations_status_expires", "status", "expires_on"),
        # My day's decision queue: the oldest submitted registrations first, without sorting them all.
        Index("ix_registrations_status_submitted", "status", "submitted_at", "territory_id"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    hidden_from_distributor: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    customer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    customer_domain: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    customer_country: Mapped[str] = mapped_column(String(2), nullable=False)
    customer_tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expected_close_date: Mapped[date] = mapped_column(Date, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=RegistrationStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    extensions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extension_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    extension_request_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What the conflict check found at submission (how many, the best score); the review page re-checks.
    conflict_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    conflict_score: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    @property
    def reference(self) -> str:
        return f"REG-{self.id:06d}"


class RegistrationProduct(TimestampedMixin, Base):
    __tablename__ = "registration_products"
    __table_args__ = (UniqueConstraint("registration_id", "product_id"),)

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class OpportunitySource(StrEnum):
    PARTNER = "partner"
    VENDOR = "vendor"
    CO_SELL = "co_sell"


SOURCE_LABELS = {OpportunitySource.PARTNER: "Partner-sourced", OpportunitySource.VENDOR: "Vendor-sourced",
                 OpportunitySource.CO_SELL: "Co-sell"}


class Opportunity(VersionedMixin, Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        # Covering the totals the rollup cannot answer (search, partner, source...): read from the index alone.
        Index("ix_opportunities_totals", "outcome", "currency", "close_date", "stage_id", "territory_id",
              "amount_minor", "probability"),
        # The pipeline list as it opens: open deals, soonest close first.
        Index("ix_opportunities_outcome_close", "outcome", "close_date", "id"),
        Index("ix_opportunities_territory_close", "territory_id", "outcome", "close_date"),
        Index("ix_opportunities_partner_outcome", "partner_id", "outcome"),
        # The board: one stage's deals, soonest close first.
        Index("ix_opportunities_stage_close", "stage_id", "close_date", "id"),
        # My day: open deals whose stage has not changed for N days, oldest change first.
        Index("ix_opportunities_outcome_stalled", "outcome", "stage_changed_at", "territory_id", "close_date"),
        # The pipeline's sorts, as an index walk that stops after one page rather than a sort of every deal a
        # region sees (a top-25 of 214,590 open deals: 170 ms on PostgreSQL); close date also serves date ranges.
        Index("ix_opportunities_close", "close_date", "id"),
        Index("ix_opportunities_amount", "amount_minor"),
        Index("ix_opportunities_updated", "updated_at"),
        # A manager's totals and counts the rollup cannot answer (a partner type, stalled deals), read from the
        # index alone (with the visibility map VACUUM keeps): a region's 214,590 open deals in 20 ms, not 140.
        Index("ix_opportunities_territory_totals", "territory_id", "outcome", "partner_id", "stage_changed_at",
              "stage_id", "currency", "close_date", "amount_minor", "probability"),
        # Search by any part of the name (ILIKE '%fuent%'): trigrams on PostgreSQL; a plain index on SQLite.
        Index("ix_opportunities_name_search", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    hidden_from_distributor: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), nullable=True, unique=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    close_date: Mapped[date] = mapped_column(Date, nullable=False)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False, index=True)
    # The stage's outcome, kept on the row so "open pipeline" needs no join.
    outcome: Mapped[str] = mapped_column(String(4), nullable=False, default=StageOutcome.OPEN)
    probability: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False, default=OpportunitySource.PARTNER)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    next_step: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    @property
    def is_open(self) -> bool:
        return self.outcome == StageOutcome.OPEN


class OpportunityProduct(TimestampedMixin, Base):
    __tablename__ = "opportunity_products"
    __table_args__ = (UniqueConstraint("opportunity_id", "product_id"),)

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class StageChange(Base):
    """One move of an opportunity between stages (or its creation): velocity and stalled deals."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (Index("ix_opportunity_stage_changes_opportunity", "opportunity_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"), nullable=True)
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)


class PipelineRollup(Base):
    """Open and closed deals summed by territory, stage, currency and close date, kept in step with
    `opportunities` on every write (see deals/rollup.py): pipeline totals read a few thousand rows
    here instead of hundreds of thousands of deals. Derived data: `channelbase pipeline rebuild`
    recomputes it from the deals."""

    __tablename__ = "opportunity_rollup"
    __table_args__ = (
        UniqueConstraint("territory_id", "stage_id", "currency", "close_date"),
        Index("ix_opportunity_rollup_totals", "outcome", "territory_id", "currency", "close_date", "stage_id",
              "deals", "amount_minor", "weighted_minor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), nullable=False)
    outcome: Mapped[str] = mapped_column(String(4), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    close_date: Mapped[date] = mapped_column(Date, nullable=False)
    deals: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Sum of amount_minor x probability (percent): divided by 100 when converted.
    weighted_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)


# The listeners that keep the rollup in step must exist before any opportunity is written.
from channelbase.deals import rollup as _rollup  # noqa: E402,F401
