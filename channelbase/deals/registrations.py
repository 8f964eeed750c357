"""Deal registrations: a partner claims a deal, the vendor decides, an approved claim lasts a while.

submitted -> approved | rejected; approved -> converted (to an opportunity) | expired (N days after
approval, per program, unless extended). Every transition is audited with the actor, and each
registration's decision time is measured against its program's SLA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, system_actor, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from channelbase.core.money import Money, MoneyError
from channelbase.core.names import company_key
from channelbase.core.pagination import Page, paginate
from channelbase.core.validation import domain_from_website
from channelbase.deals import fx
from channelbase.deals.conflicts import Customer, DealConflict, find_conflicts
from channelbase.deals.deal_schemas import (
    ApproveIn, ConvertIn, ExtendIn, ExtensionRequestIn, LineIn, RegistrationCreate, RegistrationFilter, RejectIn,
)
from channelbase.deals.models import (
    Opportunity, Product, Program, Registration, RegistrationProduct, RegistrationStatus,
)
from channelbase.deals.stages import program_of, stage_by_key
from channelbase.partners.common import check_version, require_owner, require_staff, validated_tax_id
from channelbase.partners.territories import territory_and_below
from channelbase.partners.models import Account, Partner, PartnerLink, PartnerStatus, PartnerType
from channelbase.webhooks import events as webhook_events

MAX_YEARS_AHEAD = 5
REGISTERING_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)
REGISTRATION_SORTS = {
    "submitted": (Registration.submitted_at, True), "-submitted": (Registration.submitted_at, False),
    "due": (Registration.decision_due_at, False), "-due": (Registration.decision_due_at, True),
    "close": (Registration.expected_close_date, False), "-close": (Registration.expected_close_date, True),
    "expires": (Registration.expires_on, False), "-expires": (Registration.expires_on, True),
    "customer": (Registration.customer_key, False), "-customer": (Registration.customer_key, True),
    "status": (Registration.status, False), "-status": (Registration.status, True),
    "conflicts": (Registration.conflict_score, True), "-conflicts": (Registration.conflict_score, False),
}


def today_utc() -> date:
    return utcnow().date()


# Checks shared with opportunities ---------------------------------------------------------------

def positive_money(amount: str | int, currency: str, decimal_comma: bool | None, *, allow_zero: bool = False) -> Money:
    money = Money.parse(amount, currency, decimal_comma=decimal_comma)
    if money.is_negative() or (not allow_zero and money.amount == 0):
        need = "0 or more" if allow_zero else "more than 0"
        raise MoneyError(f"The amount must be {need} (got {money}).", field_errors={"amount": f"must be {need}"})
    return money


def require_rate(session: Session, money: Money, on_date: date) -> None:
    """Refuse an amount that roll-ups could not convert: a missing FX rate is an error now, not later."""
    fx.rate_on(session, money.currency, on_date)


def check_distributor(session: Session, partner: Partner, distributor_id: int | None) -> Partner | None:
    """The distributor, if it supplies this partner (two-tier): a link must exist."""
    if distributor_id is None:
        return None
    distributor = session.get(Partner, distributor_id)
    linked = session.scalar(select(PartnerLink.id).where(PartnerLink.distributor_id == distributor_id,
                                                         PartnerLink.reseller_id == partner.id))
    if distributor is None or distributor.deleted_at is not None or linked is None \
            or distributor.type != PartnerType.DISTRIBUTOR:
        raise InvalidInput(f"Partner #{distributor_id} is not a distributor of {partner.name}.",
                           field_errors={"distributor_id": "not a distributor of this partner"})
    return distributor


def product_lines(session: Session, actor: User, lines: list[LineIn]) -> list[tuple[Product, int]]:
    """The products of a deal, each once, active and visible to the actor."""
    seen: dict[int, int] = {}
    for line in lines:
        seen[line.product_id] = seen.get(line.product_id, 0) + line.quantity
    result = []
    for product_id, quantity in seen.items():
        product = session.scalars(visible(select(Product), actor).where(Product.id == product_id)).first()
        if product is None or not product.active:
            raise InvalidInput(f"No active product #{product_id}.", field_errors={"products": "unknown product"})
        result.append((product, quantity))
    return result


def resellers_of(session: Session, actor: User) -> list[Partner]:
    """The resellers a distributor's user registers deals for: those linked to their distributor."""
    if not actor.is_partner or actor.partner_id is None:
        return []
    return list(session.scalars(
        select(Partner).join(PartnerLink, PartnerLink.reseller_id == Partner.id)
        .where(PartnerLink.distributor_id == actor.partner_id, Partner.deleted_at.is_(None),
               Partner.status.in_(REGISTERING_STATUSES))
        .order_by(Partner.name)))


def _partner_for(session: Session, actor: User, partner_id: int | None) -> Partner:
    if actor.is_partner:
        if partner_id in (None, actor.partner_id):
            partner = session.get_one(Partner, actor.partner_id)
        else:
            # A distributor registers on behalf of a reseller it supplies; any other partner is unknown.
            reseller = next((p for p in resellers_of(session, actor) if p.id == partner_id), None)
            if reseller is None:
                raise NotFound(f"No partner #{partner_id} here, or you may not see it.")
            partner = reseller
    else:
        if partner_id is None:
            raise InvalidInput("Pick the partner that registers the deal.", field_errors={"partner_id": "required"})
        partner = get_visible(session, actor, Partner, partner_id)
    if partner.status not in REGISTERING_STATUSES:
        raise InvalidInput(f"{partner.name} is {partner.status}: only active or onboarding partners register deals.",
                           field_errors={"partner_id": f"partner is {partner.status}"})
    return partner


def _customer(session: Session, actor: User, data: RegistrationCreate) -> Customer:
    if data.account_id is not None:
        account = get_visible(session, actor, Account, data.account_id)
        return Customer(account.name, account.domain, account.country, account.tax_id, account.id)
    assert data.customer_name and data.customer_country  # the schema requires them without an account
    try:
        domain = domain_from_website(data.customer_website or "") or None
    except ValueError as exc:
        raise InvalidInput(str(exc), field_errors={"customer_website": str(exc)}) from None
    try:
        tax_id = validated_tax_id(data.customer_country, data.customer_tax_id)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field_errors={"customer_tax_id": exc.message}) from None
    if not company_key(data.customer_name):
        raise InvalidInput("The customer's name has no letters or digits.", field_errors={"customer_name": "required"})
    return Customer(data.customer_name, domain, data.customer_country, tax_id, None)


def years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _check_close_date(close: date, today: date, field: str = "expected_close_date") -> None:
    if close < today:
        raise InvalidInput(f"The expected close date {close.isoformat()} is in the past.",
                           field_errors={field: "must be today or later"})
    if close > years_after(today, MAX_YEARS_AHEAD):
        raise InvalidInput(f"The expected close date {close.isoformat()} is more than {MAX_YEARS_AHEAD} years away.",
                           field_errors={field: f"within {MAX_YEARS_AHEAD} years"})


# Submitting ---------------------------------------------------------------------------------------

def submit_registration(session: Session, actor: User, data: RegistrationCreate, *,
                        now: datetime | None = None) -> Registration:
    """Register a deal for a partner (partner users: their own; staff: any partner they see)."""
    now = now or utcnow()
    partner = _partner_for(session, actor, data.partner_id)
    customer = _customer(session, actor, data)
    money = positive_money(data.amount, data.currency, data.decimal_comma)
    _check_close_date(data.expected_close_date, now.date())
    require_rate(session, money, data.expected_close_date)
    on_behalf = actor.is_partner and partner.id != actor.partner_id
    # Registered by the distributor itself: it is the deal's distributor and cannot hide the deal from itself.
    distributor = check_distributor(session, partner, actor.partner_id if on_behalf else data.distributor_id)
    hidden = bool(distributor) and data.hidden_from_distributor and not on_behalf
    lines = product_lines(session, actor, data.products)
    program = program_of(session, partner)
    conflicts = find_conflicts(session, customer, now.date())
    registration = Registration(
        partner_id=partner.id, territory_id=partner.territory_id,
        distributor_id=distributor.id if distributor else None,
        hidden_from_distributor=hidden,
        title=data.title, account_id=customer.account_id, customer_name=customer.name,
        customer_key=company_key(customer.name), customer_domain=customer.domain,
        customer_country=customer.country or "", customer_tax_id=customer.tax_id,
        currency=money.currency, amount_minor=money.to_minor(), expected_close_date=data.expected_close_date,
        notes=data.notes, status=RegistrationStatus.SUBMITTED, submitted_at=now, submitted_by_id=actor.id,
        decision_due_at=now + timedelta(hours=program.decision_sla_hours),
        conflict_count=len(conflicts), conflict_score=round(max((c.score for c in conflicts), default=0)),
    )
    session.add(registration)
    session.flush()
    for product, quantity in lines:
        session.add(RegistrationProduct(registration_id=registration.id, product_id=product.id, quantity=quantity))
    audit.record(session, actor, "submit", registration, None)
    webhook_events.registration_changed(session, "registration.submitted", registration)
    return registration


# Reading ----------------------------------------------------------------------------------------

def get_registration(session: Session, actor: User, registration_id: int) -> Registration:
    return get_visible(session, actor, Registration, registration_id)


def conflicts_of(session: Session, actor: User, registration: Registration, *,
                 today: date | None = None) -> list[DealConflict]:
    """What the registration may collide with, checked now (staff only: partners hear 'needs review')."""
    require_staff(actor, "see the conflicts of a registration")
    customer = Customer(registration.customer_name, registration.customer_domain, registration.customer_country,
                        registration.customer_tax_id, registration.account_id)
    return find_conflicts(session, customer, today or today_utc(), exclude_registration_id=registration.id)


def needs_review(registration: Registration) -> bool:
    """What a partner user may know of the conflict check: only that the registration needs a closer look."""
    return registration.conflict_count > 0


def lines_of(session: Session, actor: User, registration_ids: Iterable[int]) -> dict[int, list[tuple[Product, int]]]:
    ids = set(registration_ids)
    result: dict[int, list[tuple[Product, int]]] = defaultdict(list)
    if not ids:
        return result
    stmt = (visible(select(RegistrationProduct, Product), actor, RegistrationProduct)
            .join(Product, Product.id == RegistrationProduct.product_id)
            .where(RegistrationProduct.registration_id.in_(ids)).order_by(Product.sku))
    for line, product in session.execute(stmt):
        result[line.registration_id].append((product, line.quantity))
    return result


def opportunity_of(session: Session, actor: User, registration_id: int) -> Opportunity | None:
    return session.scalars(visible(select(Opportunity), actor).where(Opportunity.registration_id == registration_id)
                           ).first()


def program_for(session: Session, registration: Registration) -> Program:
    return program_of(session, session.get_one(Partner, registration.partner_id))


def is_expired(registration: Registration, today: date | None = None) -> bool:
    """Expired in fact: swept already, or approved with its expiry date behind us."""
    if registration.status == RegistrationStatus.EXPIRED:
        return True
    return (registration.status == RegistrationStatus.APPROVED and registration.expires_on is not None
            and registration.expires_on < (today or today_utc()))


def effective_status(registration: Registration, today: date | None = None) -> str:
    return RegistrationStatus.EXPIRED if is_expired(registration, today) else registration.status


@dataclass(frozen=True)
class Sla:
    """The decision time against the program's SLA: met, missed, or still running."""

    hours: int
    due_at: datetime
    decided_in: timedelta | None
    met: bool | None  # None while undecided and not yet late
    overdue: bool

    def describe(self, now: datetime | None = None) -> str:
        if self.decided_in is not None:
            verdict = "within" if self.met else "outside"
            return f"decided in {_span(self.decided_in)}, {verdict} the {self.hours} h SLA"
        left = self.due_at - (now or utcnow())
        if left.total_seconds() < 0:
            return f"awaiting decision, {_span(-left)} past the {self.hours} h SLA"
        return f"awaiting decision, {_span(left)} left of the {self.hours} h SLA"


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    minutes = int(delta.total_seconds() % 3600 // 60)
    return f"{hours // 24} d {hours % 24} h" if hours >= 48 else f"{hours} h {minutes:02d} min"


def sla_of(registration: Registration, now: datetime | None = None) -> Sla:
    now = now or utcnow()
    hours = round((registration.decision_due_at - registration.submitted_at).total_seconds() / 3600)
    if registration.decided_at is not None:
        took = registration.decided_at - registration.submitted_at
        return Sla(hours, registration.decision_due_at, took, registration.decided_at <= registration.decision_due_at,
                   False)
    overdue = now > registration.decision_due_at
    return Sla(hours, registration.decision_due_at, None, False if overdue else None, overdue)


def registration_query(actor: User, filters: RegistrationFilter, now: datetime | None = None):
    now = now or utcnow()
    today = now.date()
    stmt = visible(select(Registration), actor)
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(or_(Registration.customer_name.icontains(text, autoescape=True),
                              Registration.title.icontains(text, autoescape=True),
                              Registration.partner_id.in_(select(Partner.id).where(
                                  Partner.name.icontains(text, autoescape=True)))))
    if filters.status == RegistrationStatus.EXPIRED:
        stmt = stmt.where((Registration.status == RegistrationStatus.EXPIRED) | (
            (Registration.status == RegistrationStatus.APPROVED) & (Registration.expires_on < today)))
    elif filters.status == RegistrationStatus.APPROVED:
        stmt = stmt.where(Registration.status == RegistrationStatus.APPROVED, Registration.expires_on >= today)
    elif filters.status is not None:
        stmt = stmt.where(Registration.status == filters.status)
    if filters.partner_id is not None:
        stmt = stmt.where(Registration.partner_id == filters.partner_id)
    if filters.territory_id is not None:
        stmt = stmt.where(Registration.territory_id.in_(territory_and_below(filters.territory_id)))
    if filters.conflicts is not None:
        stmt = stmt.where((Registration.conflict_count > 0) if filters.conflicts else (Registration.conflict_count == 0))
    if filters.overdue:
        stmt = stmt.where(Registration.status == RegistrationStatus.SUBMITTED, Registration.decision_due_at < now)
    if filters.expiring_days is not None:
        stmt = stmt.where(Registration.status == RegistrationStatus.APPROVED, Registration.expires_on >= today,
                          Registration.expires_on <= today + timedelta(days=filters.expiring_days))
    return stmt


def list_registrations(session: Session, actor: User, filters: RegistrationFilter, *, sort: str = "submitted",
                       page: int = 1, per_page: int = 25, now: datetime | None = None) -> Page[Registration]:
    column, descending = REGISTRATION_SORTS.get(sort, REGISTRATION_SORTS["submitted"])
    order = column.desc() if descending else column.asc()
    stmt = registration_query(actor, filters, now).order_by(order, Registration.id.desc())
    return paginate(session, stmt, page, per_page)


def history_of(session: Session, actor: User, registration_id: int) -> list[audit.AuditEntry]:
    registration = get_registration(session, actor, registration_id)
    return audit.history(session, Registration.__tablename__, registration.id)


# Deciding ---------------------------------------------------------------------------------------

def _for_decision(session: Session, actor: User, registration_id: int, version: int, what: str) -> Registration:
    require_staff(actor, what)
    registration = get_registration(session, actor, registration_id)
    check_version(session, registration, version)
    return registration


def approve(session: Session, actor: User, registration_id: int, data: ApproveIn, *,
            now: datetime | None = None) -> Registration:
    """Approve a submitted registration; it then holds the deal for the program's registration days."""
    now = now or utcnow()
    registration = _for_decision(session, actor, registration_id, data.version, "approve registrations")
    if registration.status != RegistrationStatus.SUBMITTED:
        raise Conflict(f"{registration.reference} is {registration.status}; only submitted registrations are approved.")
    before = audit.snapshot(registration)
    if data.account_id is not None:
        account = get_visible(session, actor, Account, data.account_id)
        registration.account_id = account.id
    program = program_for(session, registration)
    registration.status = RegistrationStatus.APPROVED
    registration.decided_at, registration.decided_by_id = now, actor.id
    registration.decision_reason = data.note
    registration.expires_on = now.date() + timedelta(days=program.registration_days)
    audit.record(session, actor, "approve", registration, before)
    webhook_events.registration_changed(session, "registration.approved", registration)
    return registration


def reject(session: Session, actor: User, registration_id: int, data: RejectIn, *,
           now: datetime | None = None) -> Registration:
    """Reject a submitted registration; the reason is required and shown to the partner."""
    now = now or utcnow()
    registration = _for_decision(session, actor, registration_id, data.version, "reject registrations")
    if registration.status != RegistrationStatus.SUBMITTED:
        raise Conflict(f"{registration.reference} is {registration.status}; only submitted registrations are rejected.")
    before = audit.snapshot(registration)
    registration.status = RegistrationStatus.REJECTED
    registration.decided_at, registration.decided_by_id = now, actor.id
    registration.decision_reason = data.reason
    audit.record(session, actor, "reject", registration, before)
    webhook_events.registration_changed(session, "registration.rejected", registration)
    return registration


def request_extension(session: Session, actor: User, registration_id: int, data: ExtensionRequestIn, *,
                      now: datetime | None = None) -> Registration:
    """The registering partner asks for more time on an approved registration (expired ones too, until swept)."""
    now = now or utcnow()
    registration = get_registration(session, actor, registration_id)
    if actor.is_partner and actor.partner_id != registration.partner_id and registration.submitted_by_id != actor.id:
        raise NotPermitted("Only the registering partner may ask for an extension.")
    check_version(session, registration, data.version)
    if registration.status not in (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED):
        raise Conflict(f"{registration.reference} is {registration.status}; only approved registrations are extended.")
    if registration.extension_requested_at is not None:
        raise Conflict(f"An extension of {registration.reference} was requested on "
                       f"{registration.extension_requested_at:%Y-%m-%d} and awaits a decision.")
    _refuse_past_limit(session, registration)
    before = audit.snapshot(registration)
    registration.extension_requested_at, registration.extension_request_reason = now, data.reason
    audit.record(session, actor, "request_extension", registration, before)
    return registration


def _refuse_past_limit(session: Session, registration: Registration) -> Program:
    program = program_for(session, registration)
    if registration.extensions >= program.max_extensions:
        raise InvalidInput(f"{registration.reference} has had {registration.extensions} extension(s), the most the "
                           f"'{program.name}' program allows.", field_errors={"days": "no extensions left"})
    return program


def extend(session: Session, actor: User, registration_id: int, data: ExtendIn, *,
           now: datetime | None = None) -> Registration:
    """Give an approved (or expired) registration more days, by default the program's extension length."""
    now = now or utcnow()
    registration = _for_decision(session, actor, registration_id, data.version, "extend registrations")
    if registration.status not in (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED):
        raise Conflict(f"{registration.reference} is {registration.status}; only approved registrations are extended.")
    program = _refuse_past_limit(session, registration)
    before = audit.snapshot(registration)
    start = max(registration.expires_on or now.date(), now.date())
    registration.expires_on = start + timedelta(days=data.days or program.extension_days)
    registration.status = RegistrationStatus.APPROVED
    registration.extensions += 1
    registration.extension_requested_at, registration.extension_request_reason = None, ""
    audit.record(session, actor, "extend", registration, before)
    return registration


def expire_overdue(session: Session, *, today: date | None = None) -> int:
    """Mark approved registrations past their expiry date as expired (audited); returns how many."""
    today = today or today_utc()
    system = system_actor()
    due = session.scalars(select(Registration).where(Registration.status == RegistrationStatus.APPROVED,
                                                     Registration.expires_on < today).order_by(Registration.id))
    count = 0
    for registration in due:
        before = audit.snapshot(registration)
        registration.status = RegistrationStatus.EXPIRED
        audit.record(session, system, "expire", registration, before)
        count += 1
    return count


def convert(session: Session, actor: User, registration_id: int, data: ConvertIn, *,
            now: datetime | None = None) -> Opportunity:
    """Turn an approved registration into an opportunity that keeps the link back to it."""
    from channelbase.deals.opportunities import create_from_registration  # opportunities import this module

    now = now or utcnow()
    registration = _for_decision(session, actor, registration_id, data.version, "convert registrations")
    if registration.status != RegistrationStatus.APPROVED:
        raise Conflict(f"{registration.reference} is {registration.status}; only approved registrations convert.")
    if is_expired(registration, now.date()):
        raise Conflict(f"{registration.reference} expired on {registration.expires_on}; extend it before converting.")
    # Check the conversion's own input first: a refused conversion must not leave a new account behind.
    require_owner(session, data.owner_id)
    if data.stage:
        stage_by_key(session, data.stage)
    before = audit.snapshot(registration)
    account = _account_for(session, actor, registration)
    registration.account_id = account.id
    opportunity = create_from_registration(session, actor, registration, account, data, now)
    registration.status = RegistrationStatus.CONVERTED
    audit.record(session, actor, "convert", registration, before)
    return opportunity


def _account_for(session: Session, actor: User, registration: Registration) -> Account:
    """The registration's account: the one it names, an existing one with the same key, or a new one."""
    if registration.account_id is not None:
        return session.get_one(Account, registration.account_id)
    keys = ((Account.tax_id, registration.customer_tax_id), (Account.domain, registration.customer_domain),
            (Account.name_key, registration.customer_key))
    for column, value in keys:
        if value:
            existing = session.scalars(select(Account).where(Account.deleted_at.is_(None), column == value)
                                       .order_by(Account.id).limit(1)).first()
            if existing is not None:
                return existing
    account = Account(name=registration.customer_name, name_key=registration.customer_key,
                      domain=registration.customer_domain, country=registration.customer_country,
                      tax_id=registration.customer_tax_id, territory_id=registration.territory_id,
                      partner_id=registration.partner_id)
    session.add(account)
    audit.record(session, actor, "create", account, None)
    return account
