"""Pydantic input and output shapes of the product catalogue and the FX rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_serializer

from channelbase.core.money import Money, MoneyError, currency_code, format_rate
from channelbase.deals.models import ProductTerm
from channelbase.partners.schemas import Strict


def _no_float(value: Any) -> Any:
    # JSON numbers with decimals arrive as floats, which are not exact: ask for text instead.
    if isinstance(value, float):
        raise MoneyError(f"{value!r} was sent as a JSON number with decimals (a float, not exact): "
                         "send it as a string, e.g. \"1234.56\".")
    return value


def _sku(value: str) -> str:
    return value.strip().upper()


Currency = Annotated[str, AfterValidator(currency_code)]
ExactText = Annotated[str | int, BeforeValidator(_no_float)]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$"),
                AfterValidator(_sku)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Family = Annotated[str, Field(min_length=1, max_length=60)]


class ProductCreate(Strict):
    sku: Sku
    name: Name
    family: Family
    term: ProductTerm
    is_subscription: bool = True
    active: bool = True


class ProductUpdate(Strict):
    """Only the fields given change; `version` is the one the editor loaded."""

    version: int
    sku: Sku | None = None
    name: Name | None = None
    family: Family | None = None
    term: ProductTerm | None = None
    is_subscription: bool | None = None
    active: bool | None = None


class ProductFilter(Strict):
    """Filters shared by the product list page, the API and the CLI."""

    q: str = Field("", max_length=200)
    family: str | None = Field(None, max_length=60)
    term: ProductTerm | None = None
    active: bool | None = None


class PriceIn(Strict):
    """A list price as text ('1234.56', or '1.234,56' with decimal_comma) or a whole number."""

    amount: ExactText
    decimal_comma: bool | None = None


class PriceOut(BaseModel):
    currency: str
    amount: Decimal
    amount_minor: int
    formatted: str

    @classmethod
    def of(cls, money: Money) -> PriceOut:
        return cls(currency=money.currency, amount=money.amount, amount_minor=money.to_minor(),
                   formatted=money.format())


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    family: str
    term: str
    term_months: int | None
    is_subscription: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    prices: list[PriceOut] = []


class RateIn(Strict):
    currency: Currency
    effective_date: date
    rate: ExactText
    decimal_comma: bool | None = None


class RateFilter(Strict):
    currency: Currency | None = None
    date_from: date | None = None
    date_to: date | None = None


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    currency: str
    quote_currency: str
    effective_date: date
    rate: Decimal
    source: str
    updated_at: datetime

    @field_serializer("rate")
    def _rate(self, rate: Decimal) -> str:
        return format_rate(rate)


class ConversionOut(BaseModel):
    amount: Decimal
    currency: str
    on_date: date
    amount_reporting: Decimal
    reporting_currency: str
    rate: Decimal
    rate_date: date
    source: str
    text: str

    @field_serializer("rate")
    def _rate(self, rate: Decimal) -> str:
        return format_rate(rate)


class RowErrorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int
    column: str
    message: str


class ImportReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    filename: str
    rows: int
    created: int
    updated: int
    unchanged: int
    written: bool
    errors: list[RowErrorOut]
