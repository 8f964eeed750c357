"""A partner's status at a glance, for its portal home: tier and what the next tier still needs, pipeline,
registrations with their expiry dates, and the vendor's announcements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.base import utcnow
from channelbase.core.i18n import N_
from channelbase.core.money import Money
from channelbase.deals import fx
from channelbase.enablement.certifications import certified_people
from channelbase.enablement.models import CourseKind
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, Stage, StageOutcome
from channelbase.partners.models import Partner, PartnerTier
from channelbase.portal.models import Announcement

TIER_ORDER = [PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM]
TIER_NAMES = {PartnerTier.REGISTERED: N_("Registered"), PartnerTier.SILVER: N_("Silver"),
              PartnerTier.GOLD: N_("Gold"), PartnerTier.PLATINUM: N_("Platinum")}

# What each tier asks: over the last twelve months (bookings in the reporting currency), and people holding a
# valid certification today. The program's own tier settings replace this table when they exist.
TIER_REQUIREMENTS: dict[str, dict[str, int]] = {
    PartnerTier.SILVER: {"bookings": 50_000, "won_deals": 2, "registrations": 3, "certified_sales": 1,
                         "certified_presales": 1},
    PartnerTier.GOLD: {"bookings": 250_000, "won_deals": 6, "registrations": 10, "certified_sales": 2,
                       "certified_presales": 2},
    PartnerTier.PLATINUM: {"bookings": 1_000_000, "won_deals": 15, "registrations": 25, "certified_sales": 4,
                           "certified_presales": 3},
}
REQUIREMENT_LABELS = {"bookings": N_("Bookings in the last 12 months"),
                      "won_deals": N_("Deals won in the last 12 months"),
                      "registrations": N_("Deals registered in the last 12 months"),
                      "certified_sales": N_("People with a valid sales certification"),
                      "certified_presales": N_("People with a valid pre-sales certification")}
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Requirement:
    key: str
    have: Decimal | int | None  # None: not known (an exchange rate is missing)
    need: int
    currency: str | None = None  # the bookings requirement is money

    @property
    def met(self) -> bool:
        return self.have is not None and self.have >= self.need

    @property
    def share(self) -> float:
        if self.have is None:
            return 0.0
        return min(1.0, float(self.have) / self.need) if self.need else 1.0


@dataclass(frozen=True)
class TierProgress:
    tier: str
    next_tier: str | None
    requirements: list[Requirement]


@dataclass(frozen=True)
class StageLine:
    name: str
    count: int
    amounts: list[Money]


@dataclass
class PortalStatus:
    partner: Partner
    tier: TierProgress
    open_deals: int
    pipeline: list[StageLine]
    open_amounts: list[Money]
    registrations: list[Registration]
    awaiting_decision: int
    expiring: int
    announcements: list[Announcement] = field(default_factory=list)
    today: date = field(default_factory=date.today)


def tier_progress(session: Session, actor: User, partner: Partner, *, now: datetime | None = None) -> TierProgress:
    """The next tier's requirements against the partner's own last twelve months."""
    now = now or utcnow()
    position = TIER_ORDER.index(PartnerTier(partner.tier)) if partner.tier in TIER_ORDER else 0
    if position + 1 >= len(TIER_ORDER):
        return TierProgress(partner.tier, None, [])
    next_tier = TIER_ORDER[position + 1]
    since = now.date() - timedelta(days=365)
    won = session.execute(
        select(Opportunity.amount_minor, Opportunity.currency, Opportunity.close_date)
        .where(Opportunity.partner_id == partner.id, Opportunity.outcome == StageOutcome.WON,
               Opportunity.close_date > since, Opportunity.close_date <= now.date())
    ).all()
    reporting = fx.reporting_currency()
    bookings: Decimal | None
    try:
        conversions = fx.convert_many(session, [(Money.from_minor(minor, currency), day)
                                                for minor, currency, day in won])
        bookings = sum((c.amount_reporting.amount for c in conversions), Decimal(0))
    except fx.MissingRate:
        bookings = None  # shown as "not known yet": a missing rate is never a silent zero
    registered = session.scalar(select(func.count()).select_from(Registration).where(
        Registration.partner_id == partner.id, Registration.submitted_at >= now - timedelta(days=365),
        Registration.status != RegistrationStatus.REJECTED)) or 0
    have: dict[str, Decimal | int | None] = {
        "bookings": bookings, "won_deals": len(won), "registrations": registered,
        "certified_sales": certified_people(session, partner.id, CourseKind.SALES, now.date()),
        "certified_presales": certified_people(session, partner.id, CourseKind.PRESALES, now.date())}
    return TierProgress(partner.tier, next_tier, [
        Requirement(key, have[key], need, reporting if key == "bookings" else None)
        for key, need in TIER_REQUIREMENTS[next_tier].items()])


def _pipeline(session: Session, actor: User) -> tuple[list[StageLine], list[Money], int]:
    rows = session.execute(
        visible(select(Stage.name, Stage.position, Opportunity.currency, func.count(), func.sum(Opportunity.amount_minor))
                .join(Stage, Stage.id == Opportunity.stage_id), actor, Opportunity)
        .where(Opportunity.outcome == StageOutcome.OPEN)
        .group_by(Stage.name, Stage.position, Opportunity.currency).order_by(Stage.position, Opportunity.currency)
    ).all()
    stages: dict[str, StageLine] = {}
    totals: dict[str, int] = {}
    count = 0
    for name, _position, currency, deals, minor in rows:
        line = stages.setdefault(name, StageLine(name, 0, []))
        stages[name] = StageLine(name, line.count + deals, [*line.amounts, Money.from_minor(int(minor or 0), currency)])
        totals[currency] = totals.get(currency, 0) + int(minor or 0)
        count += deals
    return list(stages.values()), [Money.from_minor(m, c) for c, m in sorted(totals.items())], count


def current_announcements(session: Session, actor: User, partner: Partner, today: date) -> list[Announcement]:
    return list(session.scalars(
        select(Announcement)
        .where(Announcement.published_on <= today,
               or_(Announcement.expires_on.is_(None), Announcement.expires_on >= today),
               or_(Announcement.language.is_(None), Announcement.language == actor.language),
               or_(Announcement.partner_type.is_(None), Announcement.partner_type == partner.type))
        .order_by(Announcement.published_on.desc(), Announcement.id.desc()).limit(5)))


def portal_status(session: Session, actor: User, *, now: datetime | None = None) -> PortalStatus:
    """Everything on a partner user's home page, read through the actor's own visibility."""
    now = now or utcnow()
    today = now.date()
    partner = own_partner(session, actor)
    pipeline, open_amounts, open_deals = _pipeline(session, actor)
    live = or_(Registration.status == RegistrationStatus.SUBMITTED,
               (Registration.status == RegistrationStatus.APPROVED) & (Registration.expires_on >= today))
    registrations = list(session.scalars(
        visible(select(Registration), actor, Registration).where(live)
        .order_by(Registration.expires_on.is_(None), Registration.expires_on, Registration.id.desc()).limit(10)))
    counts = session.execute(visible(select(
        func.count().filter(Registration.status == RegistrationStatus.SUBMITTED),
        func.count().filter((Registration.status == RegistrationStatus.APPROVED)
                            & (Registration.expires_on >= today)
                            & (Registration.expires_on <= today + timedelta(days=EXPIRING_DAYS)))
    ).select_from(Registration), actor, Registration)).one()
    return PortalStatus(partner=partner, tier=tier_progress(session, actor, partner, now=now), open_deals=open_deals,
                        pipeline=pipeline, open_amounts=open_amounts, registrations=registrations,
                        awaiting_decision=counts[0], expiring=counts[1],
                        announcements=current_announcements(session, actor, partner, today), today=today)


def own_partner(session: Session, actor: User) -> Partner:
    return get_visible(session, actor, Partner, actor.partner_id or 0)


def partner_names(session: Session, actor: User) -> dict[int, str]:
    """The actor's own partner and, for a distributor, the resellers whose deals it sees."""
    from channelbase.deals.registrations import resellers_of
    names = {p.id: p.name for p in resellers_of(session, actor)}
    own = own_partner(session, actor)
    names[own.id] = own.name
    return names
