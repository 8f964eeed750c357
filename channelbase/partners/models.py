"""Territories, partners, contacts, distributor links and end-customer accounts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin


class PartnerType(StrEnum):
    DISTRIBUTOR = "distributor"
    DMR = "dmr"
    VAR = "var"
    LVAR = "lvar"
    MSP = "msp"
    SI = "si"
    PUBLIC_SECTOR = "public_sector"


PARTNER_TYPE_LABELS: dict[str, str] = {  # keyed by PartnerType, looked up by the stored str
    PartnerType.DISTRIBUTOR: "Distributor",
    PartnerType.DMR: "DMR",
    PartnerType.VAR: "VAR",
    PartnerType.LVAR: "LVAR",
    PartnerType.MSP: "MSP",
    PartnerType.SI: "SI / GSI",
    PartnerType.PUBLIC_SECTOR: "Public-sector reseller",
}


class PartnerStatus(StrEnum):
    PROSPECT = "prospect"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    INACTIVE = "inactive"


class PartnerTier(StrEnum):
    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class ContactRole(StrEnum):
    EXECUTIVE = "executive"
    SALES = "sales"
    PRESALES = "presales"
    MARKETING = "marketing"
    TECHNICAL = "technical"


class Territory(VersionedMixin, Base):
    __tablename__ = "territories"

    name: Mapped[str] = mapped_column(String(120), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), nullable=True, index=True)
    # Materialised path ('/1/4/9/') so "this territory and below" is one indexed LIKE.
    path: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    depth: Mapped[int] = mapped_column(nullable=False, default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")


class Partner(VersionedMixin, Base):
    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_live_name", "deleted_at", "name_key"),
        Index("ix_partners_territory_status", "territory_id", "status"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    legal_name: Mapped[str] = mapped_column(String(250), nullable=False, default="")
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    tier: Mapped[str] = mapped_column(String(20), nullable=False, default=PartnerTier.REGISTERED)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PartnerStatus.PROSPECT, index=True)
    is_priority: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False, index=True)
    city: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    website: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    domain: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # The program whose deal-registration terms apply; None: the default program.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Contact(VersionedMixin, Base):
    __tablename__ = "contacts"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=ContactRole.SALES)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="en")


class PartnerLink(VersionedMixin, Base):
    """A distributor supplies a reseller (two-tier distribution)."""

    __tablename__ = "partner_links"
    __table_args__ = (UniqueConstraint("distributor_id", "reseller_id"),)

    distributor_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)


class Account(VersionedMixin, Base):
    """An end customer that partners sell to."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Covering: a name search scans this index alone, filtering by territory without the table.
        Index("ix_accounts_live_name", "deleted_at", "name_key", "id", "territory_id", "domain", "tax_id"),
        Index("ix_accounts_territory_name", "territory_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    domain: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    industry: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    is_public_sector: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    # The partner that brought the account in, if any; its users may see the account.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
