"""The product catalogue with list prices per currency, and the FX-rate table roll-ups convert with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, VersionedMixin
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
