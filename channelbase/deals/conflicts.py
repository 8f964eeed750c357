"""The deal-registration conflict check: is someone already selling to this customer?

A registration's customer is compared with every live account, every open registration and every
open opportunity, whoever they belong to (a partner must not win a deal because it cannot see the
other partner's claim). Only staff see what was found; partner users hear "needs review".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import condition, system_actor
from channelbase.core.names import company_key
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, Stage, StageOutcome
from channelbase.matching.normalize import normalize
from channelbase.matching.score import SHIPPED_THRESHOLD, score_names
from channelbase.matching.service import (
    FUZZY_CANDIDATES, OTHER_COUNTRY_PENALTY, IndexSource, Match, domain_keys, tax_key, cached_index,
    find_similar_accounts,
)
from channelbase.partners.models import Account, Partner

MAX_CONFLICTS = 20
# Expired ones too: an extension makes them approved again, and the cached index only adds new rows
# (candidates are read back with `open_registration_condition`, so the extra names cost nothing else).
OPEN_REGISTRATIONS = IndexSource(
    "open registrations", Registration.id, Registration.customer_name, Registration.customer_key,
    Registration.status.in_([RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED]))


@dataclass(frozen=True, slots=True)
class Customer:
    """Who a registration is for, as the partner described them (or the account they picked)."""

    name: str
    domain: str | None = None
    country: str | None = None
    tax_id: str | None = None
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class DealConflict:
    kind: str  # "account", "registration" or "opportunity"
    id: int
    name: str  # the customer's name on that record
    partner_id: int | None
    partner_name: str
    score: float
    reason: str  # "tax id", "domain", "same name", "similar name" or "same account"
    status: str  # the registration's status, the opportunity's stage, or "account"

    @property
    def link(self) -> str:
        return {"account": "/accounts", "registration": "/registrations", "opportunity": "/opportunities"}[
            self.kind] + f"/{self.id}"


def open_registration_condition(today: date):
    """Registrations still claiming their deal: awaiting a decision, or approved and not yet expired."""
    return (Registration.status == RegistrationStatus.SUBMITTED) | (
        (Registration.status == RegistrationStatus.APPROVED) & (Registration.expires_on >= today))


def find_conflicts(session: Session, customer: Customer, today: date, *,
                   exclude_registration_id: int | None = None) -> list[DealConflict]:
    """Accounts, open registrations and open opportunities that are likely the same customer, best first."""
    everyone = system_actor()
    accounts = {m.account_id: m for m in find_similar_accounts(
        session, everyone, customer.name, customer.domain, customer.tax_id, customer.country, limit=MAX_CONFLICTS)}
    if customer.account_id is not None:
        accounts[customer.account_id] = Match(customer.account_id, customer.name, 100.0, "same account")
    found = [*_account_conflicts(session, accounts, customer.account_id),
             *_registration_conflicts(session, customer, accounts, today, exclude_registration_id),
             *_opportunity_conflicts(session, accounts, exclude_registration_id)]
    return sorted(found, key=lambda c: (-c.score, c.kind, c.id))[:MAX_CONFLICTS]


def visible_link(session: Session, actor: User, conflict: DealConflict) -> str | None:
    """The conflict's page, if the actor may open it (staff see every conflict, not every record)."""
    models: dict[str, type[Account] | type[Registration] | type[Opportunity]] = {
        "account": Account, "registration": Registration, "opportunity": Opportunity}
    model = models[conflict.kind]
    can_see = session.scalar(select(model.id).where(model.id == conflict.id, condition(model, actor)))
    return conflict.link if can_see else None


def _account_conflicts(session: Session, accounts: dict[int, Match], own_account: int | None) -> list[DealConflict]:
    ids = [i for i in accounts if i != own_account]
    if not ids:
        return []
    rows = session.execute(select(Account.id, Account.name, Account.partner_id, Partner.name.label("partner"))
                           .outerjoin(Partner, Partner.id == Account.partner_id).where(Account.id.in_(ids)))
    return [DealConflict("account", row.id, row.name, row.partner_id, row.partner or "", accounts[row.id].score,
                         accounts[row.id].reason, "account") for row in rows]


def _registration_conflicts(session: Session, customer: Customer, accounts: dict[int, Match], today: date,
                            exclude: int | None) -> list[DealConflict]:
    scores: dict[int, tuple[float, str]] = {}

    def keep(reg_id: int, score: float, reason: str) -> None:
        if reg_id != exclude and score > scores.get(reg_id, (-1.0, ""))[0]:
            scores[reg_id] = (score, reason)

    exact = []
    if tax := tax_key(customer.country, customer.tax_id):
        exact.append((Registration.customer_tax_id == tax, 100.0, "tax id"))
    if hosts := domain_keys(customer.domain):
        exact.append((Registration.customer_domain.in_(hosts), 95.0, "domain"))
    if key := company_key(customer.name or ""):
        exact.append((Registration.customer_key == key, 100.0, "same name"))
    live = open_registration_condition(today)
    for where, score, reason in exact:
        for reg_id in session.scalars(select(Registration.id).where(live, where).limit(MAX_CONFLICTS)):
            keep(reg_id, score, reason)
    if accounts:
        rows = session.execute(select(Registration.id, Registration.account_id)
                               .where(live, Registration.account_id.in_(list(accounts))).limit(MAX_CONFLICTS))
        for row in rows:
            keep(row.id, accounts[row.account_id].score, accounts[row.account_id].reason)
    for reg_id, score in _similar_registrations(session, customer, live):
        keep(reg_id, score, "same name" if score >= 100 else "similar name")
    if not scores:
        return []
    rows = session.execute(select(Registration.id, Registration.customer_name, Registration.partner_id,
                                  Registration.status, Partner.name.label("partner"))
                           .join(Partner, Partner.id == Registration.partner_id)
                           .where(Registration.id.in_(list(scores))))
    return [DealConflict("registration", row.id, row.customer_name, row.partner_id, row.partner,
                         scores[row.id][0], scores[row.id][1], row.status) for row in rows]


def _similar_registrations(session: Session, customer: Customer, live) -> list[tuple[int, float]]:
    if not normalize(customer.name or ""):
        return []
    hits = cached_index(session, OPEN_REGISTRATIONS).best_matches(customer.name, limit=FUZZY_CANDIDATES,
                                                                   min_score=SHIPPED_THRESHOLD)
    if not hits:
        return []
    rows = session.execute(select(Registration.id, Registration.customer_name, Registration.customer_country)
                           .where(Registration.id.in_([h.id for h in hits]), live))
    found = []
    for row in rows:
        score = score_names(customer.name, row.customer_name)
        if customer.country and row.customer_country != customer.country.upper():
            score -= OTHER_COUNTRY_PENALTY
        if score >= SHIPPED_THRESHOLD:
            found.append((row.id, round(score, 1)))
    return found


def _opportunity_conflicts(session: Session, accounts: dict[int, Match], exclude: int | None) -> list[DealConflict]:
    if not accounts:
        return []
    # A converted registration's own opportunity is its continuation, not a rival claim.
    own = (Opportunity.registration_id.is_(None) | (Opportunity.registration_id != exclude)) if exclude else true()
    rows = session.execute(
        select(Opportunity.id, Opportunity.account_id, Opportunity.partner_id, Stage.name.label("stage"),
               Partner.name.label("partner"), Account.name.label("account"))
        .join(Stage, Stage.id == Opportunity.stage_id).join(Partner, Partner.id == Opportunity.partner_id)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.outcome == StageOutcome.OPEN, Opportunity.account_id.in_(list(accounts)), own)
        .order_by(Opportunity.id.desc()).limit(MAX_CONFLICTS))
    return [DealConflict("opportunity", row.id, row.account, row.partner_id, row.partner,
                         accounts[row.account_id].score, accounts[row.account_id].reason, row.stage) for row in rows]
