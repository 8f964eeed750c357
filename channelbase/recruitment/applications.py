"""The public "become a partner" application: spam checks (a honeypot field, a signed timestamp token, five
applications per client address per hour), then a prospect in the right territory, its primary contact and a
recruitment record, all made by the system actor. Messages are English msgids that the page translates."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from pydantic import EmailStr, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import system_actor
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, DomainError, Duplicate, InvalidInput
from channelbase.core.validation import domain_from_website
from channelbase.partners import service as partners
from channelbase.partners.models import Partner, PartnerType, Territory
from channelbase.partners.schemas import ContactCreate, Country, Strict
from channelbase.recruitment import application_texts as texts
from channelbase.recruitment.coverage import path_ids
from channelbase.recruitment.funnel import add_prospect
from channelbase.recruitment.models import PartnerApplication, Source
from channelbase.recruitment.schemas import ProspectIn

HONEYPOT = "homepage"  # a field people never see; bots fill in anything called like that
TOKEN_FIELD = "token"
TOKEN_MIN_AGE = timedelta(seconds=3)
TOKEN_MAX_AGE = timedelta(hours=24)
PER_ADDRESS_PER_HOUR = 5


class TooManyApplications(DomainError):
    status = 429


# Spam checks ---------------------------------------------------------------------------------------

def _signature(secret: str, stamp: str) -> str:
    return hmac.new(secret.encode(), f"apply-form:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def issue_token(secret: str, now: datetime | None = None) -> str:
    """The form's hidden token: when it was served, signed with the app's secret."""
    stamp = str(int((now or utcnow()).timestamp()))
    return f"{stamp}.{_signature(secret, stamp)}"


def check_token(secret: str, token: str, now: datetime | None = None) -> None:
    """Refuse a forged token, a form sent within seconds of being served (a script), or one over a day old."""
    now = now or utcnow()
    stamp, _, signature = (token or "").partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(signature, _signature(secret, stamp)):
        raise InvalidInput(texts.EXPIRED)
    age = now.timestamp() - int(stamp)
    if age < TOKEN_MIN_AGE.total_seconds():
        raise InvalidInput(texts.TOO_FAST)
    if age > TOKEN_MAX_AGE.total_seconds():
        raise InvalidInput(texts.EXPIRED)


def reusable_token(secret: str, token: str, now: datetime | None = None) -> str | None:
    """The token sent back with a refused form, if genuine and not expired: the form's age keeps counting from
    when it was first served, so fixing one field does not trip the "too fast" check."""
    try:
        check_token(secret, token, now)
    except InvalidInput as exc:
        return token if exc.message == texts.TOO_FAST else None
    return token


def address_hash(secret: str, address: str) -> str:
    """A keyed hash of the client's address: enough to count its applications, never the address itself."""
    return hmac.new(secret.encode(), f"apply-address:{address}".encode(), hashlib.sha256).hexdigest()


def _check_rate(session: Session, hashed: str, now: datetime) -> None:
    recent = session.scalar(select(func.count()).select_from(PartnerApplication).where(
        PartnerApplication.address_hash == hashed, PartnerApplication.submitted_at > now - timedelta(hours=1))) or 0
    if recent >= PER_ADDRESS_PER_HOUR:
        raise TooManyApplications(texts.TOO_MANY)


# The form ------------------------------------------------------------------------------------------

class ApplicationIn(Strict):
    company: str = Field(min_length=1, max_length=200)
    website: str = Field(min_length=1, max_length=255)
    country: Country
    partner_type: PartnerType
    contact_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str = Field("", max_length=40, pattern=r"^[0-9+()\-. ]*$")
    industries: list[str] = Field(min_length=1, max_length=len(texts.INDUSTRY_LABELS))
    skills: list[str] = Field(min_length=1, max_length=len(texts.SKILL_LABELS))
    employees: int = Field(ge=1, le=10_000_000)
    message: str = Field("", max_length=2000)
    consent: bool

    @field_validator("website")
    @classmethod
    def _domain(cls, value: str) -> str:
        return domain_from_website(value)

    @field_validator("industries")
    @classmethod
    def _industries(cls, values: list[str]) -> list[str]:
        if any(value not in texts.INDUSTRY_LABELS for value in values):
            raise ValueError("unknown industry")
        return list(dict.fromkeys(values))

    @field_validator("skills")
    @classmethod
    def _skills(cls, values: list[str]) -> list[str]:
        if any(value not in texts.SKILL_LABELS for value in values):
            raise ValueError("unknown skill")
        return list(dict.fromkeys(values))

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError("consent is required")
        return value


FORM_FIELDS = tuple(ApplicationIn.model_fields)


def _field_problems(form: dict[str, Any]) -> tuple[ApplicationIn | None, dict[str, str]]:
    data = {name: form[name] for name in FORM_FIELDS if name in form}
    try:
        return ApplicationIn.model_validate(data), {}
    except ValidationError as exc:
        errors = {str(item["loc"][0]): texts.FIELD_MESSAGES[str(item["loc"][0])]
                  for item in exc.errors() if item["loc"] and str(item["loc"][0]) in texts.FIELD_MESSAGES}
        return None, errors or {"company": texts.FIELD_MESSAGES["company"]}


def parse_application(form: dict[str, Any]) -> ApplicationIn:
    """The form's fields checked, or InvalidInput with one message per field at fault."""
    data, errors = _field_problems(form)
    if data is None:
        raise InvalidInput(texts.CHECK_FIELDS, field_errors=errors)
    return data


def _check_form_token(secret: str, form: dict[str, Any], now: datetime) -> None:
    """The token check; a refused form also says which fields to fix, so one more try is enough."""
    try:
        check_token(secret, str(form.get(TOKEN_FIELD) or ""), now)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field_errors=_field_problems(form)[1]) from None


# Placing the prospect ------------------------------------------------------------------------------

def territory_for(session: Session, country: str) -> Territory:
    """Where most live partners of the country are (ties: the oldest territory), else the root territory."""
    busiest = session.scalar(
        select(Partner.territory_id).where(Partner.country == country, Partner.deleted_at.is_(None))
        .group_by(Partner.territory_id).order_by(func.count().desc(), Partner.territory_id).limit(1))
    if busiest is not None:
        return session.get_one(Territory, busiest)
    root = session.scalar(select(Territory).where(Territory.parent_id.is_(None)).order_by(Territory.id).limit(1))
    if root is None:
        raise Conflict(texts.NOT_OPEN)
    return root


def owner_for(session: Session, territory: Territory) -> int | None:
    """The territory's owner, or the owner of the nearest territory above, among active staff."""
    rows = session.execute(select(Territory.id, Territory.owner_id).join(User, User.id == Territory.owner_id)
                           .where(Territory.id.in_(path_ids(territory.path)), User.is_active,
                                  User.role.in_(("admin", "manager")))).all()
    owners = dict(rows)
    return next((owners[i] for i in reversed(path_ids(territory.path)) if i in owners), None)


def _refuse_known(session: Session, domain: str) -> None:
    if session.scalar(select(PartnerApplication.id).where(PartnerApplication.domain == domain).limit(1)):
        raise Duplicate(texts.ALREADY_KNOWN, field_errors={"website": texts.ALREADY_KNOWN})


def submit_application(session: Session, form: dict[str, Any], *, secret: str, address: str, language: str,
                       now: datetime | None = None) -> Partner:
    """Check and record an application: a prospect, its primary contact and a recruitment record."""
    now = now or utcnow()
    if str(form.get(HONEYPOT) or "").strip():
        raise InvalidInput(texts.HONEYPOT_FILLED)
    _check_form_token(secret, form, now)
    hashed = address_hash(secret, address)
    _check_rate(session, hashed, now)
    data = parse_application(form)
    _refuse_known(session, data.website)
    system = system_actor()
    territory = territory_for(session, data.country)
    try:
        record = add_prospect(session, system, ProspectIn(
            name=data.company, type=data.partner_type, territory_id=territory.id, country=data.country,
            website=data.website, owner_id=owner_for(session, territory), source=Source.APPLICATION,
            notes=data.message, industries=", ".join(data.industries), skills=", ".join(data.skills),
            employees=data.employees), now=now)
    except Duplicate:  # its message names the existing partner: the applicant learns nothing about it
        raise Duplicate(texts.ALREADY_KNOWN, field_errors={"website": texts.ALREADY_KNOWN}) from None
    partners.create_contact(session, system, ContactCreate(
        partner_id=record.partner_id, name=data.contact_name, email=data.email, phone=data.phone, is_primary=True,
        role="executive", language=language if language in ("en", "es", "pt") else "en"))
    application = PartnerApplication(partner_id=record.partner_id, company=data.company, domain=data.website,
                                     email=str(data.email).lower(), address_hash=hashed, submitted_at=now)
    session.add(application)
    audit.record(session, system, "create", application, None)
    return session.get_one(Partner, record.partner_id)
