"""A partner's status at a glance, for its portal home: tier and what the next tier still needs, pipeline,
registrations with their expiry dates, and the vendor's announcements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.base import utcnow
from channelbase.core.i18n import N_
from channelbase.core.money import Money
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, Stage, StageOutcome
from channelbase.enablement import tiers
from channelbase.enablement.tier_measures import Requirement, evaluate, measure
from channelbase.partners.models import Partner, PartnerTier
from channelbase.portal.models import Announcement

TIER_ORDER = tiers.TIER_ORDER
TIER_NAMES = {PartnerTier.REGISTERED: N_("Registered"), PartnerTier.SILVER: N_("Silver"),
              PartnerTier.GOLD: N_("Gold"), PartnerTier.PLATINUM: N_("Platinum")}

# What each tier asks when the program has not set it (the admins' Tiers page does): see enablement/tiers.py.
TIER_REQUIREMENTS = tiers.DEFAULT_REQUIREMENTS
REQUIREMENT_LABELS = {"bookings": N_("Bookings in the last 12 months"),
                      "won_deals": N_("Deals won in the last 12 months"),
                      "registrations": N_("Deals registered in the last 12 months"),
                      "active_registrations": N_("Registrations active today"),
                      "certified_sales": N_("People with a valid sales certification"),
                      "certified_presales": N_("People with a valid pre-sales certification")}
EXPIRING_DAYS = 30


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
    """What the next tier asks (as the program set it) against the partner's own measures."""
    now = now or utcnow()
    next_tier = tiers.next_tier(partner.tier)
    if next_tier is None:
        return TierProgress(partner.tier, None, [])
    metrics = measure(session, [partner.id], now.date())[partner.id]
    return TierProgress(partner.tier, next_tier, evaluate(metrics, tiers.tier_table(session, actor).needs(next_tier)))


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
