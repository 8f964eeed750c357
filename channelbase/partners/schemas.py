"""Pydantic input and output shapes of the partner directory."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from channelbase.core.api_errors import NUL_CHARACTER
from channelbase.core.validation import domain_from_website, normalize_country, normalize_tax_id
from channelbase.partners.models import ContactRole, PartnerStatus, PartnerTier, PartnerType


def _currency(code: str) -> str:
    value = code.strip().upper()
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError(f"'{code}' is not an ISO 4217 currency code (e.g. USD, BRL, MXN)")
    return value


def _country(code: str) -> str:
    return normalize_country(code)


Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Language = Annotated[str, Field(pattern=r"^(en|es|pt)$")]


def _no_nul(value: Any) -> Any:
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise ValueError(NUL_CHARACTER)
    return value


class Strict(BaseModel):
    """Every input shape: unknown fields refused, text stripped and free of the NUL character."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    # PostgreSQL cannot store NUL in text (a 500 there, silently kept on SQLite): refuse it on both.
    _text_without_nul = field_validator("*")(_no_nul)


class _TaxIdAndWebsite(Strict):
    @field_validator("website", check_fields=False)
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value:
            domain_from_website(value)
        return value

    @field_validator("tax_id", check_fields=False)
    @classmethod
    def _tax_id_for_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        # `country` is declared before `tax_id`, so it is already parsed here. Without a country
        # (a partial update) the service checks the id against the stored country.
        country = info.data.get("country")
        if value and country:
            return normalize_tax_id(country, value)
        return value or None


class PartnerCreate(_TaxIdAndWebsite):
    name: Name
    legal_name: str = Field("", max_length=250)
    type: PartnerType
    tier: PartnerTier = PartnerTier.REGISTERED
    status: PartnerStatus = PartnerStatus.PROSPECT
    is_priority: bool = False
    owner_id: int | None = None
    territory_id: int
    country: Country
    city: str = Field("", max_length=120)
    currency: Currency = "USD"
    website: str = Field("", max_length=255)
    tax_id: str | None = Field(None, max_length=32)
    program_id: int | None = None  # None: the default program's registration terms apply


class PartnerUpdate(_TaxIdAndWebsite):
    """Only the fields given change; `version` is the one the editor loaded."""

    version: int
    name: Name | None = None
    legal_name: str | None = Field(None, max_length=250)
    type: PartnerType | None = None
    tier: PartnerTier | None = None
    status: PartnerStatus | None = None
    is_priority: bool | None = None
    owner_id: int | None = None
    territory_id: int | None = None
    country: Country | None = None
    city: str | None = Field(None, max_length=120)
    currency: Currency | None = None
    website: str | None = Field(None, max_length=255)
    tax_id: str | None = Field(None, max_length=32)
    program_id: int | None = None  # sent empty: back to the default program


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    legal_name: str
    type: str
    tier: str
    status: str
    is_priority: bool
    owner_id: int | None
    territory_id: int
    country: str
    city: str
    currency: str
    website: str
    domain: str | None
    tax_id: str | None
    program_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ContactCreate(Strict):
    partner_id: int
    name: Name
    email: EmailStr
    phone: str = Field("", max_length=40, pattern=r"^[0-9+()\-. ]*$")
    role: ContactRole = ContactRole.SALES
    is_primary: bool = False
    language: Language = "en"


class ContactUpdate(Strict):
    version: int
    name: Name | None = None
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+()\-. ]*$")
    role: ContactRole | None = None
    is_primary: bool | None = None
    language: Language | None = None


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    partner_id: int
    name: str
    email: str
    phone: str
    role: str
    is_primary: bool
    language: str
    version: int


class AccountCreate(_TaxIdAndWebsite):
    name: Name
    website: str = Field("", max_length=255)
    country: Country
    industry: str = Field("", max_length=80)
    is_public_sector: bool = False
    tax_id: str | None = Field(None, max_length=32)
    territory_id: int | None = None
    partner_id: int | None = None


class AccountUpdate(_TaxIdAndWebsite):
    version: int
    name: Name | None = None
    website: str | None = Field(None, max_length=255)
    country: Country | None = None
    industry: str | None = Field(None, max_length=80)
    is_public_sector: bool | None = None
    tax_id: str | None = Field(None, max_length=32)
    territory_id: int | None = None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    domain: str | None
    country: str
    industry: str
    is_public_sector: bool
    tax_id: str | None
    territory_id: int
    partner_id: int | None
    version: int
    deleted_at: datetime | None


class TerritoryCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    parent_id: int | None = None
    owner_id: int | None = None
    currency: Currency = "USD"


class TerritoryUpdate(Strict):
    version: int
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    owner_id: int | None = None
    currency: Currency | None = None


class TerritoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int
    owner_id: int | None
    currency: str
    version: int


class LinkCreate(Strict):
    distributor_id: int
    reseller_id: int


class PartnerFilter(Strict):
    """Filters shared by the partner list page, the API and the CLI."""

    q: str = Field("", max_length=200)
    type: PartnerType | None = None
    tier: PartnerTier | None = None
    status: PartnerStatus | None = None
    territory_id: int | None = None
    country: Country | None = None
    priority: bool | None = None
    owner_id: int | None = None
    deleted: bool = False


class AccountFilter(Strict):
    q: str = Field("", max_length=200)
    country: Country | None = None
    territory_id: int | None = None
    public_sector: bool | None = None
    industry: str | None = Field(None, max_length=80)
    deleted: bool = False
