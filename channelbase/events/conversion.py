"""Turning an event's leads into end-customer accounts, or into deal registrations for a partner, in bulk.

A batch is all or nothing: every selected lead is tried (each in its own savepoint, so one failure does not
hide the next), and if any fails the whole batch is undone and each failing lead is reported with its reason.
An account that already exists (same web domain or normalised company name, and visible to the actor) is
linked rather than duplicated; leads already converted are skipped with a note."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, InvalidInput
from channelbase.core.names import company_key
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import LineIn, RegistrationCreate
from channelbase.events.leads import leads_of
from channelbase.events.models import AccountSource, Event, EventLead, LeadStatus
from channelbase.events.schemas import RegistrationTerms
from channelbase.events.service import get_event
from channelbase.partners import accounts
from channelbase.partners.models import Account, Partner
from channelbase.partners.schemas import AccountCreate


@dataclass(frozen=True)
class Outcome:
    lead_id: int
    company: str
    action: str  # created | linked | registered | skipped
    note: str


@dataclass(frozen=True)
class LeadProblem:
    lead_id: int
    company: str
    reason: str


class BatchRefused(InvalidInput):
    """Some selected leads could not be converted: nothing was; `problems` says which and why."""

    def __init__(self, problems: list[LeadProblem], total: int):
        super().__init__(f"Nothing was converted: {len(problems)} of the {total} selected leads failed (listed "
                         "below). Fix or deselect them and try again.", field_errors={"lead_ids": "leads failed"})
        self.problems = problems


def _validated(schema, **values):
    """A service input built here from stored values; its validation errors become a lead's reason."""
    try:
        return schema(**values)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = str(item["loc"][0]) if item["loc"] else ""
        raise InvalidInput(f"{field.replace('_', ' ')}: {item['msg'].removeprefix('Value error, ')}".strip(": "))\
            from None


def _all_or_nothing(session: Session, leads: list[EventLead], convert: Callable[[EventLead], Outcome]
                    ) -> list[Outcome]:
    outcomes, problems = [], []
    batch = session.begin_nested()
    try:
        for lead in leads:
            lead_id, company = lead.id, lead.company  # read first: a failed savepoint expires the lead
            try:
                with session.begin_nested():
                    outcomes.append(convert(lead))
            except DomainError as exc:
                problems.append(LeadProblem(lead_id, company, exc.message))
    except BaseException:
        batch.rollback()
        raise
    if problems:
        batch.rollback()
        raise BatchRefused(problems, len(leads))
    batch.commit()
    return outcomes


# Accounts -----------------------------------------------------------------------------------------

def existing_account(session: Session, actor: User, domain: str, company: str) -> Account | None:
    """A live account the actor sees with this web domain, else with this normalised company name."""
    live = visible(select(Account), actor).where(Account.deleted_at.is_(None)).order_by(Account.id).limit(1)
    if domain and (found := session.scalars(live.where(Account.domain == domain)).first()) is not None:
        return found
    key = company_key(company)
    return session.scalars(live.where(Account.name_key == key)).first() if key else None


def _account_for(session: Session, actor: User, event: Event, lead: EventLead, partner: Partner | None
                 ) -> tuple[int, str]:
    """The lead's account (its own, an existing one linked, or a new one) and how it was found."""
    if lead.account_id is not None:
        return lead.account_id, lead.account_source or AccountSource.LINKED
    found = existing_account(session, actor, lead.domain, lead.company)
    if found is not None:
        return found.id, AccountSource.LINKED
    data = _validated(AccountCreate, name=lead.company, website=lead.domain, country=lead.country,
                      territory_id=partner.territory_id if partner else event.territory_id,
                      partner_id=partner.id if partner else None)
    account = accounts.create_account(session, actor, data)
    session.flush()
    return account.id, AccountSource.CREATED


def _set_account(session: Session, actor: User, lead: EventLead, account_id: int, source: str) -> None:
    before = audit.snapshot(lead)
    lead.account_id, lead.account_source, lead.status = account_id, source, LeadStatus.ACCOUNT
    audit.record(session, actor, "convert", lead, before)


def _skip_note(lead: EventLead, wanted: str) -> str | None:
    if lead.status == LeadStatus.DISCARDED:
        return "skipped: the lead was discarded"
    if lead.status == LeadStatus.REGISTERED:
        return f"skipped: registered already (REG-{lead.registration_id or 0:06d})"
    if wanted == LeadStatus.ACCOUNT and lead.status == LeadStatus.ACCOUNT:
        return f"skipped: has an account already ({lead.account_source or 'linked'})"
    return None


def leads_to_accounts(session: Session, actor: User, event_id: int, lead_ids: Iterable[int]) -> list[Outcome]:
    """An end-customer account for each selected lead (an existing one linked where there is one)."""
    event = get_event(session, actor, event_id)
    chosen = leads_of(session, actor, event.id, lead_ids)

    def convert(lead: EventLead) -> Outcome:
        if (note := _skip_note(lead, LeadStatus.ACCOUNT)) is not None:
            return Outcome(lead.id, lead.company, "skipped", note)
        partner = get_visible(session, actor, Partner, lead.partner_id) if lead.partner_id else None
        account_id, source = _account_for(session, actor, event, lead, partner)
        _set_account(session, actor, lead, account_id, source)
        return Outcome(lead.id, lead.company, source, f"account #{account_id} {source}")

    return _all_or_nothing(session, chosen, convert)


# Registrations ------------------------------------------------------------------------------------

def check_terms(session: Session, actor: User, terms: RegistrationTerms, today: date) -> Partner:
    """The registering partner, once the terms every registration shares are sound (else one form error)."""
    partner = get_visible(session, actor, Partner, terms.partner_id)
    if partner.status not in registrations.REGISTERING_STATUSES:
        raise InvalidInput(f"{partner.name} is {partner.status}: only active or onboarding partners register deals.",
                           field_errors={"partner_id": f"partner is {partner.status}"})
    money = registrations.positive_money(terms.amount, terms.currency, None)
    if terms.expected_close_date < today:
        raise InvalidInput(f"The expected close date {terms.expected_close_date.isoformat()} is in the past.",
                           field_errors={"expected_close_date": "must be today or later"})
    if terms.expected_close_date > registrations.years_after(today, registrations.MAX_YEARS_AHEAD):
        raise InvalidInput(f"The expected close date {terms.expected_close_date.isoformat()} is more than "
                           f"{registrations.MAX_YEARS_AHEAD} years away.",
                           field_errors={"expected_close_date": f"within {registrations.MAX_YEARS_AHEAD} years"})
    registrations.require_rate(session, money, terms.expected_close_date)
    registrations.product_lines(session, actor, _lines(terms))
    return partner


def _lines(terms: RegistrationTerms) -> list[LineIn]:
    return [LineIn(product_id=terms.product_id, quantity=terms.quantity)] if terms.product_id else []


def _notes(event: Event, lead: EventLead) -> str:
    who = " ".join(part for part in (lead.contact_name, f"<{lead.email}>" if lead.email else "", lead.phone) if part)
    text = f"Lead from {event.name} ({event.starts_on.isoformat()})." + (f" Contact: {who}." if who else "")
    return (text + (f"\n{lead.notes}" if lead.notes else ""))[:4000]


def leads_to_registrations(session: Session, actor: User, event_id: int, terms: RegistrationTerms, *,
                           now: datetime | None = None) -> list[Outcome]:
    """One deal registration per selected lead for the partner, on the lead's account (made or linked first)."""
    now = now or utcnow()
    event = get_event(session, actor, event_id)
    chosen = leads_of(session, actor, event.id, terms.lead_ids)
    partner = check_terms(session, actor, terms, now.date())

    def convert(lead: EventLead) -> Outcome:
        if (note := _skip_note(lead, LeadStatus.REGISTERED)) is not None:
            return Outcome(lead.id, lead.company, "skipped", note)
        account_id, source = _account_for(session, actor, event, lead, partner)
        data = _validated(RegistrationCreate, partner_id=partner.id, title=f"{lead.company} — {event.name}"[:200],
                          account_id=account_id, amount=str(terms.amount), currency=terms.currency,
                          expected_close_date=terms.expected_close_date, products=_lines(terms),
                          notes=_notes(event, lead))
        registration = registrations.submit_registration(session, actor, data, now=now)
        before = audit.snapshot(lead)
        lead.account_id, lead.account_source, lead.status = account_id, source, LeadStatus.REGISTERED
        lead.registration_id, lead.partner_id = registration.id, lead.partner_id or partner.id
        audit.record(session, actor, "convert", lead, before)
        return Outcome(lead.id, lead.company, "registered",
                       f"{registration.reference} for {partner.name}, account #{account_id} {source}")

    return _all_or_nothing(session, chosen, convert)
