"""What events, their partners, attendees and leads take, checked at the edge with a message per field."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import EmailStr, Field, ValidationInfo, field_validator

from channelbase.core.money import Money, MoneyError, parse_number
from channelbase.core.validation import domain_from_website, normalize_country
from channelbase.deals.deal_schemas import DealDate
from channelbase.deals.schemas import Currency, ExactText
from channelbase.events.models import EventKind, LeadStatus, PartnerRole
from channelbase.partners.schemas import Strict

TAB_UPCOMING, TAB_PAST = "upcoming", "past"


def _required_text(value: str, message: str) -> str:
    if not value:
        raise ValueError(message)
    return value


class EventIn(Strict):
    # Declared in this order on purpose: later fields' checks read the earlier ones (kind, dates, currency).
    name: str = Field("", max_length=200, validate_default=True)
    kind: EventKind
    starts_on: date | None = Field(None, validate_default=True)
    ends_on: date | None = Field(None, validate_default=True)
    place: str = Field("", max_length=300, validate_default=True)
    url: str = Field("", max_length=500, validate_default=True)
    currency: Currency = "USD"
    cost: ExactText = Field("0", validate_default=True)
    territory_id: int
    owner_id: int | None = None
    description: str = Field("", max_length=4000)

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        return _required_text(value, "give the event a name")

    @field_validator("starts_on", "ends_on", mode="before")
    @classmethod
    def _dated(cls, value: Any) -> Any:
        if value in (None, ""):
            raise ValueError("pick a date (YYYY-MM-DD)")
        return value

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        starts = info.data.get("starts_on")
        if starts is not None and value < starts:
            raise ValueError(f"the event ends before it starts ({starts.isoformat()}): pick the same day or later")
        return value

    @field_validator("place")
    @classmethod
    def _in_person_place(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is not None and kind != EventKind.WEBINAR and not value:
            raise ValueError("an in-person event needs a place (venue and city)")
        return value

    @field_validator("url")
    @classmethod
    def _webinar_link(cls, value: str, info: ValidationInfo) -> str:
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValueError("the link must start with https://")
        if info.data.get("kind") == EventKind.WEBINAR and not value:
            raise ValueError("a webinar needs its link (https://…)")
        return value

    @field_validator("cost")
    @classmethod
    def _cost(cls, value: str | int, info: ValidationInfo) -> str:
        text = str(value).strip() or "0"
        currency = info.data.get("currency")
        try:  # without a valid currency only the number itself can be checked (the currency has its message)
            amount = Money.parse(text, currency).amount if currency else parse_number(text)
        except MoneyError as exc:
            raise ValueError(exc.message.rstrip(".")) from None
        if amount < 0:
            raise ValueError("the cost cannot be negative: enter 0 for a free event")
        return text

    def cost_money(self) -> Money:
        return Money.parse(str(self.cost), self.currency)


class EventUpdate(EventIn):
    version: int


class EventFilter(Strict):
    tab: str = Field(TAB_UPCOMING, pattern=f"^({TAB_UPCOMING}|{TAB_PAST})$")
    territory_id: int | None = None
    kind: EventKind | None = None
    q: str = Field("", max_length=200)


class EventPartnerIn(Strict):
    partner_id: int
    role: PartnerRole = PartnerRole.ATTENDEE


class AttendeeIn(Strict):
    name: str = Field("", max_length=200, validate_default=True)
    email: EmailStr
    company: str = Field("", max_length=200)
    attended: bool = False

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        return _required_text(value, "give the person's name")


class LeadIn(Strict):
    company: str = Field("", max_length=200, validate_default=True)
    domain: str = Field("", max_length=255)
    country: str = Field("", validate_default=True)
    contact_name: str = Field("", max_length=200)
    email: EmailStr | None = None
    phone: str = Field("", max_length=40)
    notes: str = Field("", max_length=4000)
    partner_id: int | None = None

    @field_validator("company")
    @classmethod
    def _named(cls, value: str) -> str:
        return _required_text(value, "give the company's name")

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return domain_from_website(value) if value else ""

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return normalize_country(_required_text(value, "give the country (two letters, e.g. BR, MX, US)"))

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: Any) -> Any:
        return None if value == "" or value is None else value


class LeadSelection(Strict):
    lead_ids: list[int] = Field(default_factory=list, max_length=1000)


class RegistrationTerms(Strict):
    """What every registration of a bulk conversion shares: the partner, the amount and the close date."""

    lead_ids: list[int] = Field(default_factory=list, max_length=1000)
    partner_id: int
    amount: ExactText
    currency: Currency
    expected_close_date: DealDate
    product_id: int | None = None
    quantity: int = Field(1, ge=1, le=1_000_000)


LEAD_STATUSES = tuple(LeadStatus)
