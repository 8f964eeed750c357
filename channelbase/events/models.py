"""External events and webinars: the partners taking part, who attended, and the leads captured there."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, VersionedMixin
from channelbase.core.money import Money


class EventKind(StrEnum):
    EVENT = "event"
    WEBINAR = "webinar"
    TRADE_SHOW = "trade_show"


EVENT_KIND_LABELS = {EventKind.EVENT: "Event", EventKind.WEBINAR: "Webinar", EventKind.TRADE_SHOW: "Trade show"}


class PartnerRole(StrEnum):
    EXHIBITOR = "exhibitor"
    SPONSOR = "sponsor"
    ATTENDEE = "attendee"


PARTNER_ROLE_LABELS = {PartnerRole.EXHIBITOR: "Exhibitor", PartnerRole.SPONSOR: "Sponsor",
                       PartnerRole.ATTENDEE: "Attendee"}


class LeadStatus(StrEnum):
    NEW = "new"
    ACCOUNT = "account"  # an end-customer account was created for it, or an existing one linked
    REGISTERED = "registered"  # a deal registration was submitted for it
    DISCARDED = "discarded"


LEAD_STATUS_LABELS = {LeadStatus.NEW: "New", LeadStatus.ACCOUNT: "Account", LeadStatus.REGISTERED: "Registered",
                      LeadStatus.DISCARDED: "Discarded"}
CONVERTED_STATUSES = (LeadStatus.ACCOUNT, LeadStatus.REGISTERED)


class AccountSource(StrEnum):
    CREATED = "created"
    LINKED = "linked"  # the account existed already (same web domain or company name): not duplicated


class Event(VersionedMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_territory_starts", "territory_id", "starts_on"),
        Index("ix_events_ends_on", "ends_on"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # for events and trade shows
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # for webinars (optional otherwise)
    cost_minor: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")

    @property
    def cost(self) -> Money:
        return Money.from_minor(self.cost_minor, self.currency)

    @property
    def online(self) -> bool:
        return self.kind == EventKind.WEBINAR


class EventPartner(TimestampedMixin, Base):
    """A partner taking part in an event: exhibiting, sponsoring or attending."""

    __tablename__ = "event_partners"
    __table_args__ = (UniqueConstraint("event_id", "partner_id"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(12), nullable=False, default=PartnerRole.ATTENDEE)


class EventAttendee(TimestampedMixin, Base):
    """A person at the event; matched by e-mail to a partner's contact when there is one."""

    __tablename__ = "event_attendees"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)  # stored lower-case
    company: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True)
    attended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class EventLead(VersionedMixin, Base):
    """A prospective end customer met at the event, to be turned into an account or a deal registration."""

    __tablename__ = "event_leads"
    __table_args__ = (Index("ix_event_leads_event_status", "event_id", "status"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    domain: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The partner to follow the lead up; a bulk registration sets it to the registering partner.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=LeadStatus.NEW)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    account_source: Mapped[str | None] = mapped_column(String(8), nullable=True)  # AccountSource
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), nullable=True, index=True)
